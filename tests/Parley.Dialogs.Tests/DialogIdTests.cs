using System.Text;
using Parley.Dialogs.Core;

namespace Parley.Dialogs.Tests;

/// <summary>Dialog identity against the OpenSIPS 3.6.8 captures (golden dlg_list.json, mixed_dlg_list_ctx.json).</summary>
public sealed class DialogIdTests
{
    [Theory]
    [InlineData("2-21431@127.0.0.1", "074")]
    [InlineData("3-21431@127.0.0.1", "277")]
    [InlineData("1-21431@127.0.0.1", "57d")]
    [InlineData("1-22220@127.0.0.1", "332")]
    [InlineData("2-22220@127.0.0.1", "e29")]
    [InlineData("3-22220@127.0.0.1", "f2c")]
    public void Entry_GoldenCallIds_MatchOpenSipsBuckets(string callId, string reverseHexEntry)
    {
        var entry = DialogId.Entry(Encoding.ASCII.GetBytes(callId), 4096);

        Span<byte> text = stackalloc byte[8];
        Assert.Equal(reverseHexEntry, Encoding.ASCII.GetString(text[..DialogId.WriteReverseHex(entry, text)]));
    }

    [Fact]
    public void Entry_SurroundingWhitespace_IsTrimmedAsOpenSipsDoes() =>
        Assert.Equal(DialogId.Entry("2-21431@127.0.0.1"u8, 4096), DialogId.Entry(" 2-21431@127.0.0.1\t"u8, 4096));

    [Theory]
    [InlineData("074.06f31cd5", "4880655794016")]
    [InlineData("277.9a470524", "8187320235177")]
    [InlineData("57d.59f36171", "14796549668757")]
    [InlineData("f2c.07ae81b", "13396189178480")]
    [InlineData("332.a0ef3315", "2419428949514")]
    public void DbId_GoldenDids_MatchGoldenDbIds(string did, string dbId)
    {
        Assert.True(DialogId.TryParse(did.AsSpan(), out var entry, out var id));

        Assert.Equal(dbId, DialogId.DbId(entry, id).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(did, DialogId.Format(entry, id));
    }

    [Fact]
    public void Format_ManualExample_DecodesToEntry3750AndId0x310D83B4()
    {
        Assert.True(DialogId.TryParse("6ae.4b38d013"u8, out var entry, out var id));

        Assert.Equal(3750u, entry);
        Assert.Equal(0x310D83B4u, id);
        Assert.Equal("6ae.4b38d013", DialogId.Format(entry, id));
        Assert.Equal("0.0", DialogId.Format(0, 0));
        Assert.Equal("01.3a1", DialogId.Format(0x10, 0x1A3));
    }

    [Theory]
    [InlineData("6AE.4B38D013", true)]
    [InlineData("6ae", false)]
    [InlineData(".4b38d013", false)]
    [InlineData("6ae.", false)]
    [InlineData("6ag.1", false)]
    [InlineData("1.123456789", false)]
    [InlineData("", false)]
    public void TryParse_Forms_AcceptsOnlyReverseHexPairs(string text, bool valid) =>
        Assert.Equal(valid, DialogId.TryParse(Encoding.ASCII.GetBytes(text), out _, out _));

    [Theory]
    [InlineData(4096, 4096)]
    [InlineData(5000, 4096)]
    [InlineData(1, 1)]
    [InlineData(3, 2)]
    public void TableSize_NotAPowerOfTwo_IsRoundedDown(int requested, int expected) =>
        Assert.Equal(expected, DialogTable.RoundDownToPowerOfTwo(requested));
}
