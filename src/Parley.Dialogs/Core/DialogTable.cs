namespace Parley.Dialogs.Core;

/// <summary>
/// The dialog hash table (opensips-behaviour.md §2): <c>hash_size</c> buckets (a power of two, rounded down), each with
/// its own lock, list and <c>next_id</c> starting at a random value. A dialog's bucket is the hash of its Call-ID, so
/// every lookup takes exactly one bucket lock.
/// </summary>
internal sealed class DialogTable
{
    private readonly DialogBucket[] _buckets;
    private int _count;

    public DialogTable(int requestedSize, Random random)
    {
        Size = RoundDownToPowerOfTwo(requestedSize);
        _buckets = new DialogBucket[Size];
        for (var i = 0; i < _buckets.Length; i++)
        {
            _buckets[i] = new DialogBucket((uint)i, (uint)random.NextInt64(0, 1L << 32));
        }
    }

    public int Size { get; }

    /// <summary>Dialogs in the table, in any state.</summary>
    public int Count => Volatile.Read(ref _count);

    public DialogBucket Bucket(uint entry) => _buckets[entry];

    public DialogBucket BucketOf(ReadOnlySpan<byte> callId) => _buckets[DialogId.Entry(callId, Size)];

    public static int RoundDownToPowerOfTwo(int value) => value < 1 ? 1 : 1 << (31 - int.LeadingZeroCount(value));

    /// <summary>Appends <paramref name="dialog"/> to its bucket and gives it the bucket's next id (OpenSIPS's <c>link_dlg</c>).</summary>
    public void Link(Dialog dialog)
    {
        var bucket = dialog.Bucket;
        lock (bucket.Gate)
        {
            dialog.Id = bucket.NextId++;
            dialog.Previous = bucket.Last;
            dialog.Next = null;
            if (bucket.Last is { } last)
            {
                last.Next = dialog;
            }
            else
            {
                bucket.First = dialog;
            }

            bucket.Last = dialog;
            bucket.Count++;
            dialog.Linked = true;
        }

        Interlocked.Increment(ref _count);
    }

    /// <summary>
    /// Links a dialog that keeps its <paramref name="id"/> (loaded from the database): the bucket's next id moves past it
    /// so new dialogs never reuse a restored DID (opensips-behaviour.md §2).
    /// </summary>
    public void LinkWithId(Dialog dialog, uint id)
    {
        var bucket = dialog.Bucket;
        lock (bucket.Gate)
        {
            var next = bucket.NextId;
            Link(dialog);
            dialog.Id = id;
            bucket.NextId = unchecked(id + 1 - next) < 1u << 31 ? id + 1 : next;
        }
    }

    /// <summary>Removes a linked dialog; the caller holds its bucket lock.</summary>
    public void UnlinkLocked(Dialog dialog)
    {
        if (!dialog.Linked)
        {
            return;
        }

        var bucket = dialog.Bucket;
        if (dialog.Previous is { } previous)
        {
            previous.Next = dialog.Next;
        }
        else
        {
            bucket.First = dialog.Next;
        }

        if (dialog.Next is { } next)
        {
            next.Previous = dialog.Previous;
        }
        else
        {
            bucket.Last = dialog.Previous;
        }

        dialog.Next = dialog.Previous = null;
        dialog.Linked = false;
        bucket.Count--;
        Interlocked.Decrement(ref _count);
    }

    /// <summary>The dialog <paramref name="entry"/>.<paramref name="id"/>, deleted ones included (DID matching and MI); the caller holds no lock.</summary>
    public Dialog? Find(uint entry, uint id)
    {
        if (entry >= (uint)_buckets.Length)
        {
            return null;
        }

        var bucket = _buckets[entry];
        lock (bucket.Gate)
        {
            for (var d = bucket.First; d is not null; d = d.Next)
            {
                if (d.Id == id)
                {
                    return d;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The first dialog with this Call-ID (and caller tag, when given) in link order, deleted ones included; MI's
    /// <c>get_dlg_by_callid</c>.
    /// </summary>
    public Dialog? FindByCallId(ReadOnlySpan<byte> callId, ReadOnlySpan<byte> fromTag = default, bool anyTag = true)
    {
        callId = DialogId.Trim(callId);
        var bucket = BucketOf(callId);
        lock (bucket.Gate)
        {
            for (var d = bucket.First; d is not null; d = d.Next)
            {
                if (d.CallId.AsSpan().SequenceEqual(callId) && (anyTag || d.Leg(0).Tag.AsSpan().SequenceEqual(fromTag)))
                {
                    return d;
                }
            }
        }

        return null;
    }

    /// <summary>Every dialog, in bucket then link order (a snapshot; states may move on).</summary>
    public List<Dialog> Snapshot()
    {
        var result = new List<Dialog>(Count);
        foreach (var bucket in _buckets)
        {
            if (bucket.Count == 0)
            {
                continue;
            }

            lock (bucket.Gate)
            {
                for (var d = bucket.First; d is not null; d = d.Next)
                {
                    result.Add(d);
                }
            }
        }

        return result;
    }
}
