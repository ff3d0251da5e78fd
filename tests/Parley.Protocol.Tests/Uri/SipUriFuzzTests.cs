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
    private static bool Check(ReadOnlySpan<byte> text)
    {
        if (!SipUri.TryParse(text, out var uri, out var error))
        {
            Assert.NotEqual(UriError.None, error);
            Assert.Equal(default, uri.SchemeRange);
            return false;
        }

        Assert.Equal(UriError.None, error);
        var length = text.Length;
        foreach (var range in new[]
                 {
                     uri.SchemeRange, uri.User, uri.Password, uri.Host, uri.Parameters, uri.Headers, uri.Opaque,
                     uri.TransportParam, uri.UserParam, uri.MethodParam, uri.MaddrParam,
                 })
        {
            if (range.Start < 0 || range.Length < 0 || range.End > length)
            {
                Assert.Fail($"{range} outside {length}: {Str(text)}");
            }
        }

        Assert.InRange(uri.Port, -1, 65535);
        Assert.InRange(uri.TtlParam, -1, 255);
        Assert.False(uri.SchemeRange.IsEmpty);
        if (!SipUri.Equivalent(text, uri, text, uri))
        {
            Assert.Fail($"not reflexive: {Str(text)}");
        }

        uri.TryGetParameter(text, "lr"u8, out _, out var lrPresent);
        if (uri.Scheme is UriScheme.Sip or UriScheme.Sips)
        {
            Assert.Equal(uri.HasLr, lrPresent);
            Assert.NotEqual(HostKind.None, uri.HostKind);
        }

        var parameters = text.Slice(uri.Parameters.Start, uri.Parameters.Length);
        var e = new ParameterEnumerator(parameters, ParameterSyntax.Uri);
        while (e.MoveNext())
        {
            Assert.True(e.Current.Name.End <= parameters.Length && e.Current.Value.End <= parameters.Length);
        }

        Assert.Equal(ParameterError.None, e.Error);

        var headers = new UriHeaderEnumerator(text.Slice(uri.Headers.Start, uri.Headers.Length));
        while (headers.MoveNext())
        {
        }

        Assert.Equal(UriError.None, headers.Error);

        var shifted = uri.Offset(3);
        var padded = new byte[length + 3];
        text.CopyTo(padded.AsSpan(3));
        Assert.True(SipUri.Equivalent(padded, shifted, text, uri));
        return true;
    }
}
