using Microsoft.Extensions.Logging;

namespace Parley.Scripting.Runtime;

/// <summary>The core's log messages about running scripts.</summary>
internal static partial class ScriptLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "{File}:{Line}: while loop stopped after {Max} iterations (max_while_loops)")]
    public static partial void WhileLimit(ILogger logger, string file, int line, int max);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "{File}:{Line}:{Column}: division by zero; the result is NULL")]
    public static partial void DivisionByZero(ILogger logger, string file, int line, int column);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "forward: {Reason}")]
    public static partial void ForwardFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "reply from {Source} is not for this proxy (top Via is not ours); dropped")]
    public static partial void ReplyNotOurs(ILogger logger, Parley.Transport.SipEndPoint source);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "script failed on a message: {Reason}")]
    public static partial void ScriptFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "regular expression '{Pattern}' gave up on a {Length}-character input (too much backtracking); treated as no match")]
    public static partial void RegexTimeout(ILogger logger, string pattern, int length);
}
