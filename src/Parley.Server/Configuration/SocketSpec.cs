namespace Parley.Server.Configuration;

/// <summary>Checks a <c>socket=</c> value before the transport binds it, so <c>parley -c</c> reports it with its position.</summary>
internal static class SocketSpec
{
    public static string? Validate(string value) =>
        Parley.Transport.ListenAddress.TryParse(value, out _, out var error) ? null : error;
}
