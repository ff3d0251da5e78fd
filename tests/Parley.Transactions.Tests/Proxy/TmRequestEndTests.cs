using Parley.Transport;

namespace Parley.Transactions.Tests.Proxy;

/// <summary>What tm does with a transaction when the request route ends without relaying or answering it (OpenSIPS's t_unref).</summary>
public sealed class TmRequestEndTests
{
    [Fact]
    public void OnRequestEnd_NeitherRelayedNorAnswered_TransactionReleasedSilently()
    {
        using var h = new TmScriptHarness("""
            modparam("tm", "auto_100trying", 0)
            route {
                t_newtran();
                exit;
            }
            """);
        h.SendRequest();

        Assert.Empty(h.ToCaller);
        Assert.Equal(0, h.Tm.Core.Table.Count);
    }

    [Fact]
    public void OnRequestEnd_NonInviteNeitherRelayedNorAnswered_Released()
    {
        using var h = new TmScriptHarness("""
            route {
                t_newtran();
                exit;
            }
            """);
        h.SendRequest(method: "OPTIONS");
        Assert.Equal(0, h.Tm.Core.Table.Count);
        Assert.Empty(h.ToCaller);
    }

    [Fact]
    public void OnRequestEnd_InviteHeldAfter100_408WhenFrInvTimeoutPasses()
    {
        using var h = new TmScriptHarness("""
            modparam("tm", "fr_inv_timeout", 3)
            route {
                t_newtran();
                exit;
            }
            """);
        h.SendRequest();
        Assert.True(h.CallerGot(100));
        Assert.Equal(1, h.Tm.Core.Table.Count);

        h.Advance(TimeSpan.FromSeconds(2));
        Assert.False(h.CallerGot(408), "held for MI t_reply until fr_inv_timeout");

        h.Advance(TimeSpan.FromSeconds(1.5));
        Assert.True(h.CallerGot(408));
    }

    [Fact]
    public void OnRequestEnd_ParkedWith180_AnsweredLaterByTReplyByCallId()
    {
        using var h = new TmScriptHarness("""
            route {
                if ($rm == "INVITE") { t_reply(180, "Ringing"); exit; }
                if ($rm == "CANCEL") { t_reply_by_callid(487, "Request Terminated"); exit; }
            }
            """);
        h.SendRequest();
        Assert.True(h.CallerGot(180));
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.False(h.CallerGot(487));

        h.SendCancel();

        Assert.True(h.CallerGot(487));
    }

    [Fact]
    public void OnRequestEnd_Relayed_Untouched()
    {
        using var h = new TmScriptHarness("""
            route {
                $du = "sip:10.0.0.2:5070";
                t_relay();
            }
            """);
        h.SendRequest();
        Assert.Single(h.Requests(SipEndPoint.Parse("10.0.0.2:5070"), "INVITE"));
        Assert.Equal(1, h.Tm.Core.Table.Count);
        Assert.False(h.CallerGot(408));
    }
}

/// <summary><c>t_anycast_replicate()</c> before clustering exists.</summary>
public sealed class TmAnycastTests
{
    [Fact]
    public void TAnycastReplicate_NoCluster_FalseSoTheScriptHandlesTheRequestItself()
    {
        using var h = new TmScriptHarness("""
            modparam("tm", "tm_replication_cluster", 1)
            route {
                if (t_anycast_replicate()) { exit; }
                t_reply(481, "Call/Transaction Does Not Exist");
            }
            """);
        h.SendRequest(method: "OPTIONS");

        Assert.True(h.CallerGot(481));
    }
}
