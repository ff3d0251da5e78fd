using Parley.Transactions.Api;

namespace Parley.Transactions.Tests.Proxy;

public sealed class TmCallbackTests
{
    private const string RelayScript = """
        loadmodule "tm.so"
        route {
            if ($rm == "CANCEL") { t_relay(); exit; }
            if ($rm == "ACK") { t_relay(); exit; }
            t_relay();
        }
        """;

    private const TmCallbackType PerTransaction = TmCallbackType.ResponseIn | TmCallbackType.E2EAckIn | TmCallbackType.RequestBuilt
        | TmCallbackType.RequestOut | TmCallbackType.ResponsePreOut | TmCallbackType.ResponseOut | TmCallbackType.OnFailure
        | TmCallbackType.TransactionCancelled | TmCallbackType.TransactionDeleted | TmCallbackType.LocalResponseOut;

    /// <summary>Records every event of every new transaction as "Type code branch".</summary>
    private static List<string> Record(TmHarness tm, Action<ITmTransaction, TmCallbackArgs>? also = null)
    {
        var seen = new List<string>();
        tm.Module.TmApi.RegisterCallback(TmCallbackType.RequestIn, (t, in a) =>
        {
            seen.Add($"{a.Type} {a.Request!.GetString(a.Request.MethodName)}");
            Assert.True(t.RegisterCallback(PerTransaction, (t2, in a2) =>
            {
                seen.Add($"{a2.Type} {a2.Code} {a2.BranchIndex}");
                also?.Invoke(t2, a2);
            }));
        });
        return seen;
    }

    [Fact]
    public void Callbacks_InviteRejected_FireAtEachStepInOrder()
    {
        var tm = new TmHarness(RelayScript);
        var seen = Record(tm);
        tm.Request(TmHarness.Invite);
        var sent = tm.SentTo(5070);
        Assert.Single(sent);
        Assert.Equal(["RequestIn INVITE", "LocalResponseOut 100 -1", "ResponseOut 100 -1", "RequestBuilt 0 0", "RequestOut 0 0"], seen);

        seen.Clear();
        tm.Reply(TmHarness.ReplyTo(sent[0], 180, "Ringing"));
        Assert.Equal(["ResponseIn 180 0", "ResponsePreOut 180 0", "ResponseOut 180 0"], seen);

        seen.Clear();
        tm.Reply(TmHarness.ReplyTo(sent[0], 486, "Busy Here"));
        Assert.Equal(["ResponseIn 486 0", "OnFailure 486 0", "ResponsePreOut 486 0", "ResponseOut 486 0"], seen);
        Assert.Contains(tm.SentTo(5062), m => m.StartsWith("SIP/2.0 486", StringComparison.Ordinal));
    }

    [Fact]
    public void Callbacks_OneThrows_LoggedOthersRunTransactionGoesOn()
    {
        var tm = new TmHarness(RelayScript);
        var second = 0;
        tm.Module.TmApi.RegisterCallback(TmCallbackType.RequestIn, (t, in _) =>
        {
            t.RegisterCallback(TmCallbackType.ResponseIn, (_, in _) => throw new InvalidOperationException("module bug"));
            t.RegisterCallback(TmCallbackType.ResponseIn, (_, in _) => second++);
        });
        tm.Request(TmHarness.Invite);
        tm.Reply(TmHarness.ReplyTo(tm.SentTo(5070)[0], 486, "Busy Here"));
        Assert.Equal(1, second);
        Assert.Contains(tm.SentTo(5062), m => m.StartsWith("SIP/2.0 486", StringComparison.Ordinal));
        Assert.Contains(tm.Logs.Lines, l => l.Contains("ResponseIn callback", StringComparison.Ordinal) && l.Contains("module bug", StringComparison.Ordinal));
    }

    [Fact]
    public void Callbacks_AckOfRelayed2xx_E2EAckIn()
    {
        var tm = new TmHarness(RelayScript);
        var seen = Record(tm);
        tm.Request(TmHarness.Invite);
        tm.Reply(TmHarness.ReplyTo(tm.SentTo(5070)[0], 200, "OK", extra: "Contact: <sip:bob@127.0.0.1:5070>\r\n"));
        Assert.Contains("ResponseOut 200 0", seen);
        seen.Clear();
        tm.Request("ACK sip:bob@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKack2xx\r\nMax-Forwards: 70\r\n" +
            "From: Alice <sip:alice@example.com>;tag=fromtag1\r\nTo: Bob <sip:bob@example.com>;tag=callee1\r\nCall-ID: call-1@example.com\r\n" +
            "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n");
        Assert.Equal(["E2EAckIn 0 -1"], seen);
        Assert.Contains(tm.SentTo(5070), m => m.StartsWith("ACK ", StringComparison.Ordinal));
    }

