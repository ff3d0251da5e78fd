using System.Text.Json;
using Parley.Management.Statistics;

namespace Parley.Management.Tests.Statistics;

/// <summary>
/// Excerpts of the OpenSIPS 3.6.8 captures in /work/shared/golden/opensips-mi/: list_statistics.json restricted to
/// the core, tm, sl and dialog groups (same order as get_statistics_all.json), and get_statistics_dialog_tm_core.json.
/// </summary>
internal static class GoldenStatistics
{
    public const string ListCoreTmSlDialog = """
        {"core:rcv_requests":"incremental","core:rcv_replies":"incremental","core:fwd_requests":"incremental","core:fwd_replies":"incremental","core:drop_requests":"incremental","core:drop_replies":"incremental","core:err_requests":"incremental","core:err_replies":"incremental","core:bad_URIs_rcvd":"incremental","core:bad_msg_hdr":"incremental","core:slow_messages":"incremental","core:timestamp":"non-incremental","tm:received_replies":"incremental","tm:relayed_replies":"incremental","tm:local_replies":"incremental","tm:UAS_transactions":"incremental","tm:UAC_transactions":"incremental","tm:2xx_transactions":"incremental","tm:3xx_transactions":"incremental","tm:4xx_transactions":"incremental","tm:5xx_transactions":"incremental","tm:6xx_transactions":"incremental","tm:inuse_transactions":"non-incremental","tm:cluster_reply_sent":"incremental","tm:cluster_request_sent":"incremental","tm:cluster_cancel_sent":"incremental","tm:cluster_reply_recv":"incremental","tm:cluster_request_recv":"incremental","tm:cluster_cancel_recv":"incremental","tm:retransmission_req_T1_1":"incremental","tm:retransmission_req_T1_2":"incremental","tm:retransmission_req_T1_3":"incremental","tm:retransmission_req_T2":"incremental","tm:retransmission_rpl_T2":"incremental","tm:timeout_finalresponse":"incremental","tm:timeout_finalresponse_inv":"incremental","sl:1xx_replies":"incremental","sl:2xx_replies":"incremental","sl:3xx_replies":"incremental","sl:4xx_replies":"incremental","sl:5xx_replies":"incremental","sl:6xx_replies":"incremental","sl:sent_replies":"incremental","sl:sent_err_replies":"incremental","sl:received_ACKs":"incremental","dialog:active_dialogs":"non-incremental","dialog:early_dialogs":"non-incremental","dialog:processed_dialogs":"incremental","dialog:expired_dialogs":"incremental","dialog:failed_dialogs":"incremental","dialog:create_sent":"incremental","dialog:update_sent":"incremental","dialog:delete_sent":"incremental","dialog:create_recv":"incremental","dialog:update_recv":"incremental","dialog:delete_recv":"incremental"}
        """;

    public const string GetDialogTmCore = """
        {"jsonrpc":"2.0","result":{"dialog:active_dialogs":3,"dialog:early_dialogs":0,"dialog:processed_dialogs":3,"dialog:expired_dialogs":0,"dialog:failed_dialogs":0,"dialog:create_sent":0,"dialog:update_sent":0,"dialog:delete_sent":0,"dialog:create_recv":0,"dialog:update_recv":0,"dialog:delete_recv":0,"tm:received_replies":6,"tm:relayed_replies":6,"tm:local_replies":3,"tm:UAS_transactions":3,"tm:UAC_transactions":0,"tm:2xx_transactions":3,"tm:3xx_transactions":0,"tm:4xx_transactions":0,"tm:5xx_transactions":0,"tm:6xx_transactions":0,"tm:inuse_transactions":3,"tm:cluster_reply_sent":0,"tm:cluster_request_sent":0,"tm:cluster_cancel_sent":0,"tm:cluster_reply_recv":0,"tm:cluster_request_recv":0,"tm:cluster_cancel_recv":0,"tm:retransmission_req_T1_1":0,"tm:retransmission_req_T1_2":0,"tm:retransmission_req_T1_3":0,"tm:retransmission_req_T2":0,"tm:retransmission_rpl_T2":0,"tm:timeout_finalresponse":0,"tm:timeout_finalresponse_inv":0,"core:rcv_requests":6,"core:rcv_replies":6,"core:fwd_requests":3,"core:fwd_replies":0,"core:drop_requests":0,"core:drop_replies":0,"core:err_requests":0,"core:err_replies":0,"core:bad_URIs_rcvd":0,"core:bad_msg_hdr":0,"core:slow_messages":0,"core:timestamp":6},"id":1}
        """;

    public static List<KeyValuePair<string, string>> ListPairs() => StringPairs(JsonDocument.Parse(ListCoreTmSlDialog).RootElement);

    public static List<KeyValuePair<string, long>> GetDialogTmCorePairs()
    {
        using var doc = JsonDocument.Parse(GetDialogTmCore);
        var result = new List<KeyValuePair<string, long>>();
        foreach (var p in doc.RootElement.GetProperty("result").EnumerateObject())
        {
            result.Add(new(p.Name, p.Value.GetInt64()));
        }

        return result;
    }

    /// <summary>
    /// A registry laid out like OpenSIPS 3.6 (core, tm, sl, dialog, in that order): core through
    /// <see cref="CoreStatisticsNames.RegisterAll"/>, "non-incremental" stats as non-resettable gauges, the rest as counters.
    /// </summary>
    public static StatisticsRegistry BuildRegistry(Func<long> timestamp)
    {
        var registry = new StatisticsRegistry();
        CoreStatisticsNames.RegisterAll(registry, timestamp);
        foreach (var (fullName, type) in ListPairs())
        {
            var colon = fullName.IndexOf(':');
            var group = fullName[..colon];
            if (group == CoreStatisticsNames.Group)
            {
                continue;
            }

            var name = fullName[(colon + 1)..];
            if (type == "incremental")
            {
                registry.Register(group, name, StatisticKind.Counter, resettable: true, description: fullName);
            }
            else
            {
                registry.Register(group, name, StatisticKind.Gauge, resettable: false, description: fullName);
            }
        }

        return registry;
    }

    private static List<KeyValuePair<string, string>> StringPairs(JsonElement obj)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var p in obj.EnumerateObject())
        {
            result.Add(new(p.Name, p.Value.GetString()!));
        }

        return result;
    }
}
