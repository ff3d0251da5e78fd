namespace Parley.Management.Statistics;

/// <summary>
/// Thrown by <see cref="StatisticsRegistry.Get"/>, <see cref="StatisticsRegistry.List"/> and
/// <see cref="StatisticsRegistry.Reset"/> when none of the requested specs matches a statistic. OpenSIPS answers
/// that case with MI error 404 "Statistics Not Found" (unknown names are otherwise skipped silently); the MI
/// layer turns this into <c>{"error":{"code":404,"message":"Statistics Not Found"}}</c>.
/// </summary>
public sealed class StatisticsNotFoundException : Exception
{
    /// <summary>OpenSIPS's MI error code.</summary>
    public const int ErrorCode = 404;

    /// <summary>OpenSIPS's MI error message, verbatim.</summary>
    public const string ErrorMessage = "Statistics Not Found";

    /// <summary>Creates the exception with OpenSIPS's message.</summary>
    public StatisticsNotFoundException()
        : base(ErrorMessage)
    {
    }

    /// <summary>Creates the exception with a custom message (the MI error text stays <see cref="ErrorMessage"/>).</summary>
    public StatisticsNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a custom message and inner exception.</summary>
    public StatisticsNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The MI error code to answer with (404).</summary>
    public int Code => ErrorCode;
}
