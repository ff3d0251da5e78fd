using System.Buffers.Text;
using System.Text;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Sl;

/// <summary>
/// The Contact header of a stateless 3xx: the new Request-URI (when the script changed it) and every branch added with
/// <c>append_branch</c>, with their q values, as OpenSIPS's <c>print_dset</c> writes it
/// (<c>Contact: &lt;sip:a@x&gt;;q=0.5, &lt;sip:b@y&gt;</c>). RFC 3261 §21.3: a redirect lists the alternatives in Contact.
/// </summary>
internal static class RedirectContacts
{
    private const int QLength = 8; // ";q=0.123"

    public static int MaxLength(ScriptContext context)
    {
        var length = "Contact: \r\n"u8.Length;
        if (context.RequestUriChanged)
        {
            length += context.RequestUriText.Length + 2 + 2;
        }

        foreach (var branch in context.Branches)
        {
            length += Encoding.UTF8.GetMaxByteCount(branch.Uri.Length) + 2 + QLength + 2;
        }

        return length;
    }

    public static int Write(ScriptContext context, Span<byte> destination)
    {
        if (!context.RequestUriChanged && context.Branches.Count == 0)
        {
            return 0;
        }

        "Contact: "u8.CopyTo(destination);
        var n = 9;
        var first = true;
        if (context.RequestUriChanged)
        {
            destination[n++] = (byte)'<';
            context.RequestUriText.CopyTo(destination[n..]);
            n += context.RequestUriText.Length;
            destination[n++] = (byte)'>';
            first = false;
        }

        foreach (var branch in context.Branches)
        {
            if (!first)
            {
                destination[n++] = (byte)',';
                destination[n++] = (byte)' ';
            }

            first = false;
            destination[n++] = (byte)'<';
            n += Encoding.UTF8.GetBytes(branch.Uri, destination[n..]);
            destination[n++] = (byte)'>';
            n += WriteQ(branch.Q, destination[n..]);
        }

        destination[n++] = (byte)'\r';
        destination[n++] = (byte)'\n';
        return n;
    }

    /// <summary>
    /// <c>;q=</c> with OpenSIPS's integer q (thousandths) as RFC 3261 §25.1 <c>qvalue</c>: "1", "0", or "0." with up to
    /// three digits and no trailing zeros; nothing when the branch has no q.
    /// </summary>
    internal static int WriteQ(int q, Span<byte> destination)
    {
        if (q < 0)
        {
            return 0;
        }

        ";q="u8.CopyTo(destination);
        var n = 3;
        if (q >= 1000 || q == 0)
        {
            destination[n++] = q == 0 ? (byte)'0' : (byte)'1';
            return n;
        }

        "0."u8.CopyTo(destination[n..]);
        n += 2;
        Span<byte> digits = stackalloc byte[3];
        Utf8Formatter.TryFormat(q, digits, out _, new System.Buffers.StandardFormat('D', 3));
        var used = 3;
        while (digits[used - 1] == (byte)'0')
        {
            used--;
        }

        digits[..used].CopyTo(destination[n..]);
        return n + used;
    }
}
