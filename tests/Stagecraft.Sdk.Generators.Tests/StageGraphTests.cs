using Stagecraft.Generators.Pipelines;

namespace Stagecraft.Sdk.Generators.Tests;

public sealed class StageGraphTests
{
    [Fact]
    public void Topological_order_keeps_declaration_order_where_the_edges_allow()
    {
        // 0 reads 2, 1 reads nothing, 2 reads nothing, 3 reads 0 and 1.
        int[][] upstream = [[2], [], [], [0, 1]];

        Assert.Equal([1, 2, 0, 3], StageGraph.TopologicalOrder(upstream)!);
    }

    [Fact]
    public void Topological_order_is_null_for_a_cycle()
    {
        int[][] upstream = [[1], [0], []];

        Assert.Null(StageGraph.TopologicalOrder(upstream));
    }

    [Fact]
    public void Cycles_are_one_per_component_from_the_earliest_stage_in_data_flow_order()
    {
        // 0 → 1 → 2 → 0 (2 reads 1, 1 reads 0, 0 reads 2); 3 reads itself; 4 reads 2 (downstream of a cycle, not in one);
        // 5 ⇄ 6.
        int[][] upstream = [[2], [0], [1], [3], [2], [6], [5]];

        var cycles = StageGraph.FindCycles(upstream);

        Assert.Equal([[0, 1, 2, 0], [3, 3], [5, 6, 5]], cycles);
    }

    [Fact]
    public void The_shortest_cycle_through_the_earliest_stage_is_listed()
    {
        // 0 → 1 → 0 and 0 → 2 → 3 → 0 share stage 0 (one component).
        int[][] upstream = [[1, 3], [0], [0], [2]];

        Assert.Equal([[0, 1, 0]], StageGraph.FindCycles(upstream));
    }

    [Fact]
    public void A_long_chain_neither_overflows_nor_takes_quadratic_recursion()
    {
        const int count = 20_000;
        var upstream = new int[count][];
        upstream[0] = [count - 1]; // closes a 20,000-stage cycle
        for (var i = 1; i < count; i++)
        {
            upstream[i] = [i - 1];
        }

        var cycle = Assert.Single(StageGraph.FindCycles(upstream));
        Assert.Equal(count + 1, cycle.Count);

        upstream[0] = [];
        Assert.Equal(Enumerable.Range(0, count), StageGraph.TopologicalOrder(upstream)!);
    }
}
