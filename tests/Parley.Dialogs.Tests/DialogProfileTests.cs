using Parley.Dialogs.Core;
using Parley.Dialogs.Profiles;
using Parley.Dialogs.Tests.TestSupport;
using Parley.Transactions.Api;

namespace Parley.Dialogs.Tests;

/// <summary>Profiles (opensips-behaviour.md §4, manual §1.3, §1.7.11–1.7.14).</summary>
public sealed class DialogProfileTests : IDisposable
{
    private readonly DialogHarness _h = new(profilesWithValue: "caller; gateway-1", profilesNoValue: "inbound ; out_bound");

    public void Dispose() => _h.Dispose();

    private DialogProfile Caller => _h.Profiles.Find("caller")!;

    private DialogProfile Inbound => _h.Profiles.Find("inbound")!;

    [Theory]
    [InlineData("a;b/c", "unknown suffix")]
    [InlineData("a b", "letters, digits")]
    [InlineData("a;a", "defined twice")]
    [InlineData("/s", "no name")]
    public void Define_BadList_IsRejectedWithAReason(string list, string reason)
    {
        var registry = new ProfileRegistry();

        Assert.Contains(reason, registry.Define(list, hasValue: true, 4), StringComparison.Ordinal);
    }

    [Fact]
    public void Define_Suffixes_MakeDistinctSharedAndReplicatedProfiles()
    {
        var registry = new ProfileRegistry();

        Assert.Null(registry.Define("p; p/s ; p/b;", hasValue: false, 4));

        Assert.False(registry.Find("p")!.Shared);
        Assert.True(registry.Find("p/s")!.Shared);
        Assert.True(registry.Find("p/b")!.Replicated);
        Assert.Equal("p", registry.Find("p/b")!.Name);
        Assert.Equal(3, registry.Profiles.Count);
    }

    [Fact]
    public void Counts_PerValueAndTotal_FollowMemberships()
    {
        var (a, _) = _h.StartCall("c1", "t1");
        var (b, _) = _h.StartCall("c2", "t2");
        var (c, _) = _h.StartCall("c3", "t3");
        _h.Manager.SetProfile(a, Caller, "alice");
        _h.Manager.SetProfile(b, Caller, "alice");
        _h.Manager.SetProfile(c, Caller, "bob");
        _h.Manager.SetProfile(a, Inbound, "ignored");

        Assert.Equal(2, Caller.Size("alice"));
        Assert.Equal(1, Caller.Size("bob"));
        Assert.Equal(0, Caller.Size("nobody"));
        Assert.Equal(3, Caller.Size());
        Assert.Equal(1, Inbound.Size("whatever"));
        Assert.Equal([new KeyValuePair<string?, int>("bob", 1), new KeyValuePair<string?, int>("alice", 2)], Caller.Values());
        Assert.Equal([new KeyValuePair<string?, int>(null, 1)], Inbound.Values());
    }

    [Fact]
    public void SetProfile_SameDialogTwiceAndClear_KeepsOrReplacesValues()
    {
        var (d, _) = _h.StartCall();
        _h.Manager.SetProfile(d, Caller, "x");
        _h.Manager.SetProfile(d, Caller, "y");
        _h.Manager.SetProfile(d, Caller, "x");
        Assert.Equal(2, Caller.Size("x"));
        Assert.Equal(3, Caller.Size());

        _h.Manager.SetProfile(d, Caller, "z", clearValues: true);

        Assert.Equal(1, Caller.Size());
        Assert.True(_h.Manager.IsInProfile(d, Caller, "z"));
        Assert.False(_h.Manager.IsInProfile(d, Caller, "x"));
    }

    [Fact]
    public void UnsetProfile_OneValueAllValuesOrNone_ReturnsWhetherItWasIn()
    {
        var (d, _) = _h.StartCall();
        _h.Manager.SetProfile(d, Caller, "x");
        _h.Manager.SetProfile(d, Caller, "y");

        Assert.Equal(1, _h.Manager.UnsetProfile(d, Caller, "x"));
        Assert.Equal(-1, _h.Manager.UnsetProfile(d, Caller, "x"));
        Assert.True(_h.Manager.IsInProfile(d, Caller, null));
        Assert.Equal(1, _h.Manager.UnsetProfile(d, Caller, null));
        Assert.False(_h.Manager.IsInProfile(d, Caller, null));
        Assert.Equal(-1, _h.Manager.UnsetProfile(d, Inbound, null));
        Assert.Equal(0, Caller.Size());
    }

