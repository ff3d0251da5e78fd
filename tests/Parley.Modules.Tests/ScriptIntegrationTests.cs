using Parley.Modules.Tests.TestSupport;
using Parley.Protocol.Writing;
using Parley.Scripting.Compilation;
using Parley.Scripting.Core;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Modules.Tests;

/// <summary>The modules through the real compiler and pipeline: loadmodule, binding, route checks, execution.</summary>
public sealed class ScriptIntegrationTests
{
    private const string Invite = """
        INVITE sip:bob@example.com SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bKint1;rport
        Max-Forwards: 70
        To: Bob <sip:bob@example.com>
        f: Alice <sip:alice@example.com>;tag=9
        Call-ID: int-1@10.0.0.1
        CSeq: 1 INVITE
        Subject: lunch
        Content-Length: 0


        """;

    private const string Modules = """
        loadmodule "sl.so"
        loadmodule "signaling.so"
        loadmodule "sipmsgops.so"
        loadmodule "textops.so"
        loadmodule "uri.so"

        """;

    private readonly TestHost _host = new();

    private static CompileResult Compile(string routes)
    {
        var catalog = new ModuleCatalog();
        BuiltInModules.AddTo(catalog);
        return ScriptCompiler.CompileText(Modules + routes, "test.cfg", catalog);
    }

    private (ScriptPipeline Pipeline, SipMessageEditor Editor) Run(string routes, string request, string source = "10.0.0.1:5062")
    {
        var result = Compile(routes);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var pipeline = new ScriptPipeline(result.Script!, _host.Host);
        var message = TestHost.Parse(request);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        pipeline.HandleRequest(message, editor, new MessageSource(SipEndPoint.Parse(source), Parley.Protocol.SipTransport.Udp, _host.Udp, 0));
        return (pipeline, editor);
    }

    [Fact]
    public void Script_StatelessReplyWithHeadersAndMethodCheck_IsSent()
    {
        Run("""
            route {
                if (is_method("INVITE|MESSAGE") && !has_totag()) {
                    append_to_reply("Retry-After: 30\r\n");
                    sl_send_reply(480, "Try Later");
                    exit;
                }
                sl_send_reply(500, "Wrong branch");
            }
            """, Invite, source: "192.0.2.4:40000");

        var sent = Assert.Single(_host.Sender.Sent);
        Assert.StartsWith("SIP/2.0 480 Try Later\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Contains("\r\nRetry-After: 30\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Contains(";rport=40000;received=192.0.2.4\r\n", sent.Text, StringComparison.Ordinal);
        Assert.Equal(SipEndPoint.Parse("192.0.2.4:40000"), sent.Destination);
    }

    [Fact]
    public void Script_SendReplyWithPseudoVariables_UsesTheirValues()
    {
        Run("""
            route {
                $var(code) = 403;
                send_reply($var(code), "Denied for $fU");
            }
            """, Invite);

        Assert.StartsWith("SIP/2.0 403 Denied for alice\r\n", Assert.Single(_host.Sender.Sent).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_HeaderEditsAndSubst_LandInTheEditor()
    {
        var (_, editor) = Run("""
            route {
                if (is_present_hf("From")) {
                    remove_hf("Subject");
                    append_hf("X-Call: $ci\r\n", "CSeq");
                    subst('/^(To: Bob <sip:)bob@/\1robert@/');
                }
            }
            """, Invite);

        var edited = System.Text.Encoding.UTF8.GetString(editor.ToArray());
        Assert.DoesNotContain("Subject", edited, StringComparison.Ordinal);
        Assert.Contains("\r\nCSeq: 1 INVITE\r\nX-Call: int-1@10.0.0.1\r\n", edited, StringComparison.Ordinal);
        Assert.Contains("\r\nTo: Bob <sip:robert@example.com>\r\n", edited, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_RequestUriHelpers_ChangeTheRequestUri()
    {
        var (pipeline, _) = Run("""
            route {
                if (!is_uri_host_local()) {
                    ruri_add_param("nat=yes");
                    subst_user('/^bob$/b0b/');
                }
            }
            """, Invite);

        Assert.Equal("sip:b0b@example.com;nat=yes", System.Text.Encoding.UTF8.GetString(pipeline.Context.RequestUriText));
    }

    [Fact]
    public void Pipeline_AckToALocalReply_IsAbsorbedBeforeTheScript()
    {
        const string Routes = """
            route {
                append_hf("X-Seen: 1\r\n");
                sl_send_reply(404, "Not Here");
            }
            """;
        Run(Routes, Invite);
        var reply = _host.Sender.Sent[0].Parse();
        var tag = System.Text.Encoding.ASCII.GetString(reply[reply.To.Tag]);
        var ack = Invite
            .Replace("INVITE sip:", "ACK sip:", StringComparison.Ordinal)
            .Replace("1 INVITE", "1 ACK", StringComparison.Ordinal)
            .Replace("To: Bob <sip:bob@example.com>", $"To: Bob <sip:bob@example.com>;tag={tag}", StringComparison.Ordinal);

        var (_, editor) = Run(Routes, ack);

        Assert.Equal(0, editor.EditCount); // the script did not run
        Assert.Single(_host.Sender.Sent);
    }

    [Theory]
    [InlineData("route { sl_send_reply(700, \"Odd\"); }", "1xx - 6xx")]
    [InlineData("route { is_method(\"INVITE|FOO\"); }", "unknown method")]
    [InlineData("route { remove_hf(\"Bad Name\"); }", "not a header name")]
    [InlineData("route { subst('/a/b/q'); }", "unknown flag")]
    [InlineData("route { search(\"(\"); }", "bad regular expression")]
    [InlineData("route { has_body(\"sdp\"); }", "not a mime type")]
    [InlineData("onreply_route { sl_send_reply(404, \"x\"); }", "sl_send_reply")]
    public void Compile_BadCalls_AreReportedWithTheReason(string routes, string expected)
    {
        var result = Compile(routes);

        Assert.False(result.Success);
        Assert.Contains(result.Diagnostics, d => d.Message.Contains(expected, StringComparison.Ordinal));
    }
}
