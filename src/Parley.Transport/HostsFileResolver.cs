using System.Globalization;
using System.Net;

namespace Parley.Transport;

/// <summary>
/// Host names from a hosts-format file (<c>address name [name…]</c> per line, <c>#</c> starts a comment) answered before
/// DNS, with every address a name is given, in file order; other names go to the fallback resolver. getaddrinfo gives
/// a name of <c>/etc/hosts</c> at most one address per family, so this is how a test gives a name several addresses
/// (RFC 3263 §4.3 failover) without a DNS server. The server uses it when the environment variable
/// <see cref="EnvironmentVariable"/> names such a file. Answers complete asynchronously, as DNS answers do.
/// </summary>
public sealed class HostsFileResolver : IHostResolver
{
    /// <summary>The environment variable the server reads: the path of a hosts-format file.</summary>
    public const string EnvironmentVariable = "PARLEY_HOSTS_FILE";

    private readonly Dictionary<string, IPAddress[]> _names;
    private readonly IHostResolver _fallback;

    private HostsFileResolver(Dictionary<string, IPAddress[]> names, IHostResolver fallback)
    {
        _names = names;
        _fallback = fallback;
    }

    /// <summary>Names the file gives an address, in no particular order.</summary>
    public IEnumerable<string> Names => _names.Keys;

    /// <summary>Parses hosts-format text; a line whose first word is not an IP address is an error.</summary>
    public static HostsFileResolver Parse(string text, IHostResolver fallback)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fallback);
        var lists = new Dictionary<string, List<IPAddress>>(StringComparer.OrdinalIgnoreCase);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var words = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (!IPAddress.TryParse(words[0], out var address))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}: '{words[0]}' is not an IP address"));
            }

            for (var i = 1; i < words.Length; i++)
            {
                if (!lists.TryGetValue(words[i], out var addresses))
                {
                    lists[words[i]] = addresses = [];
                }

                addresses.Add(address);
            }
        }

        var names = new Dictionary<string, IPAddress[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, addresses) in lists)
        {
            names[name] = addresses.ToArray();
        }

        return new HostsFileResolver(names, fallback);
    }

    /// <summary>Reads <paramref name="path"/> (see <see cref="Parse"/>).</summary>
    public static HostsFileResolver Load(string path, IHostResolver fallback) => Parse(File.ReadAllText(path), fallback);

    public async ValueTask<IPAddress[]> ResolveAsync(string hostName, CancellationToken cancellationToken)
    {
        if (_names.TryGetValue(hostName, out var addresses))
        {
            await Task.Yield();
            return addresses;
        }

        return await _fallback.ResolveAsync(hostName, cancellationToken).ConfigureAwait(false);
    }
}
