using Parley.Transactions.StateMachines;

namespace Parley.Transactions.Tests.StateMachines;

public sealed class TransactionTimingsTests
{
    [Fact]
    public void Validate_Defaults_IsValid()
    {
        var timings = new TransactionTimings();

        Assert.Null(timings.Validate());
        Assert.Equal(TimeSpan.FromMilliseconds(500), timings.T1);
        Assert.Equal(TimeSpan.FromSeconds(4), timings.T2);
        Assert.Equal(TimeSpan.FromSeconds(30), timings.FinalResponse);
        Assert.Equal(TimeSpan.FromSeconds(120), timings.InviteFinalResponse);
        Assert.Equal(TimeSpan.FromSeconds(5), timings.Wait);
        Assert.Equal(TimeSpan.FromSeconds(2), timings.Delete);
        Assert.True(timings.RestartFrOnEachReply);
    }

    [Fact]
    public void Validate_EveryTimerAtTheTwoSecondMinimum_IsValid()
    {
        var two = TimeSpan.FromSeconds(2);
        var timings = new TransactionTimings { FinalResponse = two, InviteFinalResponse = two, Wait = two, Delete = two };

        Assert.Null(timings.Validate());
    }

    [Theory]
    [InlineData("fr_timeout")]
    [InlineData("fr_inv_timeout")]
    [InlineData("wt_timer")]
    [InlineData("delete_timer")]
    public void Validate_TimerUnderTwoSeconds_NamesTheParameter(string parameter)
    {
        var tooShort = TimeSpan.FromSeconds(1);
        var timings = parameter switch
        {
            "fr_timeout" => new TransactionTimings { FinalResponse = tooShort },
            "fr_inv_timeout" => new TransactionTimings { InviteFinalResponse = tooShort },
            "wt_timer" => new TransactionTimings { Wait = tooShort },
            _ => new TransactionTimings { Delete = tooShort },
        };

        Assert.Equal($"{parameter} must be at least 2 s (is 1 s)", timings.Validate());
    }

    [Fact]
    public void Validate_T1Zero_NamesT1Timer()
    {
        var timings = new TransactionTimings { T1 = TimeSpan.Zero };

        Assert.Equal("T1_timer must be greater than 0 ms (is 0 ms)", timings.Validate());
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(5000)]
    public void Validate_T2NotAboveT1_NamesT2Timer(int t1Milliseconds)
    {
        var timings = new TransactionTimings { T1 = TimeSpan.FromMilliseconds(t1Milliseconds) };

        Assert.Equal(
            $"T2_timer must be greater than T1_timer (T2_timer is 4000 ms, T1_timer {t1Milliseconds} ms)",
            timings.Validate());
    }

    [Fact]
    public void Validate_SeveralWrong_ReportsTheFirstInParameterOrder()
    {
        var timings = new TransactionTimings { Wait = TimeSpan.FromSeconds(1), T1 = TimeSpan.FromSeconds(9) };

        Assert.StartsWith("wt_timer", timings.Validate(), StringComparison.Ordinal);
    }
}