    [Fact]
    public void Decrement_WithoutMembership_NeverGoesNegative()
    {
        Caller.Decrement(Caller.BucketOf("ghost", 0), "ghost");
        Inbound.Decrement(0, null);

        Assert.Equal(0, Caller.Size());
        Assert.Equal(0, Inbound.Size());
    }

    [Fact]
    public void Memberships_AreReleasedOnFailureByeAndExpiry()
    {
        var (failed, ftx) = _h.StartCall("f", "tf");
        var (byed, _) = _h.ConfirmedCall("b", "tb");
        var (expired, _) = _h.ConfirmedCall("e", "te");
        foreach (var d in new[] { failed, byed, expired })
        {
            _h.Manager.SetProfile(d, Caller, "u");
            _h.Manager.SetProfile(d, Inbound, null);
        }

        Assert.Equal(3, Caller.Size("u"));
        _h.Relay(ftx, 480, callId: "f", fromTag: "tf");
        _h.Sequential(byed, "BYE", 2, callId: "b", callerTag: "tb");
        _h.Manager.SetTimeout(expired, 1);
        _h.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, Caller.Size());
        Assert.Equal(0, Inbound.Size());
        Assert.Equal(-1, _h.Manager.SetProfile(byed, Caller, "late"));
        Assert.Equal(0, Caller.Size());
    }

    [Fact]
    public void ThousandsOfMixedCalls_EveryCounterReturnsToZero()
    {
        var random = new Random(11);
        var byes = 0;
        for (var i = 0; i < 3000; i++)
        {
            var callId = "mix-" + i;
            var tag = "t" + i;
            var (d, tx) = _h.StartCall(callId, tag);
            _h.Manager.SetProfile(d, Caller, "u" + (i % 7));
            _h.Manager.SetProfile(d, Inbound, null);
            if (random.Next(2) == 0)
            {
                _h.Relay(tx, 180, callId: callId, fromTag: tag);
            }

            switch (random.Next(6))
            {
                case 0: // answered, caller hangs up
                    _h.Relay(tx, 200, callId: callId, fromTag: tag);
                    _h.Sequential(d, "ACK", 1, callId: callId, callerTag: tag);
                    _h.Sequential(d, "BYE", 2, callId: callId, callerTag: tag);
                    byes++;
                    break;
                case 1: // cancelled
                    tx.Fire(TmCallbackType.TransactionCancelled);
                    tx.Fire(TmCallbackType.LocalResponseOut, code: 487);
                    break;
                case 2: // rejected
                    _h.Relay(tx, 486, callId: callId, fromTag: tag);
                    break;
                case 3: // answered, expires
                    _h.Relay(tx, 200, callId: callId, fromTag: tag);
                    _h.Manager.SetTimeout(d, 1);
                    break;
                case 4: // forked: one leg rings, the other answers, callee hangs up
                    tx.Fire(TmCallbackType.RequestBuilt, request: tx.Request, branch: 1);
                    _h.Relay(tx, 180, toTag: "a" + i, branch: 0, callId: callId, fromTag: tag);
                    _h.Relay(tx, 200, toTag: "b" + i, branch: 1, callId: callId, fromTag: tag);
                    _h.Sequential(d, "BYE", 1, upstream: true, callId: callId, callerTag: tag, calleeTag: "b" + i);
                    byes++;
                    break;
                default: // the transaction dies unanswered
                    break;
            }

            tx.Fire(TmCallbackType.TransactionDeleted);
        }

        _h.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(0, _h.Stat("active_dialogs"));
        Assert.Equal(0, _h.Stat("early_dialogs"));
        Assert.Equal(3000, _h.Stat("processed_dialogs"));
        Assert.InRange(byes, 500, 1500);
        Assert.InRange(_h.Stat("expired_dialogs"), 300, 700);
        Assert.Equal(3000, _h.Stat("failed_dialogs") + _h.Stat("expired_dialogs") + byes);
        Assert.Equal(0, Caller.Size());
        Assert.Equal(0, Inbound.Size());
        Assert.Equal(0, _h.Manager.Count);
    }
}
