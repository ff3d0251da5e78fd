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
}
