using System.Collections.Generic;

namespace Stagecraft.Generators.Pipelines;

/// <summary>
/// Orders stages and finds cycles. Works on indices (declaration order) so it needs no Roslyn objects; "upstream"
/// lists, for each stage, the stages whose outputs it reads.
/// </summary>
internal static class StageGraph
{
    /// <summary>
    /// A topological order that is as close to declaration order as the edges allow (of the stages whose upstream
    /// stages are all placed, the earliest declared goes next), so generated graphs are stable and readable.
    /// Returns null when the stages form a cycle.
    /// </summary>
    public static int[]? TopologicalOrder(IReadOnlyList<IReadOnlyList<int>> upstream)
    {
        var count = upstream.Count;
        var pending = new int[count];
        var downstream = Downstream(upstream);
        for (var i = 0; i < count; i++)
        {
            pending[i] = upstream[i].Count;
        }

        var ready = new SortedSet<int>();
        for (var i = 0; i < count; i++)
        {
            if (pending[i] == 0)
            {
                ready.Add(i);
            }
        }

        var order = new List<int>(count);
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            order.Add(next);
            foreach (var consumer in downstream[next])
            {
                if (--pending[consumer] == 0)
                {
                    ready.Add(consumer);
                }
            }
        }

        return order.Count == count ? order.ToArray() : null;
    }

    /// <summary>
    /// One cycle per strongly connected component that has one (a component of several stages, or a stage reading
    /// itself), listed in data-flow order from its earliest-declared stage and back to it: [A, B, C, A].
    /// Components are returned in order of their earliest stage.
    /// </summary>
    public static List<List<int>> FindCycles(IReadOnlyList<IReadOnlyList<int>> upstream)
    {
        var downstream = Downstream(upstream);
        var components = StronglyConnectedComponents(downstream);
        var cycles = new List<List<int>>();
        foreach (var component in components)
        {
            var start = int.MaxValue;
            foreach (var node in component)
            {
                start = node < start ? node : start;
            }

            var selfLoop = component.Count == 1 && downstream[start].Contains(start);
            if (component.Count > 1 || selfLoop)
            {
                cycles.Add(ShortestCycle(start, component, downstream));
            }
        }

        cycles.Sort((a, b) => a[0].CompareTo(b[0]));
        return cycles;
    }

    private static List<int>[] Downstream(IReadOnlyList<IReadOnlyList<int>> upstream)
    {
        var downstream = new List<int>[upstream.Count];
        for (var i = 0; i < downstream.Length; i++)
        {
            downstream[i] = new List<int>();
        }

        for (var consumer = 0; consumer < upstream.Count; consumer++)
        {
            foreach (var producer in upstream[consumer])
            {
                if (!downstream[producer].Contains(consumer))
                {
                    downstream[producer].Add(consumer);
                }
            }
        }

        foreach (var list in downstream)
        {
            list.Sort();
        }

        return downstream;
    }

    /// <summary>Breadth-first from <paramref name="start"/> back to itself inside the component: the shortest such cycle.</summary>
    private static List<int> ShortestCycle(int start, HashSet<int> component, List<int>[] downstream)
    {
        var previous = new Dictionary<int, int>();
        var queue = new Queue<int>();
        queue.Enqueue(start);
        var last = -1;
        while (queue.Count > 0 && last < 0)
        {
            var node = queue.Dequeue();
            foreach (var next in downstream[node])
            {
                if (!component.Contains(next))
                {
                    continue;
                }

                if (next == start)
                {
                    last = node;
                    break;
                }

                if (!previous.ContainsKey(next))
                {
                    previous[next] = node;
                    queue.Enqueue(next);
                }
            }
        }

        // Walk back from the stage that feeds the start, then reverse into data-flow order.
        var path = new List<int> { start };
        for (var node = last; node != start; node = previous[node])
        {
            path.Add(node);
        }

        path.Add(start);
        path.Reverse();
        return path;
    }

    /// <summary>Tarjan's algorithm, iterative so that a long chain of stages cannot overflow the stack.</summary>
    private static List<HashSet<int>> StronglyConnectedComponents(List<int>[] downstream)
    {
        var count = downstream.Length;
        var index = new int[count];
        var lowLink = new int[count];
        var onStack = new bool[count];
        for (var i = 0; i < count; i++)
        {
            index[i] = -1;
        }

        var stack = new Stack<int>();
        var components = new List<HashSet<int>>();
        var nextIndex = 0;
        var work = new Stack<(int Node, int Edge)>();
        for (var root = 0; root < count; root++)
        {
            if (index[root] >= 0)
            {
                continue;
            }

            work.Push((root, 0));
            while (work.Count > 0)
            {
                var (node, edge) = work.Pop();
                if (edge == 0)
                {
                    index[node] = lowLink[node] = nextIndex++;
                    stack.Push(node);
                    onStack[node] = true;
                }

                var descended = false;
                for (var e = edge; e < downstream[node].Count; e++)
                {
                    var next = downstream[node][e];
                    if (index[next] < 0)
                    {
                        work.Push((node, e + 1));
                        work.Push((next, 0));
                        descended = true;
                        break;
                    }

                    if (onStack[next])
                    {
                        lowLink[node] = System.Math.Min(lowLink[node], index[next]);
                    }
                }

                if (descended)
                {
                    continue;
                }

                if (lowLink[node] == index[node])
                {
                    var component = new HashSet<int>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component.Add(member);
                    }
                    while (member != node);
                    components.Add(component);
                }

                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    lowLink[parent] = System.Math.Min(lowLink[parent], lowLink[node]);
                }
            }
        }

        return components;
    }
}
