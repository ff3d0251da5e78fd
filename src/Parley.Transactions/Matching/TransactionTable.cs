using Parley.Protocol;

namespace Parley.Transactions.Matching;

/// <summary>What the table needs of a transaction.</summary>
public interface ITableTransaction
{
    /// <summary>The request identity of a server (UAS) transaction; null for a local (UAC-only) transaction.</summary>
    TransactionIdentity? Identity { get; }

    /// <summary>The bucket (set before insertion: <see cref="TransactionIdentity.Bucket"/>, or the hash of a local request).</summary>
    int Bucket { get; }

    /// <summary>Assigned by the table on insertion (OpenSIPS's per-bucket <c>next_label++</c>).</summary>
    uint Label { get; set; }

    /// <summary>Last final status sent upstream (0 or 1xx while pending), for ACK matching.</summary>
    int LastStatus { get; }

    /// <summary>The To tag of a reply this proxy generated itself, or empty.</summary>
    ReadOnlySpan<byte> LocalToTag { get; }

    /// <summary>What stands for the label in the Via branches of a <c>syn_branch=0</c> transaction (an MD5), or empty.</summary>
    ReadOnlySpan<byte> BranchKey => default;
}

/// <summary>
/// The transaction table (opensips-behaviour.md §9.1): 65536 buckets by <see cref="TmHash"/>, each with its own
/// <c>next_label</c> starting at a random value; lock striping (one <see cref="Lock"/> per 256 buckets by default) so
/// workers and the timer thread contend only when they touch the same stripe. A reply finds its transaction from the
/// branch (bucket + label) without scanning; a request scans its bucket, which holds the few transactions whose
/// Call-ID and CSeq hash alike.
/// </summary>
public sealed class TransactionTable<T>
    where T : class, ITableTransaction
{
    private readonly Lock[] _stripes;
    private readonly int _stripeMask;
    private readonly List<T>?[] _buckets = new List<T>?[TmHash.TableSize];
    private readonly uint[] _nextLabel = new uint[TmHash.TableSize];
    private readonly uint[] _inserted = new uint[TmHash.TableSize];
    private int _count;

    /// <param name="stripes">Number of locks, a power of two (default 256).</param>
    public TransactionTable(int stripes = 256)
    {
        if (stripes <= 0 || (stripes & (stripes - 1)) != 0 || stripes > TmHash.TableSize)
        {
            throw new ArgumentOutOfRangeException(nameof(stripes), "a power of two up to 65536");
        }

        _stripes = new Lock[stripes];
        for (var i = 0; i < stripes; i++)
        {
            _stripes[i] = new Lock();
        }

        _stripeMask = stripes - 1;
        for (var i = 0; i < _nextLabel.Length; i++)
        {
            _nextLabel[i] = (uint)Random.Shared.Next();
        }
    }

    /// <summary>Transactions in the table (OpenSIPS's <c>inuse_transactions</c>).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a transaction and gives it its label.</summary>
    public void Insert(T transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var bucket = CheckBucket(transaction.Bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            InsertLocked(transaction, bucket);
        }
    }

    /// <summary>
    /// Looks <paramref name="request"/> up in its bucket and, when nothing matches, inserts <paramref name="create"/>()
    /// — atomically, so two copies of one request can never both create a transaction. Returns the matching transaction
    /// and how it matched, or the new one with <see cref="RequestMatch.None"/>; a null <paramref name="create"/> result
    /// means "do not create" (e.g. an ACK without a transaction).
    /// </summary>
    public (T? Transaction, RequestMatch Match) FindOrInsert(SipMessage request, int bucket, Func<T?> create, bool ruriMatching = true, bool via1Matching = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(create);
        CheckBucket(bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            var (found, match) = FindLocked(request, bucket, ruriMatching, via1Matching);
            if (found is not null)
            {
                return (found, match);
            }

            var created = create();
            if (created is not null)
            {
                InsertLocked(created, CheckBucket(created.Bucket));
            }

            return (created, RequestMatch.None);
        }
    }

    /// <summary>The server transaction <paramref name="request"/> belongs to (retransmission, its ACK), or null.</summary>
    public (T? Transaction, RequestMatch Match) FindRequest(SipMessage request, int bucket, bool ruriMatching = true, bool via1Matching = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckBucket(bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            return FindLocked(request, bucket, ruriMatching, via1Matching);
        }
    }

    /// <summary>The transaction a CANCEL cancels (RFC 3261 §9.2), or null.</summary>
    public T? FindCancelTarget(SipMessage cancel, int bucket, bool ruriMatching = true, bool via1Matching = true)
    {
        ArgumentNullException.ThrowIfNull(cancel);
        CheckBucket(bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            if (_buckets[bucket] is not { } list)
            {
                return null;
            }

            foreach (var t in list)
            {
                if (t.Identity is { } identity && RequestMatcher.MatchesCancel(identity, cancel, ruriMatching, via1Matching))
                {
                    return t;
                }
            }

            return null;
        }
    }

    /// <summary>The transaction a reply's branch names (bucket + label), or null.</summary>
    public T? FindByLabel(int bucket, uint label)
    {
        if ((uint)bucket >= TmHash.TableSize)
        {
            return null;
        }

        lock (_stripes[bucket & _stripeMask])
        {
            if (_buckets[bucket] is { } list)
            {
                foreach (var t in list)
                {
                    if (t.Label == label)
                    {
                        return t;
                    }
                }
            }

            return null;
        }
    }

    /// <summary>The transaction a <c>syn_branch=0</c> reply's branch names (bucket + MD5 key), or null.</summary>
    public T? FindByBranchKey(int bucket, ReadOnlySpan<byte> key)
    {
        if ((uint)bucket >= TmHash.TableSize || key.IsEmpty)
        {
            return null;
        }

        lock (_stripes[bucket & _stripeMask])
        {
            if (_buckets[bucket] is { } list)
            {
                foreach (var t in list)
                {
                    if (t.BranchKey.SequenceEqual(key))
                    {
                        return t;
                    }
                }
            }

            return null;
        }
    }

    public bool Remove(T transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var bucket = CheckBucket(transaction.Bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            if (_buckets[bucket] is { } list && list.Remove(transaction))
            {
                Interlocked.Decrement(ref _count);
                return true;
            }

            return false;
        }
    }

    /// <summary>Number of transactions in one bucket (MI <c>t_hash</c>).</summary>
    public int BucketSize(int bucket)
    {
        CheckBucket(bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            return _buckets[bucket]?.Count ?? 0;
        }
    }

    /// <summary>Transactions ever inserted in one bucket (OpenSIPS's <c>acc_entries</c>, MI <c>t_hash</c>'s "Total").</summary>
    public long BucketTotal(int bucket)
    {
        CheckBucket(bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            return _inserted[bucket];
        }
    }

    /// <summary>The first transaction of <paramref name="bucket"/> that <paramref name="match"/> accepts (t_lookup_callid), or null.</summary>
    public T? Find<TState>(int bucket, TState state, Func<T, TState, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        CheckBucket(bucket);
        lock (_stripes[bucket & _stripeMask])
        {
            if (_buckets[bucket] is { } list)
            {
                foreach (var t in list)
                {
                    if (match(t, state))
                    {
                        return t;
                    }
                }
            }

            return null;
        }
    }

    private void InsertLocked(T transaction, int bucket)
    {
        transaction.Label = _nextLabel[bucket]++;
        _inserted[bucket]++;
        (_buckets[bucket] ??= new List<T>(2)).Add(transaction);
        Interlocked.Increment(ref _count);
    }

    private (T?, RequestMatch) FindLocked(SipMessage request, int bucket, bool ruriMatching, bool via1Matching)
    {
        if (_buckets[bucket] is not { } list)
        {
            return (null, RequestMatch.None);
        }

        foreach (var t in list)
        {
            if (t.Identity is not { } identity)
            {
                continue; // local (UAC) transactions never match incoming requests
            }

            var match = RequestMatcher.Match(identity, t.LastStatus, t.LocalToTag, request, ruriMatching, via1Matching);
            if (match != RequestMatch.None)
            {
                return (t, match);
            }
        }

        return (null, RequestMatch.None);
    }

    private static int CheckBucket(int bucket) =>
        (uint)bucket < TmHash.TableSize ? bucket : throw new ArgumentOutOfRangeException(nameof(bucket), bucket, "bucket outside the table");
}
