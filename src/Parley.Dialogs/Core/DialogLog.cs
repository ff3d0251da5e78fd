using Microsoft.Extensions.Logging;

namespace Parley.Dialogs.Core;

/// <summary>The dialog module's log messages (event ids 6001–6099).</summary>
internal static partial class DialogLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "dialog: a {Type} callback failed")]
    public static partial void CallbackFailed(ILogger logger, string type, Exception exception);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Error, Message = "dialog: {Route} failed")]
    public static partial void RouteFailed(ILogger logger, string route, Exception exception);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "dialog: malformed dialog id '{Did}' in the Route")]
    public static partial void MalformedDid(ILogger logger, string did);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "dialog: tight matching failed for dialog {Did} (Call-ID or tags differ)")]
    public static partial void TightMatchFailed(ILogger logger, string did);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "dialog: sending BYE for dialog {Did} failed")]
    public static partial void ByeFailed(ILogger logger, string did, Exception exception);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "dialog: loaded dialog {Did} names profile '{Profile}', which this configuration does not define; membership dropped")]
    public static partial void UnknownProfile(ILogger logger, string did, string profile);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning, Message = "dialog: {Problem}")]
    public static partial void RowRefused(ILogger logger, string problem);

    [LoggerMessage(EventId = 6012, Level = LogLevel.Information, Message = "dialog: loaded {Loaded} dialogs from {Store} ({Ended} ended rows deleted, {Refused} refused)")]
    public static partial void Loaded(ILogger logger, int loaded, string store, int ended, int refused);

    [LoggerMessage(EventId = 6013, Level = LogLevel.Error, Message = "dialog: writing {Count} dialog changes to {Store} failed ({Failures} failures in a row); they stay queued and are retried in {RetryMs} ms")]
    public static partial void WriteFailed(ILogger logger, int count, string store, int failures, int retryMs, Exception exception);

    [LoggerMessage(EventId = 6014, Level = LogLevel.Information, Message = "dialog: writing to {Store} works again after {Failures} failed attempts")]
    public static partial void WriteRecovered(ILogger logger, string store, int failures);

    [LoggerMessage(EventId = 6015, Level = LogLevel.Information, Message = "dialog: wrote {Count} dialogs to {Store} at shutdown")]
    public static partial void ShutdownWritten(ILogger logger, int count, string store);
}
