using Parley.Scripting.Runtime;

namespace Parley.Dialogs;

/// <summary>
/// The dialog module's parameters (dialog manual §1.6), with the manual's defaults. Every parameter is accepted and
/// validated; the database ones drive <see cref="Persistence.DialogPersistence"/>, the CacheDB and replication ones are only
/// kept until their issues (8–9) honour them.
/// </summary>
public sealed class DialogOptions
{
    /// <summary>Longest <c>rr_param</c> (OpenSIPS's <c>RR_DLG_PARAM_SIZE</c> budget).</summary>
    public const int MaxRrParamLength = 32;

    public bool EnableStats { get; set; } = true;

    /// <summary><c>hash_size</c> as given (manual default 4096); the table rounds it down to a power of two.</summary>
    public int HashSize { get; set; } = 4096;

    public int LogProfileHashSize { get; set; } = 4;

    public string RrParam { get; set; } = "did";

    /// <summary><c>default_timeout</c>: 43200 s (12 h), the manual's default.</summary>
    public int DefaultTimeoutSeconds { get; set; } = 43200;

    /// <summary><c>dlg_extra_hdrs</c>: full header lines, each ending in CRLF; empty when unset.</summary>
    public string ExtraHeaders { get; set; } = string.Empty;

    public DialogMatchMode MatchMode { get; set; } = DialogMatchMode.DidFallback;

    public int DeleteDelaySeconds { get; set; }

    public string DbUrl { get; set; } = "mysql://opensips:opensipsrw@localhost/opensips";

    public int DbMode { get; set; }

    public int DbUpdatePeriodSeconds { get; set; } = 60;

    public int OptionsPingIntervalSeconds { get; set; } = 30;

    public int ReinvitePingIntervalSeconds { get; set; } = 300;

    public string TableName { get; set; } = "dialog";

    /// <summary>The <c>*_column</c> parameters by name, with their defaults.</summary>
    public Dictionary<string, string> Columns { get; } = new(StringComparer.Ordinal)
    {
        ["call_id_column"] = "callid",
        ["from_uri_column"] = "from_uri",
        ["from_tag_column"] = "from_tag",
        ["to_uri_column"] = "to_uri",
        ["to_tag_column"] = "to_tag",
        ["from_cseq_column"] = "caller_cseq",
        ["to_cseq_column"] = "callee_cseq",
        ["from_route_column"] = "caller_route_set",
        ["to_route_column"] = "callee_route_set",
        ["from_contact_column"] = "caller_contact",
        ["to_contact_column"] = "callee_contact",
        ["from_sock_column"] = "caller_sock",
        ["to_sock_column"] = "callee_sock",
        ["dlg_id_column"] = "dlg_id",
        ["state_column"] = "state",
        ["start_time_column"] = "start_time",
        ["timeout_column"] = "timeout",
        ["profiles_column"] = "profiles",
        ["vars_column"] = "vars",
        ["sflags_column"] = "script_flags",
        ["mflags_column"] = "module_flags",
        ["flags_column"] = "flags",
    };

    public string ProfilesWithValue { get; set; } = string.Empty;

    public string ProfilesNoValue { get; set; } = string.Empty;

    public bool DbFlushValsProfiles { get; set; }

    public int TimerBulkDelNo { get; set; } = 1;

    public int RaceConditionTimeoutSeconds { get; set; } = 5;

    public string CachedbUrl { get; set; } = string.Empty;

    public string ProfileValuePrefix { get; set; } = "dlg_val_";

    public string ProfileNoValuePrefix { get; set; } = "dlg_noval_";

    public string ProfileSizePrefix { get; set; } = "dlg_size_";

    public int ProfileTimeoutSeconds { get; set; } = 86400;

    public int DialogReplicationCluster { get; set; }

    public int ProfileReplicationCluster { get; set; }

    public int ReplicateProfilesBuffer { get; set; } = 1400;

    public int ReplicateProfilesCheckSeconds { get; set; } = 10;

    public int ReplicateProfilesTimerMilliseconds { get; set; } = 200;

    public int ReplicateProfilesExpireSeconds { get; set; } = 10;

    public bool ClusterAutoSync { get; set; } = true;

