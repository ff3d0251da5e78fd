namespace Parley.Dialogs.Core;

/// <summary>The flags of <c>create_dialog([flags])</c> (dialog manual §1.7.1, OpenSIPS 3.x letters).</summary>
[Flags]
public enum DialogCreateFlags
{
    None = 0,

    /// <summary><c>B</c>: BYE both ways when the lifetime ends.</summary>
    ByeOnTimeout = 1 << 0,

    /// <summary><c>P</c>: OPTIONS pings toward the caller.</summary>
    PingCaller = 1 << 1,

    /// <summary><c>p</c>: OPTIONS pings toward the callee.</summary>
    PingCallee = 1 << 2,

    /// <summary><c>R</c>: re-INVITE pings toward the caller.</summary>
    ReinvitePingCaller = 1 << 3,

    /// <summary><c>r</c>: re-INVITE pings toward the callee.</summary>
    ReinvitePingCallee = 1 << 4,

    /// <summary><c>E</c>: end the call <c>race_condition_timeout</c> seconds after a RFC 5407 race.</summary>
    EndOnRaceCondition = 1 << 5,
}

/// <summary>Parsing of the <c>create_dialog</c> flag string.</summary>
public static class DialogCreateFlagsParser
{
    /// <summary>
    /// Parses <c>"BPpRrE"</c>-style flags. Asking OPTIONS and re-INVITE pings on the same side keeps only the re-INVITE
    /// ping (manual §1.7.1 NOTE). Returns false with the offending character in <paramref name="error"/>.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out DialogCreateFlags flags, out string? error)
    {
        flags = DialogCreateFlags.None;
        error = null;
        foreach (var c in text)
        {
            switch (c)
            {
                case 'B': flags |= DialogCreateFlags.ByeOnTimeout; break;
                case 'P': flags |= DialogCreateFlags.PingCaller; break;
                case 'p': flags |= DialogCreateFlags.PingCallee; break;
                case 'R': flags |= DialogCreateFlags.ReinvitePingCaller; break;
                case 'r': flags |= DialogCreateFlags.ReinvitePingCallee; break;
                case 'E': flags |= DialogCreateFlags.EndOnRaceCondition; break;
                case ' ' or '\t':
                    break;
                default:
                    error = $"unknown create_dialog flag '{c}' (known: B P p R r E)";
                    return false;
            }
        }

        if ((flags & DialogCreateFlags.ReinvitePingCaller) != 0)
        {
            flags &= ~DialogCreateFlags.PingCaller;
        }

        if ((flags & DialogCreateFlags.ReinvitePingCallee) != 0)
        {
            flags &= ~DialogCreateFlags.PingCallee;
        }

        return true;
    }
}
