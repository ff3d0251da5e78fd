namespace Parley.Transactions.Proxy;

/// <summary>
/// OpenSIPS's best-reply choice among final responses (opensips-behaviour.md §9.5, RFC 3261 §16.7 step 6): the lowest
/// priority wins, ties to the lower branch index. 6xx first, then 3xx, then the 4xx a UAC can act on (401, 407, 415,
/// 420, 484), other 4xx and 5xx, 408 and 503 last; a 487 when the caller cancelled beats everything.
/// </summary>
public static class ReplyPriority
{
    public static int Of(int code, bool cancelledByCaller)
    {
        if (code == 487 && cancelledByCaller)
        {
            return 0;
        }

        return code switch
        {
            >= 600 => code - 300,
            >= 300 and < 400 => code + 100,
            401 => 500,
            407 => 501,
            415 => 502,
            420 => 503,
            484 => 504,
            408 => 800,
            503 => 801,
            _ => code + 200,
        };
    }
}
