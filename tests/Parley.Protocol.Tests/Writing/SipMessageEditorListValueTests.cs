using System.Text;
using Parley.Protocol.Writing;

namespace Parley.Protocol.Tests.Writing;

public class SipMessageEditorListValueTests
{
    private const string Head = "BYE sip:bob@192.0.2.4 SIP/2.0\r\nVia: SIP/2.0/UDP c.example.com;branch=z9hG4bK1\r\n";
    private const string Tail = "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";

    [Fact]
    public void RemoveListValues_FirstTwoOnOneLine_KeepsTheThird()
    {
        var e = Edit("Route: <sip:a;lr>, <sip:b;lr>, <sip:c;lr>\r\n");
        Assert.Equal(2, e.RemoveListValues(HeaderKind.Route, [0, 1]));
        Assert.Equal(Head + "Route: <sip:c;lr>\r\n" + Tail, Text(e));
    }

    [Fact]
    public void RemoveListValues_SecondOfThree_KeepsFirstAndThird()
    {
        var e = Edit("Route: <sip:a;lr>, <sip:b;lr> ,\r\n <sip:c;lr>\r\n");
        Assert.Equal(1, e.RemoveListValues(HeaderKind.Route, [1]));
        Assert.Equal(Head + "Route: <sip:a;lr> ,\r\n <sip:c;lr>\r\n" + Tail, Text(e));
    }

    [Fact]
    public void RemoveListValues_LastOfLine_RemovesTheSeparatorBeforeIt()
    {
        var e = Edit("Route: <sip:a;lr>, <sip:b;lr>\r\n");
        Assert.Equal(1, e.RemoveListValues(HeaderKind.Route, [1]));
        Assert.Equal(Head + "Route: <sip:a;lr>\r\n" + Tail, Text(e));
    }

    [Fact]
    public void RemoveListValues_AllValuesOfALine_RemovesTheLine()
    {
        var e = Edit("Route: <sip:a;lr>, <sip:b;lr>\r\nRoute: <sip:c;lr>\r\n");
        Assert.Equal(2, e.RemoveListValues(HeaderKind.Route, [0, 1]));
        Assert.Equal(Head + "Route: <sip:c;lr>\r\n" + Tail, Text(e));
    }

    [Fact]
    public void RemoveListValues_AcrossLinesFirstSecondAndLast_EditsEachLine()
    {
        var e = Edit("Route: <sip:a;lr>\r\nRoute: <sip:b;lr>, <sip:c;lr>\r\nRoute: <sip:d;lr>, <sip:e>\r\n");
        Assert.Equal(3, e.RemoveListValues(HeaderKind.Route, [0, 1, 4]));
        Assert.Equal(Head + "Route: <sip:c;lr>\r\nRoute: <sip:d;lr>\r\n" + Tail, Text(e));
    }

    [Fact]
    public void RemoveListValues_RunsAroundAKeptValue_MakeTwoDeletions()
    {
        var e = Edit("Route: <sip:a;lr>, <sip:b;lr>, <sip:c;lr>, <sip:d;lr>, <sip:e;lr>\r\n");
        Assert.Equal(4, e.RemoveListValues(HeaderKind.Route, [0, 1, 3, 4]));
        Assert.Equal(Head + "Route: <sip:c;lr>\r\n" + Tail, Text(e));
    }

    [Fact]
    public void RemoveListValues_PositionPastTheEnd_IsIgnored()
    {
        var e = Edit("Route: <sip:a;lr>\r\n");
        Assert.Equal(0, e.RemoveListValues(HeaderKind.Route, [3]));
        Assert.Equal(0, e.EditCount);
    }

    [Fact]
    public void RemoveListValues_UnorderedPositions_Throws()
    {
        var e = Edit("Route: <sip:a;lr>, <sip:b;lr>\r\n");
        Assert.Throws<ArgumentException>(() => e.RemoveListValues(HeaderKind.Route, [1, 0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => e.RemoveListValues(HeaderKind.Via, [0]));
    }

    [Fact]
    public void RemoveListValues_ThenAddHeaderAtTheEnd_BothApply()
    {
        var e = Edit("Route: <sip:a;lr>\r\n");
        e.RemoveListValues(HeaderKind.Route, [0]);
        e.AddHeader("Route"u8, "<sip:bob@192.0.2.4>"u8);
        Assert.Equal(Head + Tail.Replace("Content-Length: 0\r\n", "Content-Length: 0\r\nRoute: <sip:bob@192.0.2.4>\r\n", StringComparison.Ordinal), Text(e));
    }

    private static SipMessageEditor Edit(string routes)
    {
        var m = SampleMessages.Parse(Head + routes + Tail);
        var e = new SipMessageEditor();
        e.Reset(m);
        return e;
    }

    private static string Text(SipMessageEditor e) => Encoding.UTF8.GetString(e.ToArray());
}
