namespace Parley.Dialogs.Profiles;

/// <summary>
/// The profiles of <c>profiles_with_value</c> and <c>profiles_no_value</c>: names of letters, digits, <c>_</c> and
/// <c>-</c> separated by <c>;</c>, each optionally suffixed <c>/s</c> (CacheDB-shared) or <c>/b</c> (cluster-replicated).
/// Lookup is by the name as written, suffix included, as OpenSIPS does.
/// </summary>
public sealed class ProfileRegistry
{
    private readonly List<DialogProfile> _profiles = [];
    private readonly Dictionary<string, DialogProfile> _byName = new(StringComparer.Ordinal);

    /// <summary>In definition order: <c>profiles_no_value</c> first, then <c>profiles_with_value</c> (OpenSIPS's mod_init order, which <c>list_all_profiles</c> shows).</summary>
    public IReadOnlyList<DialogProfile> Profiles => _profiles;

    public DialogProfile? Find(string name) => _byName.TryGetValue(name, out var p) ? p : null;

    /// <summary>Defines the profiles of one parameter value; returns an error message or null.</summary>
    public string? Define(string list, bool hasValue, int logHashSize)
    {
        foreach (var raw in list.Split(';'))
        {
            var item = raw.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            var shared = false;
            var replicated = false;
            var name = item;
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                var suffix = item[(slash + 1)..].Trim();
                name = item[..slash].Trim();
                if (suffix == "s")
                {
                    shared = true;
                }
                else if (suffix == "b")
                {
                    replicated = true;
                }
                else
                {
                    return $"profile '{item}': unknown suffix '/{suffix}' (known: /s shared through CacheDB, /b replicated)";
                }
            }

            if (name.Length == 0)
            {
                return $"profile '{item}' has no name";
            }

            foreach (var c in name)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '-')
                {
                    return $"profile name '{name}' may hold only letters, digits, '_' and '-'";
                }
            }

            var profile = new DialogProfile(name, hasValue, shared, replicated, logHashSize);
            if (!_byName.TryAdd(profile.FullName, profile))
            {
                return $"profile '{profile.FullName}' is defined twice";
            }

            _profiles.Add(profile);
        }

        return null;
    }
}
