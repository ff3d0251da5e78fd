using Parley.Transactions.Matching;

namespace Parley.Dialogs.Profiles;

/// <summary>
/// A dialog profile (opensips-behaviour.md §4): 2^<c>log_profile_hash_size</c> buckets, each with its own lock. A
/// profile with values keeps, per bucket, a sorted map from value to the number of dialogs (the bucket is the core hash
/// of the value, so <c>profile_get_values</c> lists in OpenSIPS's order); a profile without values keeps a counter per
/// bucket (the bucket comes from the dialog's id). Counts never go below zero.
/// </summary>
public sealed class DialogProfile
{
    private readonly Lock[] _locks;
    private readonly SortedDictionary<string, int>[]? _values;
    private readonly int[]? _counts;

    internal DialogProfile(string name, bool hasValue, bool shared, bool replicated, int logHashSize)
    {
        Name = name;
        HasValue = hasValue;
        Shared = shared;
        Replicated = replicated;
        var size = 1 << logHashSize;
        _locks = new Lock[size];
        for (var i = 0; i < size; i++)
        {
            _locks[i] = new Lock();
        }

        if (hasValue)
        {
            _values = new SortedDictionary<string, int>[size];
            for (var i = 0; i < size; i++)
            {
                _values[i] = new SortedDictionary<string, int>(StringComparer.Ordinal);
            }
        }
        else
        {
            _counts = new int[size];
        }
    }

    /// <summary>The name without its <c>/s</c> or <c>/b</c> suffix.</summary>
    public string Name { get; }

    public bool HasValue { get; }

    /// <summary><c>/s</c>: shared through CacheDB (counted locally until the cluster issue).</summary>
    public bool Shared { get; }

    /// <summary><c>/b</c>: replicated over the cluster (counted locally until the cluster issue).</summary>
    public bool Replicated { get; }

    /// <summary>The name as configured, suffix included (profiles are looked up by it).</summary>
    public string FullName => Shared ? Name + "/s" : Replicated ? Name + "/b" : Name;

    internal int BucketOf(string? value, uint dialogId) =>
        HasValue
            ? (int)(TmHash.Hash(System.Text.Encoding.UTF8.GetBytes(value ?? string.Empty)) & (uint)(_locks.Length - 1))
            : (int)(dialogId & (uint)(_locks.Length - 1));

    /// <summary>Counts one more dialog under <paramref name="value"/> (ignored for a profile without values).</summary>
    internal void Increment(int bucket, string? value)
    {
        lock (_locks[bucket])
        {
            if (_values is not null)
            {
                var map = _values[bucket];
                map[value!] = map.TryGetValue(value!, out var n) ? n + 1 : 1;
            }
            else
            {
                _counts![bucket]++;
            }
        }
    }

    /// <summary>Counts one dialog less; a value whose count reaches zero disappears. Never goes below zero.</summary>
    internal void Decrement(int bucket, string? value)
    {
        lock (_locks[bucket])
        {
            if (_values is not null)
            {
                var map = _values[bucket];
                if (map.TryGetValue(value!, out var n))
                {
                    if (n <= 1)
                    {
                        map.Remove(value!);
                    }
                    else
                    {
                        map[value!] = n - 1;
                    }
                }
            }
            else if (_counts![bucket] > 0)
            {
                _counts[bucket]--;
            }
        }
    }

    /// <summary>
    /// <c>get_profile_size</c>: the dialogs with <paramref name="value"/>, or all of them when it is null or the profile
    /// has no values.
    /// </summary>
    public int Size(string? value = null)
    {
        if (_values is not null && value is not null)
        {
            var bucket = BucketOf(value, 0);
            lock (_locks[bucket])
            {
                return _values[bucket].TryGetValue(value, out var n) ? n : 0;
            }
        }

        var total = 0;
        for (var i = 0; i < _locks.Length; i++)
        {
            lock (_locks[i])
            {
                if (_values is not null)
                {
                    foreach (var n in _values[i].Values)
                    {
                        total += n;
                    }
                }
                else
                {
                    total += _counts![i];
                }
            }
        }

        return total;
    }

    /// <summary><c>profile_get_values</c>: each value with its count, in bucket order (one null value for a profile without values).</summary>
    public IReadOnlyList<KeyValuePair<string?, int>> Values()
    {
        var result = new List<KeyValuePair<string?, int>>();
        if (_values is null)
        {
            result.Add(new KeyValuePair<string?, int>(null, Size()));
            return result;
        }

        for (var i = 0; i < _locks.Length; i++)
        {
            lock (_locks[i])
            {
                foreach (var (value, count) in _values[i])
                {
                    result.Add(new KeyValuePair<string?, int>(value, count));
                }
            }
        }

        return result;
    }
}

/// <summary>One membership of a dialog in a profile (OpenSIPS's <c>dlg_profile_link</c>).</summary>
/// <summary>A dialog's membership of a profile; a struct, kept inline in the dialog's list (no object per membership).</summary>
internal readonly record struct ProfileLink(DialogProfile Profile, string? Value, int Bucket);
