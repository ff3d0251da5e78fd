using System.Text;
using Parley.Dialogs.Core;
using Parley.Dialogs.Persistence;
using Parley.Scripting.Runtime;

namespace Parley.Dialogs.Tests;

public sealed class DialogRowCodecTests
{
    [Fact]
    public void EncodeVars_SpecialCharactersIntsUnicodeAndLongSdp_EscapedAndReadBack()
    {
        var longValue = new string('x', 300) + "|tail#\\é";
        var values = new List<DialogValue>
        {
            new("plain", ScriptValue.FromString("gold")),
            new("a|b#c\\d", ScriptValue.FromString("v|1#2\\3")),
            new("credit", ScriptValue.FromInt(-42)),
            new("unicode", ScriptValue.FromString("Grüße ☎")),
            new("long", ScriptValue.FromString(longValue)),
        };
        var sdp = Encoding.UTF8.GetBytes("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\na=x:#|\\\r\n" + new string('a', 2000));

        var column = DialogRowCodec.EncodeVars(values, [("uCSDP", sdp)]);

        Assert.StartsWith(@"plain#1#gold|a\|b\#c\\d#1#v\|1\#2\\3|credit#2#-42|", Encoding.UTF8.GetString(column!), StringComparison.Ordinal);
        var decoded = DialogRowCodec.DecodeVars(column);
        Assert.Equal(6, decoded.Count);
        Assert.Equal(("a|b#c\\d", "v|1#2\\3"), (decoded[1].Name, decoded[1].Value.AsString()));
        Assert.True(decoded[2].Value.IsInt);
        Assert.Equal(-42, decoded[2].Value.Int);
        Assert.Equal("Grüße ☎", decoded[3].Value.AsString());
        Assert.Equal(longValue, decoded[4].Value.AsString());
        Assert.Equal(("uCSDP", Encoding.UTF8.GetString(sdp)), (decoded[5].Name, decoded[5].Value.AsString()));
    }

    [Fact]
    public void EncodeVars_Nothing_IsNull()
    {
        Assert.Null(DialogRowCodec.EncodeVars(null, []));
        Assert.Null(DialogRowCodec.EncodeVars([], []));
    }
}
