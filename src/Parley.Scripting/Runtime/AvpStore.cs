namespace Parley.Scripting.Runtime;

/// <summary>
/// The AVPs of one message: per name (a slot chosen at compile time) a stack of values, newest first, as OpenSIPS keeps
/// them. <c>$avp(x) = v</c> pushes; <c>$(avp(x)[0])</c> is the newest, <c>[-1]</c> the oldest, <c>[*]</c> all.
/// Cleared per message without freeing its lists, so steady-state use allocates only the values themselves.
/// </summary>
public sealed class AvpStore
{
    private List<ScriptValue>?[] _slots;
    private readonly List<int> _touched = [];

    public AvpStore(int slotCount) => _slots = new List<ScriptValue>?[Math.Max(slotCount, 1)];

    /// <summary>Number of values stored under <paramref name="slot"/>.</summary>
    public int Count(int slot) => slot < _slots.Length && _slots[slot] is { } list ? list.Count : 0;

    /// <summary>Pushes a value on top (it becomes index 0). Byte views are copied: the AVP outlives the message buffer.</summary>
    public void Push(int slot, in ScriptValue value)
    {
        if (value.IsNull)
        {
            return;
        }

        List(slot).Add(value.Materialize());
    }

    /// <summary>Replaces every value with one (<c>:=</c>), or removes them all when <paramref name="value"/> is NULL.</summary>
    public void Set(int slot, in ScriptValue value)
    {
        DeleteAll(slot);
        Push(slot, value);
    }

    /// <summary>
    /// The value at <paramref name="index"/>: 0 is the newest, negative counts from the oldest (-1 the oldest).
    /// NULL when there is none.
    /// </summary>
    public ScriptValue Get(int slot, int index = 0)
    {
        if (slot >= _slots.Length || _slots[slot] is not { Count: > 0 } list)
        {
            return ScriptValue.Null;
        }

        var i = index >= 0 ? list.Count - 1 - index : -index - 1;
        return i >= 0 && i < list.Count ? list[i] : ScriptValue.Null;
    }

    /// <summary>Overwrites the value at <paramref name="index"/> (0 newest, negative from the oldest); false when it does not exist.</summary>
    public bool Replace(int slot, int index, in ScriptValue value)
    {
        if (slot >= _slots.Length || _slots[slot] is not { Count: > 0 } list)
        {
            return false;
        }

        var i = index >= 0 ? list.Count - 1 - index : -index - 1;
        if (i < 0 || i >= list.Count)
        {
            return false;
        }

        if (value.IsNull)
        {
            list.RemoveAt(i);
        }
        else
        {
            list[i] = value.Materialize();
        }

        return true;
    }

    /// <summary>Removes the value at <paramref name="index"/> (0 newest).</summary>
    public bool Delete(int slot, int index = 0) => Replace(slot, index, ScriptValue.Null);

    public void DeleteAll(int slot)
    {
        if (slot < _slots.Length)
        {
            _slots[slot]?.Clear();
        }
    }

    /// <summary>Copies the values of a slot, newest first, into <paramref name="destination"/> (cleared first).</summary>
    public void CopyTo(int slot, List<ScriptValue> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Clear();
        if (slot < _slots.Length && _slots[slot] is { } list)
        {
            for (var i = list.Count - 1; i >= 0; i--)
            {
                destination.Add(list[i]);
            }
        }
    }

    /// <summary>True when no slot holds a value.</summary>
    public bool IsEmpty
    {
        get
        {
            foreach (var slot in _touched)
            {
                if (_slots[slot] is { Count: > 0 })
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Replaces every value with those of <paramref name="source"/>, in the same order (tm keeps a transaction's AVPs
    /// this way, apart from the messages' stores). Values are shared: stored values are immutable.
    /// </summary>
    public void CopyFrom(AvpStore source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (ReferenceEquals(source, this))
        {
            return;
        }

        Clear();
        foreach (var slot in source._touched)
        {
            // A slot emptied and filled again is listed twice: copy it once.
            if (source._slots[slot] is { Count: > 0 } values && List(slot) is { Count: 0 } destination)
            {
                destination.AddRange(values);
            }
        }
    }

    /// <summary>Empties every slot used since the last clear.</summary>
    public void Clear()
    {
        foreach (var slot in _touched)
        {
            _slots[slot]?.Clear();
        }

        _touched.Clear();
    }

    private List<ScriptValue> List(int slot)
    {
        if (slot >= _slots.Length)
        {
            Array.Resize(ref _slots, Math.Max(slot + 1, _slots.Length * 2));
        }

        var list = _slots[slot] ??= new List<ScriptValue>(4);
        if (list.Count == 0)
        {
            _touched.Add(slot);
        }

        return list;
    }
}
