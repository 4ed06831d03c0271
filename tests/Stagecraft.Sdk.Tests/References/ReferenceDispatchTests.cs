using Stagecraft.References;

namespace Stagecraft.Sdk.Tests.References;

public class ReferenceDispatchTests
{
    private sealed record WorkItem(string Database, string InstanceId);

    [Fact]
    public void Work_items_are_ordered_by_key_then_id_so_same_key_items_are_adjacent()
    {
        // The seed sorted --instance-ids by (selected_database, instance_id) so same-db tasks dispatch adjacently.
        WorkItem[] items = [new("zoo", "z_1"), new("alien", "alien_2"), new("zoo", "a_9"), new("alien", "alien_10"), new("bank", "b_1"), new("alien", "alien_1")];

        var ordered = ReferenceDispatch.OrderByKeyThenId(items, i => i.Database, i => i.InstanceId);

        Assert.Equal(
            [new("alien", "alien_1"), new("alien", "alien_10"), new("alien", "alien_2"), new("bank", "b_1"), new("zoo", "a_9"), new("zoo", "z_1")],
            ordered);
    }

    [Fact]
    public void The_order_is_ordinal_and_independent_of_input_order_and_culture()
    {
        WorkItem[] items = [new("b", "1"), new("B", "1"), new("a", "2"), new("a", "10"), new("ä", "1")];
        var expected = ReferenceDispatch.OrderByKeyThenId(items, i => i.Database, i => i.InstanceId);

        for (var seed = 0; seed < 20; seed++)
        {
            var shuffled = items.ToArray();
            new Random(seed).Shuffle(shuffled);
            Assert.Equal(expected, ReferenceDispatch.OrderByKeyThenId(shuffled, i => i.Database, i => i.InstanceId));
        }

        Assert.Equal(["B", "a", "a", "b", "ä"], expected.Select(i => i.Database));
    }

    [Fact]
    public void Duplicate_key_and_id_is_rejected_because_the_order_would_depend_on_the_input()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            ReferenceDispatch.OrderByKeyThenId([new WorkItem("db", "1"), new WorkItem("db", "1")], i => i.Database, i => i.InstanceId));
        Assert.Contains("'db'", ex.Message, StringComparison.Ordinal);
    }
}