    [Fact]
    public void Callbacks_CallerCancels_TransactionCancelledThenDeletedOnRelease()
    {
        var tm = new TmHarness(RelayScript);
        var seen = Record(tm);
        tm.Request(TmHarness.Invite);
        var invite = tm.SentTo(5070)[0];
        tm.Reply(TmHarness.ReplyTo(invite, 180, "Ringing"));
        seen.Clear();
        tm.Request(TmHarness.Invite.Replace("INVITE sip:", "CANCEL sip:", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 CANCEL", StringComparison.Ordinal));
        Assert.Equal(["TransactionCancelled 0 -1"], seen);
        Assert.Contains(tm.SentTo(5070), m => m.StartsWith("CANCEL ", StringComparison.Ordinal));

        seen.Clear();
        tm.Reply(TmHarness.ReplyTo(invite, 487, "Request Terminated"));
        tm.Request(TmHarness.Invite.Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 ACK", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>;tag=callee1", StringComparison.Ordinal));
        Assert.Equal(1, tm.Core.Table.Count);
        tm.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(0, tm.Core.Table.Count);
        Assert.Equal("TransactionDeleted 487 -1", seen[^1]);
        Assert.Single(seen, s => s.StartsWith("TransactionDeleted", StringComparison.Ordinal));
    }

    [Fact]
    public void RegisterCallback_AfterRelease_False()
    {
        var tm = new TmHarness(RelayScript);
        ITmTransaction? tx = null;
        tm.Module.TmApi.RegisterCallback(TmCallbackType.RequestIn, (t, in _) => tx = t);
        tm.Request(TmHarness.Invite);
        tm.Reply(TmHarness.ReplyTo(tm.SentTo(5070)[0], 486, "Busy Here"));
        tm.Request(TmHarness.Invite.Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal).Replace("CSeq: 1 INVITE", "CSeq: 1 ACK", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@example.com>", "To: Bob <sip:bob@example.com>;tag=callee1", StringComparison.Ordinal));
        tm.Advance(TimeSpan.FromSeconds(40));
        Assert.NotNull(tx);
        Assert.False(tx.RegisterCallback(TmCallbackType.ResponseIn, (_, in _) => { }));
    }

    [Fact]
    public void Transaction_View_ReportsIdentityAndBranches()
    {
        var tm = new TmHarness(RelayScript);
        ITmTransaction? tx = null;
        tm.Module.TmApi.RegisterCallback(TmCallbackType.RequestIn, (t, in _) => tx = t);
        tm.Request(TmHarness.Invite);
        Assert.NotNull(tx);
        Assert.True(tx.IsInvite);
        Assert.False(tx.IsLocal);
        Assert.Equal(1, tx.BranchCount);
        Assert.Equal("sip:bob@127.0.0.1:5070", tx.BranchUri(0));
        Assert.Equal("udp:127.0.0.1:5070", tx.BranchDestination(0));
        Assert.Same(tx, tm.Module.TmApi.FindInvite("call-1@example.com", 1));
        Assert.Same(tx, tm.Module.TmApi.Find(tx.HashEntry, tx.Label));
        Assert.Null(tm.Module.TmApi.FindInvite("call-1@example.com", 2));
        Assert.Equal(100, tx.LastStatus);
        Assert.Throws<ArgumentException>(() => tm.Module.TmApi.RegisterCallback(TmCallbackType.ResponseIn, (_, in _) => { }));
    }

    [Fact]
    public void Api_ReplyAndCancel_OnServerTransaction()
    {
        var tm = new TmHarness(RelayScript);
        ITmTransaction? tx = null;
        tm.Module.TmApi.RegisterCallback(TmCallbackType.RequestIn, (t, in _) => tx = t);
        tm.Request(TmHarness.Invite);
        tm.Reply(TmHarness.ReplyTo(tm.SentTo(5070)[0], 180, "Ringing"));
        Assert.True(tm.Module.TmApi.Cancel(tx!));
        Assert.True(tx!.Cancelled);
        Assert.Contains(tm.SentTo(5070), m => m.StartsWith("CANCEL ", StringComparison.Ordinal) && m.Contains("Reason: SIP;cause=487", StringComparison.Ordinal));
        Assert.True(tm.Module.TmApi.Reply(tx, 480, "Gone", "tt1", "X-Why: test\r\n", "hi"u8.ToArray()));
        var reply = tm.SentTo(5062)[^1];
        Assert.StartsWith("SIP/2.0 480 Gone\r\n", reply, StringComparison.Ordinal);
        Assert.Contains(";tag=tt1\r\n", reply, StringComparison.Ordinal);
        Assert.Contains("X-Why: test\r\n", reply, StringComparison.Ordinal);
        Assert.EndsWith("Content-Length: 2\r\n\r\nhi", reply, StringComparison.Ordinal);
        Assert.False(tm.Module.TmApi.Reply(tx, 500, "Again"));
    }
}
