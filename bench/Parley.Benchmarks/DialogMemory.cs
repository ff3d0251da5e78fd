using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Dialogs;
using Parley.Dialogs.Core;
using Parley.Dialogs.Profiles;
using Parley.Management.Statistics;

namespace Parley.Benchmarks;

/// <summary>
/// Memory per confirmed dialog (issue 6 goal: at most 1 KiB beyond the SIP strings a dialog must keep). Holds N
/// confirmed dialogs in a <see cref="DialogManager"/>, built as create_dialog and the 2xx build them (caller leg with
/// Contact, two Record-Routes and SDP; answered callee leg with tag, Contact, a route set and SDP; lifetime timer armed;
/// a "caller" profile membership), and measures <see cref="GC.GetTotalMemory(bool)"/> before and after. The SIP strings
/// are allocated before the first measurement and handed to the dialogs as they are, so the difference is the dialog's
/// own cost: objects, arrays, lists, timer entries, profile links, table links; the byte arrays' headers and padding
/// (their size beyond the payload) are added to it.
/// Run: <c>dotnet run -c Release --project bench/Parley.Benchmarks -- dialog-memory [count]</c>.
/// </summary>
public static class DialogMemory
{
    public sealed record Result(int Count, long OverheadBytes, long StringBytes)
    {
        public double OverheadPerDialog => (double)OverheadBytes / Count;

        public double StringsPerDialog => (double)StringBytes / Count;
    }

    internal sealed record Strings(byte[] CallId, byte[] FromUri, byte[] ToUri, byte[] CallerTag, byte[] CalleeTag,
        byte[] CallerContact, byte[] CalleeContact, byte[] CallerRoutes, byte[] CalleeRoutes, byte[] CallerSdp, byte[] CalleeSdp, string ProfileValue);

    public static int Run(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        var result = Measure(count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"dialogs={result.Count} overhead_bytes_per_dialog={result.OverheadPerDialog:F0} sip_string_bytes_per_dialog={result.StringsPerDialog:F0} total_per_dialog={result.OverheadPerDialog + result.StringsPerDialog:F0} goal<=1024 {(result.OverheadPerDialog <= 1024 ? "OK" : "OVER")}"));
        return result.OverheadPerDialog <= 1024 ? 0 : 1;
    }

    public static Result Measure(int count)
    {
        var options = new DialogOptions();
        var profiles = new ProfileRegistry();
        profiles.Define("caller", hasValue: true, options.LogProfileHashSize);
        var caller = profiles.Find("caller")!;
        using var statistics = new StatisticsRegistry();
        using var manager = new DialogManager(options, profiles, statistics, null, TimeProvider.System, NullLogger.Instance, new Random(1));

        var strings = new Strings[count];
        var start = Settle();
        long stringBytes = 0;
        var random = new Random(2);
        for (var i = 0; i < count; i++)
        {
            var s = MakeStrings(i, random);
            strings[i] = s;
            stringBytes += s.CallId.Length + s.FromUri.Length + s.ToUri.Length + s.CallerTag.Length + s.CalleeTag.Length
                + s.CallerContact.Length + s.CalleeContact.Length + s.CallerRoutes.Length + s.CalleeRoutes.Length
                + s.CallerSdp.Length + s.CalleeSdp.Length + s.ProfileValue.Length;
        }

        var before = Settle();
        for (var i = 0; i < count; i++)
        {
            AddConfirmed(manager, options, caller, strings[i]);
        }

        var after = Settle();
        GC.KeepAlive(strings);
        if (manager.Count != count)
        {
            throw new InvalidOperationException($"expected {count} dialogs, the table holds {manager.Count}");
        }

        // The strings' payload is what a dialog must keep; their array headers (and the benchmark's own holder records,
        // before - start - payload) are not: the headers count as the dialog's overhead, the holders do not.
        var holders = (long)count * (16 + 8 + (12 * 8)) + (24 + (8L * count));
        var arrayHeaders = before - start - stringBytes - holders;
        return new Result(count, after - before + Math.Max(0, arrayHeaders), stringBytes);
    }

    /// <summary>
    /// A confirmed dialog built as create_dialog and the 2xx build it: caller leg with Contact, route set and SDP; answered
    /// callee leg with tag, Contact, route set and SDP; lifetime timer armed; a "caller" profile value.
    /// </summary>
    internal static Dialog AddConfirmed(DialogManager manager, DialogOptions options, DialogProfile caller, Strings s)
    {
        var dialog = new Dialog(manager, manager.Table.BucketOf(s.CallId), s.CallId, s.FromUri, s.ToUri);
        dialog.AddLeg(new DialogLeg
        {
            Tag = s.CallerTag,
            InviteCSeq = 1,
            Contact = s.CallerContact,
            RouteSet = s.CallerRoutes,
            BindAddress = "udp:10.0.0.1:5060",
            Sdp = s.CallerSdp,
        });
        dialog.CallerRecordRouteCount = 2;
        manager.Table.Link(dialog);
        lock (dialog.Bucket.Gate)
        {
            var callee = dialog.AddLeg(new DialogLeg { Branch = 0, RequestCSeq = 1 });
            var leg = dialog.Leg(callee);
            leg.Tag = s.CalleeTag;
            leg.Contact = s.CalleeContact;
            leg.RouteSet = s.CalleeRoutes;
            leg.BindAddress = "udp:10.0.0.1:5060";
            leg.Sdp = s.CalleeSdp;
            dialog.AnsweredLeg = callee;
            dialog.State = DialogState.Confirmed;
            dialog.LifetimeSeconds = options.DefaultTimeoutSeconds;
            dialog.StartUnix = manager.NowUnix;
            manager.ArmLifetimeLocked(dialog, dialog.LifetimeSeconds);
        }

        manager.SetProfile(dialog, caller, s.ProfileValue);
        return dialog;
    }

    private static long Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    internal static Strings MakeStrings(int i, Random random)
    {
        var hex = random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
        byte[] B(string text) => Encoding.UTF8.GetBytes(text);
        var user = "user" + i.ToString(CultureInfo.InvariantCulture);
        var sdp = "v=0\r\no=- 3868403123 3868403123 IN IP4 192.168.1.10\r\ns=-\r\nc=IN IP4 192.168.1.10\r\nt=0 0\r\n"
            + "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
        return new Strings(
            B(hex + "-" + i.ToString(CultureInfo.InvariantCulture) + "@192.168.1.10"),
            B("sip:" + user + "@example.com"),
            B("sip:+4930" + (1000000 + i).ToString(CultureInfo.InvariantCulture) + "@example.com"),
            B(random.NextInt64().ToString("x12", CultureInfo.InvariantCulture)),
            B(random.NextInt64().ToString("x12", CultureInfo.InvariantCulture)),
            B("sip:" + user + "@192.168.1.10:5060;transport=udp"),
            B("sip:gw@10.0.1.20:5060;transport=udp"),
            B("<sip:10.0.0.9;lr>,<sip:10.0.0.8;lr;ftag=abc>"),
            B("<sip:10.0.1.1;lr>"),
            B(sdp),
            B(sdp.Replace("192.168.1.10", "10.0.1.20", StringComparison.Ordinal)),
            user);
    }
}