    /// <summary>The <c>modparam("dialog", …)</c> parameters, in the manual's order.</summary>
    public IReadOnlyList<ModuleParameter> Parameters
    {
        get
        {
            var list = new List<ModuleParameter>
            {
                ModuleParameter.Int("enable_stats", v => EnableStats = v != 0, 0, 1),
                ModuleParameter.Int("hash_size", v => HashSize = (int)v, 1, 1 << 24),
                ModuleParameter.Int("log_profile_hash_size", v => LogProfileHashSize = (int)v, 0, 16),
                ModuleParameter.CheckedString("rr_param", SetRrParam),
                ModuleParameter.Int("default_timeout", v => DefaultTimeoutSeconds = (int)v, 1, int.MaxValue),
                ModuleParameter.CheckedString("dlg_extra_hdrs", SetExtraHeaders),
                ModuleParameter.Int("dlg_match_mode", v => MatchMode = (DialogMatchMode)v, 0, 2),
                ModuleParameter.Int("delete_delay", v => DeleteDelaySeconds = (int)v, 0, int.MaxValue),
                ModuleParameter.CheckedString("db_url", v => Set(v, s => DbUrl = s, "a database URL such as mysql://user:pass@host/db", requireScheme: true)),
                ModuleParameter.Int("db_mode", v => DbMode = (int)v, 0, 3),
                ModuleParameter.Int("db_update_period", v => DbUpdatePeriodSeconds = (int)v, 1, int.MaxValue),
                ModuleParameter.Int("options_ping_interval", v => OptionsPingIntervalSeconds = (int)v, 1, int.MaxValue),
                ModuleParameter.Int("reinvite_ping_interval", v => ReinvitePingIntervalSeconds = (int)v, 1, int.MaxValue),
                ModuleParameter.CheckedString("table_name", v => SetIdentifier(v, s => TableName = s)),
            };
            foreach (var column in ColumnNames)
            {
                list.Add(ModuleParameter.CheckedString(column, v => SetIdentifier(v, s => Columns[column] = s)));
            }

            list.AddRange(
            [
                ModuleParameter.String("profiles_with_value", v => ProfilesWithValue = v),
                ModuleParameter.String("profiles_no_value", v => ProfilesNoValue = v),
                ModuleParameter.Int("db_flush_vals_profiles", v => DbFlushValsProfiles = v != 0, 0, 1),
                ModuleParameter.Int("timer_bulk_del_no", v => TimerBulkDelNo = (int)v, 1, int.MaxValue),
                ModuleParameter.Int("race_condition_timeout", v => RaceConditionTimeoutSeconds = (int)v, 0, int.MaxValue),
                ModuleParameter.CheckedString("cachedb_url", v => Set(v, s => CachedbUrl = s, "a CacheDB URL such as redis://127.0.0.1:6379", requireScheme: true)),
                ModuleParameter.CheckedString("profile_value_prefix", v => Set(v, s => ProfileValuePrefix = s, "a key prefix")),
                ModuleParameter.CheckedString("profile_no_value_prefix", v => Set(v, s => ProfileNoValuePrefix = s, "a key prefix")),
                ModuleParameter.CheckedString("profile_size_prefix", v => Set(v, s => ProfileSizePrefix = s, "a key prefix")),
                ModuleParameter.Int("profile_timeout", v => ProfileTimeoutSeconds = (int)v, 1, int.MaxValue),
                ModuleParameter.Int("dialog_replication_cluster", v => DialogReplicationCluster = (int)v, 0, int.MaxValue),
                ModuleParameter.Int("profile_replication_cluster", v => ProfileReplicationCluster = (int)v, 0, int.MaxValue),
                ModuleParameter.Int("replicate_profiles_buffer", v => ReplicateProfilesBuffer = (int)v, 1, 65535),
                ModuleParameter.Int("replicate_profiles_check", v => ReplicateProfilesCheckSeconds = (int)v, 1, int.MaxValue),
                ModuleParameter.Int("replicate_profiles_timer", v => ReplicateProfilesTimerMilliseconds = (int)v, 1, int.MaxValue),
                ModuleParameter.Int("replicate_profiles_expire", v => ReplicateProfilesExpireSeconds = (int)v, 1, int.MaxValue),
                ModuleParameter.Int("cluster_auto_sync", v => ClusterAutoSync = v != 0, 0, 1),
            ]);
            return list;
        }
    }

    private static readonly string[] ColumnNames =
    [
        "call_id_column", "from_uri_column", "from_tag_column", "to_uri_column", "to_tag_column", "from_cseq_column",
        "to_cseq_column", "from_route_column", "to_route_column", "from_contact_column", "to_contact_column",
        "from_sock_column", "to_sock_column", "dlg_id_column", "state_column", "start_time_column", "timeout_column",
        "profiles_column", "vars_column", "sflags_column", "mflags_column", "flags_column",
    ];

    /// <summary>Checks parameter combinations once every <c>modparam</c> is applied; null when they fit.</summary>
    public string? Validate()
    {
        if (DbMode != 0 && string.IsNullOrWhiteSpace(DbUrl))
        {
            return "db_mode " + DbMode + " needs db_url";
        }

        return null;
    }

    private string? SetRrParam(string value)
    {
        if (value.Length == 0 || value.Length > MaxRrParamLength)
        {
            return $"must be 1 to {MaxRrParamLength} characters";
        }

        foreach (var c in value)
        {
            // RFC 3261 §25.1: a URI parameter name is a pname (paramchar without '=' or ';').
            if (!char.IsAsciiLetterOrDigit(c) && "-_.!~*'()[]/:&+$%".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                return $"'{value}' is not a URI parameter name";
            }
        }

        RrParam = value;
        return null;
    }

    private string? SetExtraHeaders(string value)
    {
        if (value.Length == 0)
        {
            ExtraHeaders = string.Empty;
            return null;
        }

        var text = value.EndsWith("\r\n", StringComparison.Ordinal) ? value : value + "\r\n";
        foreach (var line in text[..^2].Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line.AsSpan(0, colon).IndexOfAny(" \t\n") >= 0)
            {
                return $"'{line}' is not a header line such as \"Hint: credit expired\\r\\n\"";
            }
        }

        ExtraHeaders = text;
        return null;
    }

    private static string? Set(string value, Action<string> set, string what, bool requireScheme = false)
    {
        if (string.IsNullOrWhiteSpace(value) || (requireScheme && !value.Contains("://", StringComparison.Ordinal)))
        {
            return $"'{value}' is not {what}";
        }

        set(value);
        return null;
    }

    private static string? SetIdentifier(string value, Action<string> set)
    {
        if (value.Length == 0)
        {
            return "must name a table or column";
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return $"'{value}' is not a table or column name";
            }
        }

        set(value);
        return null;
    }
}

/// <summary><c>dlg_match_mode</c> (manual §1.6.7).</summary>
public enum DialogMatchMode
{
    /// <summary>Match by the DID cookie only.</summary>
    DidOnly = 0,

    /// <summary>By the DID cookie, else by Call-ID and tags (the default).</summary>
    DidFallback = 1,

    /// <summary>By Call-ID and tags only; no cookie is added to the Record-Route.</summary>
    DidNone = 2,
}
