using Parley.Scripting.Runtime;

namespace Parley.Scripting.Tests.Runtime;

public sealed class AvpStoreTests
{
    [Fact]
    public void CopyFrom_ReplacesEverything_KeepsOrder_SourceUntouched()
    {
        var source = new AvpStore(4);
        source.Push(0, ScriptValue.FromString("a"));
        source.Push(0, ScriptValue.FromString("b"));
        source.Push(2, ScriptValue.FromInt(7));
        var copy = new AvpStore(1);
        copy.Push(1, ScriptValue.FromString("old"));

        copy.CopyFrom(source);

        Assert.Equal("b", copy.Get(0).AsString());
        Assert.Equal("a", copy.Get(0, -1).AsString());
        Assert.Equal(7, copy.Get(2).AsInt());
        Assert.True(copy.Get(1).IsNull, "what the destination had is gone");
        copy.Push(0, ScriptValue.FromString("c"));
        Assert.Equal(2, source.Count(0));
    }

    [Fact]
    public void CopyFrom_ASlotEmptiedAndFilledAgain_CopiedOnce()
    {
        var source = new AvpStore(1);
        source.Push(0, ScriptValue.FromString("x"));
        source.Delete(0);
        source.Push(0, ScriptValue.FromString("y"));
        var copy = new AvpStore(1);
        copy.CopyFrom(source);
        Assert.Equal(1, copy.Count(0));
        Assert.Equal("y", copy.Get(0).AsString());
    }

    [Fact]
    public void IsEmpty_TrueUntilAValue_AndAgainAfterDeletesOrClear()
    {
        var store = new AvpStore(2);
        Assert.True(store.IsEmpty);
        store.Push(1, ScriptValue.FromInt(1));
        Assert.False(store.IsEmpty);
        store.Delete(1);
        Assert.True(store.IsEmpty);
        store.Push(0, ScriptValue.FromInt(2));
        store.Clear();
        Assert.True(store.IsEmpty);
    }
}
