using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Parley.EndToEnd.Tests.Infrastructure;

namespace Parley.EndToEnd.Tests;

/// <summary>
/// validate_dialog and get_dialogs_by_profile end to end: the real parley with Fixtures/dialog/dialog-validate.cfg
/// between a SIPp caller that sends bogus BYEs before the real one (Scenarios/uac-dialog-validate.xml) and a SIPp callee.
/// </summary>
public sealed class DialogValidateTests
{
    [Fact]
    public async Task SpoofedByes_AreRejectedWithTheirCodes_RealByeEndsTheCall_PeersJsonIsStored()
    {
        const int calls = 2;
        var uasPort = FreePorts.Next();
        using var uas = Sipp.StartUasScenario(Sipp.Scenario("uas-rr.xml"), uasPort, "u1", calls);
        var sip = FreePorts.Next();
        var http = FreePorts.Next();
        var text = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "dialog", "dialog-validate.cfg")))
            .Replace("{SIP_PORT}", Port(sip), StringComparison.Ordinal)
            .Replace("{HTTP_PORT}", Port(http), StringComparison.Ordinal)
            .Replace("{UAS}", Port(uasPort), StringComparison.Ordinal);
        await using var parley = await ParleyProcess.StartAsync(text);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        await Task.Delay(300);

        // Two calls a second apart (rate 1: never in the same tick), each up for 3 s before its BYEs: the second INVITE
        // sees the first call in "caller".
        var caller = Sipp.RunAsync(Sipp.Scenario("uac-dialog-validate.xml"), sip, "u1", calls, 1, "-d", "3000");

        JsonElement dialogs = default;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < until)
        {
            try
            {
                dialogs = (await MiAsync(client, http, "dlg_list_ctx")).GetProperty("Dialogs");
            }
            catch (HttpRequestException)
            {
                // MI not listening yet on a busy machine.
                await Task.Delay(100);
                continue;
            }

            if (dialogs.GetArrayLength() == calls && dialogs.EnumerateArray().All(d => d.GetProperty("state").GetInt32() == 4))
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(calls, dialogs.GetArrayLength());
        var ordered = dialogs.EnumerateArray().OrderBy(d => Value(d, "peers")).ToList();
        Assert.Equal("0", Value(ordered[0], "peers"));
        Assert.Null(Value(ordered[0], "peer_json"));
        Assert.Equal("1", Value(ordered[1], "peers"));
        using (var peer = JsonDocument.Parse(Value(ordered[1], "peer_json")!))
        {
            // The first call's $DLG_ctx_json as get_dialogs_by_profile returned it at the second INVITE.
            Assert.Equal(ordered[0].GetProperty("ID").GetString(), peer.RootElement.GetProperty("ID").GetString());
            Assert.Equal(ordered[0].GetProperty("callid").GetString(), peer.RootElement.GetProperty("callid").GetString());
            var profiles = peer.RootElement.GetProperty("context").GetProperty("profiles");
            Assert.Contains(profiles.EnumerateArray(), p => p.TryGetProperty("caller", out var v) && v.GetString() == "sipp");
        }

        var (code, output) = await caller;
        var calleeCode = await uas.WaitForExitAsync(TimeSpan.FromSeconds(60));
        var context = $"caller exited {code}:\n{output}\ncallee exited {calleeCode}:\n{uas.Output}\nparley:\n{parley.Output}";
        Assert.True(code == 0, context);
        Assert.Equal(calls, Sipp.SuccessfulCalls(output));
        Assert.True(calleeCode == 0, context);
        Assert.False(parley.HasExited, context);
    }

    private static string? Value(JsonElement dialog, string name)
    {
        if (!dialog.TryGetProperty("context", out var context) || !context.TryGetProperty("values", out var values))
        {
            return null;
        }

        foreach (var v in values.EnumerateArray())
        {
            if (v.TryGetProperty(name, out var value))
            {
                return value.ValueKind == JsonValueKind.Number ? value.GetRawText() : value.GetString();
            }
        }

        return null;
    }

    private static async Task<JsonElement> MiAsync(HttpClient client, int port, string method)
    {
        using var content = new StringContent($"{{\"jsonrpc\":\"2.0\",\"method\":\"{method}\",\"id\":1}}", Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri($"http://127.0.0.1:{port}/mi"), content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("result").Clone();
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
