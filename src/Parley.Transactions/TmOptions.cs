using Parley.Scripting.Runtime;
using Parley.Transactions.StateMachines;

namespace Parley.Transactions;

/// <summary>
/// The tm module's parameters (tm manual §1.3), with OpenSIPS's defaults and checks. Timer values are validated
/// together (<see cref="TransactionTimings.Validate"/>) once every <c>modparam</c> is applied.
/// </summary>
public sealed class TmOptions
{
    public int FrTimeoutSeconds { get; set; } = 30;

    public int FrInvTimeoutSeconds { get; set; } = 120;

    public int WtTimerSeconds { get; set; } = 5;

    public int DeleteTimerSeconds { get; set; } = 2;

    public int T1Milliseconds { get; set; } = 500;

    public int T2Milliseconds { get; set; } = 4000;

    public bool RuriMatching { get; set; } = true;

    public bool Via1Matching { get; set; } = true;

    public int UnixTxTimeoutSeconds { get; set; } = 2;

    public bool RestartFrOnEachReply { get; set; } = true;

    /// <summary><c>tw_append</c> definitions (<c>name:element;…</c>), kept for t_write_req/t_write_unix.</summary>
    public List<string> TwAppend { get; } = [];

    public bool PassProvisionalReplies { get; set; }

    public bool SynBranch { get; set; } = true;

    /// <summary><c>onreply_avp_mode</c>: 0 per-message AVPs in reply routes, 1 the transaction's.</summary>
    public int OnReplyAvpMode { get; set; }

    public bool Disable6xxBlock { get; set; }

    public bool EnableStats { get; set; } = true;

    /// <summary><c>minor_branch_flag</c>: a branch flag name or number; null when unset.</summary>
    public string? MinorBranchFlag { get; set; }

    public int TimerPartitions { get; set; } = 1;

    public bool Auto100Trying { get; set; } = true;

    /// <summary><c>local_request_route</c> / <c>local_reply_route</c>: route names, or null.</summary>
    public string? LocalRequestRoute { get; set; }

    public string? LocalReplyRoute { get; set; }

    /// <summary>Anycast (cluster issue): accepted and validated now.</summary>
    public int TmReplicationCluster { get; set; }

    public string ClusterParam { get; set; } = "cid";

    public bool ClusterAutoCancel { get; set; } = true;

    /// <summary>The module-wide timings these parameters describe.</summary>
    public TransactionTimings Timings => new()
    {
        T1 = TimeSpan.FromMilliseconds(T1Milliseconds),
        T2 = TimeSpan.FromMilliseconds(T2Milliseconds),
        FinalResponse = TimeSpan.FromSeconds(FrTimeoutSeconds),
        InviteFinalResponse = TimeSpan.FromSeconds(FrInvTimeoutSeconds),
        Wait = TimeSpan.FromSeconds(WtTimerSeconds),
        Delete = TimeSpan.FromSeconds(DeleteTimerSeconds),
        RestartFrOnEachReply = RestartFrOnEachReply,
    };

    /// <summary>The <c>modparam("tm", …)</c> parameters.</summary>
    public IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.Int("fr_timeout", v => FrTimeoutSeconds = (int)v, 1, 86400 * 7),
        ModuleParameter.Int("fr_inv_timeout", v => FrInvTimeoutSeconds = (int)v, 1, 86400 * 7),
        ModuleParameter.Int("wt_timer", v => WtTimerSeconds = (int)v, 1, 3600),
        ModuleParameter.Int("delete_timer", v => DeleteTimerSeconds = (int)v, 1, 3600),
        ModuleParameter.Int("T1_timer", v => T1Milliseconds = (int)v, 1, 60_000),
        ModuleParameter.Int("T2_timer", v => T2Milliseconds = (int)v, 1, 600_000),
        ModuleParameter.Int("ruri_matching", v => RuriMatching = v != 0, 0, 1),
        ModuleParameter.Int("via1_matching", v => Via1Matching = v != 0, 0, 1),
        ModuleParameter.Int("unix_tx_timeout", v => UnixTxTimeoutSeconds = (int)v, 0, 3600),
        ModuleParameter.Int("restart_fr_on_each_reply", v => RestartFrOnEachReply = v != 0, 0, 1),
        ModuleParameter.CheckedString("tw_append", v => CheckTwAppend(v), multi: true),
        ModuleParameter.Int("pass_provisional_replies", v => PassProvisionalReplies = v != 0, 0, 1),
        ModuleParameter.Int("syn_branch", v => SynBranch = v != 0, 0, 1),
        ModuleParameter.Int("onreply_avp_mode", v => OnReplyAvpMode = (int)v, 0, 1),
        ModuleParameter.Int("disable_6xx_block", v => Disable6xxBlock = v != 0, 0, 1),
        ModuleParameter.Int("enable_stats", v => EnableStats = v != 0, 0, 1),
        ModuleParameter.CheckedString("minor_branch_flag", v => string.IsNullOrWhiteSpace(v) ? "must name a branch flag" : SetMinor(v)),
        ModuleParameter.Int("timer_partitions", v => TimerPartitions = (int)v, 1, 64),
        ModuleParameter.Int("auto_100trying", v => Auto100Trying = v != 0, 0, 1),
        ModuleParameter.CheckedString("local_request_route", v => SetRoute(v, r => LocalRequestRoute = r)),
        ModuleParameter.CheckedString("local_reply_route", v => SetRoute(v, r => LocalReplyRoute = r)),
        ModuleParameter.Int("tm_replication_cluster", v => TmReplicationCluster = (int)v, 0, int.MaxValue),
        ModuleParameter.CheckedString("cluster_param", v => string.IsNullOrWhiteSpace(v) || v.IndexOfAny([';', '=', ' ', ',']) >= 0
            ? $"'{v}' cannot be a Via parameter name" : SetClusterParam(v)),
        ModuleParameter.CheckedString("cluster_auto_cancel", v => v switch
        {
            "yes" or "1" or "on" or "true" => SetAutoCancel(true),
            "no" or "0" or "off" or "false" => SetAutoCancel(false),
            _ => $"'{v}' is not yes or no",
        }),
    ];

    /// <summary>Whether the timer parameters fit together (<see cref="TransactionTimings.Validate"/>); null when they do.</summary>
    public string? Validate() => Timings.Validate();

    private string? SetMinor(string v)
    {
        MinorBranchFlag = v;
        return null;
    }

    private static string? SetRoute(string v, Action<string> set)
    {
        if (string.IsNullOrWhiteSpace(v))
        {
            return "must name a route";
        }

        set(v);
        return null;
    }

    private string? SetClusterParam(string v)
    {
        ClusterParam = v;
        return null;
    }

    private string? SetAutoCancel(bool v)
    {
        ClusterAutoCancel = v;
        return null;
    }

    private string? CheckTwAppend(string v)
    {
        var colon = v.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return $"'{v}' is not name:element(;element)*";
        }

        TwAppend.Add(v);
        return null;
    }
}
