using Parley.Protocol.Text;
using Parley.Protocol.Uri;
using static Parley.Protocol.Tests.TestText;

namespace Parley.Protocol.Tests.Uri;

public class SipUriFuzzTests
{
    private static readonly string[] Samples =
    [
        "sip:alice:secret@atlanta.com:5061;transport=TCP;user=phone;method=INVITE;maddr=239.255.255.1;ttl=15;lr;x=y?subject=project%20x&priority=urgent",
        "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
        "sip:user;par=u%40example.net@example.com",
        "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
        "sips:[2001:db8::10]:5070;maddr=[::ffff:192.0.2.1];lr",
        "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
        "sip:192.0.2.4;x;y=z",
        "tel:+1-201-555-0123;ext=1234;phone-context=+1",
        "tel:7042;phone-context=example.com",
        "soap.beep://192.0.2.103:3002",
        "nobodyKnowsThisScheme:totallyopaquecontent",
    ];

    private const string Interesting = ";:@?=&%[]<>.-+\"\\/ \t\r\n,#*0123456789abcdefABCDEF";

    [Fact]
    public void TryParse_EveryPrefixOfSamples_NeverThrows()
    {
        foreach (var sample in Samples)
        {
            var text = Bytes(sample);
            for (var length = 0; length <= text.Length; length++)
            {
                Check(text.AsSpan(0, length));
            }
        }
    }

    [Fact]
    public void TryParse_RandomMutations_NeverThrowsAndKeepsRangesInBounds()
    {
        var random = new Random(3261);
        var buffer = new List<byte>(256);
        var parsed = 0;
        for (var n = 0; n < 50_000; n++)
        {
            buffer.Clear();
            buffer.AddRange(Bytes(Samples[random.Next(Samples.Length)]));
            var mutations = 1 + random.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                Mutate(buffer, random);
            }

            if (Check(buffer.ToArray()))
            {
                parsed++;
            }
        }

        // Keeps the generator honest: mutations must leave a fair share of inputs valid, so the
        // success-path invariants are exercised too.
        Assert.InRange(parsed, 5_000, 45_000);
    }

    private static void Mutate(List<byte> buffer, Random random)
    {
        byte Pick() => random.Next(10) == 0 ? (byte)random.Next(256) : (byte)Interesting[random.Next(Interesting.Length)];

        var at = random.Next(buffer.Count + 1);
        switch (random.Next(5))
        {
            case 0 when at < buffer.Count:
                buffer[at] = Pick();
                break;
            case 1:
                buffer.Insert(at, Pick());
                break;
            case 2 when at < buffer.Count:
                buffer.RemoveAt(at);
                break;
            case 3 when at < buffer.Count:
                buffer.RemoveRange(at, random.Next(buffer.Count - at + 1));
                break;
            default:
                var from = random.Next(buffer.Count + 1);
                var count = random.Next(Math.Min(8, buffer.Count - from) + 1);
                buffer.InsertRange(at, buffer.GetRange(from, count));
                break;
        }
    }

    /// <summary>Parses and checks every invariant; returns whether the input parsed.</summary>
    /// <remarks>Plain checks rather than Assert calls: this runs 50 000 times and xUnit's comparers are slow.</remarks>
    private static bool Check(ReadOnlySpan<byte> text)
    {
        if (!SipUri.TryParse(text, out var uri, out var error))
        {
            Require(error != UriError.None && uri.SchemeRange == default && uri.Host == default, "failure must leave default", text);
            return false;
        }

        var length = text.Length;
        Require(error == UriError.None && !uri.SchemeRange.IsEmpty, "success must report a scheme", text);
        Require(
            Fits(uri.SchemeRange, length) && Fits(uri.User, length) && Fits(uri.Password, length) && Fits(uri.Host, length) &&
            Fits(uri.Parameters, length) && Fits(uri.Headers, length) && Fits(uri.Opaque, length) &&
            Fits(uri.TransportParam, length) && Fits(uri.UserParam, length) && Fits(uri.MethodParam, length) &&
            Fits(uri.MaddrParam, length),
            "range outside input",
            text);
        Require(uri.Port is >= -1 and <= 65535 && uri.TtlParam is >= -1 and <= 255, "port/ttl out of range", text);
        Require(SipUri.Equivalent(text, uri, text, uri), "not reflexive", text);

        uri.TryGetParameter(text, "lr"u8, out _, out var lrPresent);
        if (uri.Scheme is UriScheme.Sip or UriScheme.Sips)
        {
            Require(uri.HasLr == lrPresent && uri.HostKind != HostKind.None, "lr/host inconsistent", text);
        }

        var parameters = text.Slice(uri.Parameters.Start, uri.Parameters.Length);
        var e = new ParameterEnumerator(parameters, ParameterSyntax.Uri);
        while (e.MoveNext())
        {
            Require(e.Current.Name.End <= parameters.Length && e.Current.Value.End <= parameters.Length, "parameter outside section", text);
        }

        Require(e.Error == ParameterError.None, "accepted parameters do not enumerate", text);

        var headers = new UriHeaderEnumerator(text.Slice(uri.Headers.Start, uri.Headers.Length));
        while (headers.MoveNext())
        {
        }

        Require(headers.Error == UriError.None, "accepted headers do not enumerate", text);

        Span<byte> padded = stackalloc byte[length + 3];
        text.CopyTo(padded[3..]);
        Require(SipUri.Equivalent(padded, uri.Offset(3), text, uri), "offset copy not equivalent", text);
        return true;
    }

    private static bool Fits(ByteRange range, int length) => range.Start >= 0 && range.Length >= 0 && range.End <= length;

    private static void Require(bool condition, string what, ReadOnlySpan<byte> text)
    {
        if (!condition)
        {
            Assert.Fail($"{what}: {Str(text)}");
        }
    }
}
