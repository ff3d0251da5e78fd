using Parley.Management.Statistics;

namespace Parley.Transactions.Proxy;

/// <summary>The <c>tm:</c> statistics in OpenSIPS 3.6's order (golden get_statistics_all); <c>inuse_transactions</c> not resettable.</summary>
internal sealed class TmStatistics
{
    public TmStatistics(StatisticsRegistry registry, Func<long> inUse)
    {
        Statistic C(string name) => registry.Register("tm", name, StatisticKind.Counter);
        ReceivedReplies = C("received_replies");
        RelayedReplies = C("relayed_replies");
        LocalReplies = C("local_replies");
        UasTransactions = C("UAS_transactions");
        UacTransactions = C("UAC_transactions");
        Class2xx = C("2xx_transactions");
        Class3xx = C("3xx_transactions");
        Class4xx = C("4xx_transactions");
        Class5xx = C("5xx_transactions");
        Class6xx = C("6xx_transactions");
        registry.RegisterFunction("tm", "inuse_transactions", inUse, StatisticKind.Gauge, "transactions in memory");
        foreach (var name in (string[])["cluster_reply_sent", "cluster_request_sent", "cluster_cancel_sent", "cluster_reply_recv", "cluster_request_recv", "cluster_cancel_recv"])
        {
            C(name); // anycast replication (cluster issue): present so tools see OpenSIPS's list
        }

        RetransmissionReqT1_1 = C("retransmission_req_T1_1");
        RetransmissionReqT1_2 = C("retransmission_req_T1_2");
        RetransmissionReqT1_3 = C("retransmission_req_T1_3");
        RetransmissionReqT2 = C("retransmission_req_T2");
        RetransmissionRplT2 = C("retransmission_rpl_T2");
        TimeoutFinalResponse = C("timeout_finalresponse");
        TimeoutFinalResponseInv = C("timeout_finalresponse_inv");
    }

    public Statistic ReceivedReplies { get; }

    public Statistic RelayedReplies { get; }

    public Statistic LocalReplies { get; }

    public Statistic UasTransactions { get; }

    public Statistic UacTransactions { get; }

    public Statistic Class2xx { get; }

    public Statistic Class3xx { get; }

    public Statistic Class4xx { get; }

    public Statistic Class5xx { get; }

    public Statistic Class6xx { get; }

    public Statistic RetransmissionReqT1_1 { get; }

    public Statistic RetransmissionReqT1_2 { get; }

    public Statistic RetransmissionReqT1_3 { get; }

    public Statistic RetransmissionReqT2 { get; }

    public Statistic RetransmissionRplT2 { get; }

    public Statistic TimeoutFinalResponse { get; }

    public Statistic TimeoutFinalResponseInv { get; }

    /// <summary>Counts a transaction's final status in its class (OpenSIPS counts when it completes).</summary>
    public void Completed(int status)
    {
        switch (status / 100)
        {
            case 2: Class2xx.Increment(); break;
            case 3: Class3xx.Increment(); break;
            case 4: Class4xx.Increment(); break;
            case 5: Class5xx.Increment(); break;
            case 6: Class6xx.Increment(); break;
        }
    }
}
