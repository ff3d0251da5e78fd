using System.Text;
using Parley.Scripting.Runtime;

namespace Parley.Scripting.Tests.Runtime;

public sealed class TransformationTests
{
    private readonly PvTestHost _host = new();

    public TransformationTests() => _host.Begin();

    [Theory]
    [InlineData("s.len", "hello", "5")]
    [InlineData("s.len", "", "0")]
    [InlineData("s.len", "é", "2")]
    [InlineData("s.int", "123", "123")]
    [InlineData("s.int", "-42abc", "-42")]
    [InlineData("s.int", "abc", "0")]
    [InlineData("s.tolower", "HeLLo-1", "hello-1")]
    [InlineData("s.toupper", "HeLLo-1", "HELLO-1")]
    [InlineData("s.trim", " \t a b \r\n", "a b")]
    [InlineData("s.trimr", "  a  ", "  a")]
    [InlineData("s.triml", "  a  ", "a  ")]
    [InlineData("s.md5", "abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("s.md5", "", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("s.encode.hexa", "AB1", "414231")]
    [InlineData("s.hex", "AB1", "414231")]
    [InlineData("s.decode.hexa", "414231", "AB1")]
    [InlineData("s.decode.hexa", "4142a", "AB")]
    [InlineData("s.dec2hex", "255", "ff")]
    [InlineData("s.hex2dec", "ff", "255")]
    [InlineData("s.hex2dec", "0x1A", "26")]
    [InlineData("s.escape.common", "it's \"x\" \\", "it\\'s \\\"x\\\" \\\\")]
    [InlineData("s.unescape.common", "it\\'s \\\"x\\\" \\\\", "it's \"x\" \\")]
    [InlineData("s.escape.user", "a b@c", "a%20b%40c")]
    [InlineData("s.unescape.user", "a%20b%40c", "a b@c")]
    [InlineData("s.escape.param", "a;b=c", "a%3Bb%3Dc")]
    [InlineData("s.unescape.param", "a%3Bb", "a;b")]
    [InlineData("s.b64encode", "hello", "aGVsbG8=")]
    [InlineData("s.b64decode", "aGVsbG8=", "hello")]
    [InlineData("s.reverse", "abc", "cba")]
    [InlineData("s.substr,1,3", "abcdef", "bcd")]
    [InlineData("s.substr,0,0", "abcdef", "abcdef")]
    [InlineData("s.substr,2,0", "abcdef", "cdef")]
    [InlineData("s.substr,-2,0", "abcdef", "ef")]
    [InlineData("s.substr,-4,2", "abcdef", "cd")]
    [InlineData("s.substr,1,-1", "abcdef", "bcde")]
    [InlineData("s.substr,4,10", "abcdef", "ef")]
    [InlineData("s.substr, 1 , 2", "abcdef", "bc")]
    [InlineData("s.select,0,:", "a:b:c", "a")]
    [InlineData("s.select,1,:", "a:b:c", "b")]
    [InlineData("s.select,2,:", "a:b:c", "c")]
    [InlineData("s.select,-1,:", "a:b:c", "c")]
    [InlineData("s.select,-3,:", "a:b:c", "a")]
    [InlineData("s.select,1,,", "a,b,c", "b")]
    [InlineData("s.select,1,:", "a::c", "")]
    [InlineData("s.index,lo", "hello world", "3")]
    [InlineData("s.index,o,5", "hello world", "7")]
    [InlineData("s.index,o,-4", "hello world", "7")]
    [InlineData("s.rindex,o", "hello world", "7")]
    [InlineData("s.rindex,o,6", "hello world", "4")]
    public void String_Transformation_MatchesOpenSips(string transformation, string input, string expected)
    {
        Assert.Equal(expected, _host.Transform(transformation, input));
        Assert.Equal(expected, _host.TransformView(transformation, input));
    }

    [Theory]
    [InlineData("s.substr,6,1", "abcdef")]
    [InlineData("s.substr,-7,1", "abcdef")]
    [InlineData("s.select,3,:", "a:b:c")]
    [InlineData("s.select,-4,:", "a:b:c")]
    [InlineData("s.index,xyz", "hello")]
    [InlineData("s.index,o,5", "hello")]
    [InlineData("s.decode.hexa", "zz")]
    [InlineData("s.b64decode", "!!!")]
    [InlineData("s.unescape.user", "a%2")]
    [InlineData("s.hex2dec", "xyz")]
    public void String_TransformationFailing_ReturnsNull(string transformation, string input)
    {
        Assert.Null(_host.Transform(transformation, input));
    }

    [Theory]
    [InlineData("s.len")]
    [InlineData("s.substr,0,1")]
    [InlineData("s.tolower")]
    [InlineData("uri.user")]
    [InlineData("param.value,a")]
    [InlineData("nameaddr.uri")]
    [InlineData("csv.count")]
    [InlineData("re.subst,/a/b/")]
    public void Transformation_NullInput_ReturnsNull(string transformation)
    {
        Assert.True(_host.Transform(transformation, ScriptValue.Null).IsNull);
    }

    [Fact]
    public void Length_IntegerInput_CountsDigits()
    {
        Assert.Equal(4, _host.Transform("s.len", ScriptValue.FromInt(-123)).Int);
        Assert.Equal(5, _host.Transform("s.int", ScriptValue.FromInt(5)).Int);
        Assert.Equal("12", _host.Transform("s.substr,1,2", ScriptValue.FromInt(5123)).ToString());
    }

    [Fact]
    public void Substring_ByteView_ReturnsViewOfSameBuffer()
    {
        var message = _host.Begin();
        var result = _host.Transform("s.substr,0,8", _host.Get("$ci"));
        Assert.Equal("a84b4c76", result.ToString());
        Assert.Equal(ScriptValueKind.Bytes, result.Kind);
        Assert.True(result.Utf8Bytes.Overlaps(message.Buffer));
    }

    [Fact]
    public void ToLower_AlreadyLower_ReturnsInputView()
    {
        var message = _host.Begin();
        var result = _host.Transform("s.tolower", _host.Get("$rd"));
        Assert.True(result.Utf8Bytes.Overlaps(message.Buffer));
    }

    [Fact]
    public void Substring_VariableArguments_AreEvaluatedPerCall()
    {
        _host.Set("$var(o)", ScriptValue.FromInt(1));
        _host.Set("$var(l)", ScriptValue.FromString("2"));
        var func = _host.BindTransform("s.substr,$var(o),$var(l)");
        Assert.Equal("bc", func(_host.Context, ScriptValue.FromString("abcdef")).ToString());
        _host.Set("$var(o)", ScriptValue.FromInt(3));
        Assert.Equal("de", func(_host.Context, ScriptValue.FromString("abcdef")).ToString());
        _host.Set("$var(o)", ScriptValue.FromString("x"));
        Assert.True(func(_host.Context, ScriptValue.FromString("abcdef")).IsNull);
    }

    [Fact]
    public void Index_VariableNeedle_IsEvaluated()
    {
        _host.Set("$var(n)", ScriptValue.FromString("wor"));
        Assert.Equal(6, _host.Transform("s.index,$var(n)", ScriptValue.FromString("hello world")).Int);
    }

    [Fact]
    public void DecodeHexa_BinaryOutput_RoundTrips()
    {
        var decoded = _host.Transform("s.decode.hexa", ScriptValue.FromString("00ff10"));
        Assert.Equal([0x00, 0xff, 0x10], decoded.Utf8Bytes.ToArray());
        Assert.Equal("00ff10", _host.Transform("s.encode.hexa", decoded).ToString());
    }

    [Theory]
    [InlineData("uri.user", "sip:alice:pw@example.com:5070;transport=tcp;lr?Subject=x", "alice")]
    [InlineData("uri.host", "sip:alice:pw@example.com:5070;transport=tcp;lr?Subject=x", "example.com")]
    [InlineData("uri.domain", "sip:alice@[2001:db8::1]:5070", "[2001:db8::1]")]
    [InlineData("uri.port", "sip:alice:pw@example.com:5070;transport=tcp;lr?Subject=x", "5070")]
    [InlineData("uri.passwd", "sip:alice:pw@example.com:5070;transport=tcp;lr?Subject=x", "pw")]
    [InlineData("uri.params", "sip:alice:pw@example.com:5070;transport=tcp;lr?Subject=x", "transport=tcp;lr")]
    [InlineData("uri.param,transport", "sip:alice@example.com;transport=tcp;lr", "tcp")]
    [InlineData("uri.param,TRANSPORT", "sip:alice@example.com;transport=tcp;lr", "tcp")]
    [InlineData("uri.param,lr", "sip:alice@example.com;transport=tcp;lr", "")]
    [InlineData("uri.transport", "sip:alice@example.com;transport=tcp;lr", "tcp")]
    [InlineData("uri.headers", "sip:alice@example.com?Subject=x&Priority=urgent", "Subject=x&Priority=urgent")]
    [InlineData("uri.schema", "sips:alice@example.com", "sips")]
    [InlineData("uri.uparam", "sip:+1555@example.com;user=phone", "phone")]
    [InlineData("uri.maddr", "sip:a@example.com;maddr=10.0.0.1", "10.0.0.1")]
    [InlineData("uri.method", "sip:a@example.com;method=INVITE", "INVITE")]
    [InlineData("uri.ttl", "sip:a@example.com;ttl=15", "15")]
    [InlineData("uri.lr", "sip:a@example.com;lr=on", "on")]
    [InlineData("uri.user", "tel:+15551234;phone-context=example.com", "+15551234")]
    public void Uri_Transformation_ReturnsPart(string transformation, string input, string expected)
    {
        Assert.Equal(expected, _host.Transform(transformation, input));
        Assert.Equal(expected, _host.TransformView(transformation, input));
    }

    [Theory]
    [InlineData("uri.user", "sip:example.com")]
    [InlineData("uri.port", "sip:example.com")]
    [InlineData("uri.params", "sip:example.com")]
    [InlineData("uri.transport", "sip:a@example.com;lr")]
    [InlineData("uri.param,foo", "sip:a@example.com;lr")]
    [InlineData("uri.user", "not a uri")]
    [InlineData("uri.host", "")]
    [InlineData("uri.ttl", "sip:a@example.com")]
    public void Uri_TransformationAbsentOrInvalid_ReturnsNull(string transformation, string input)
    {
        Assert.Null(_host.Transform(transformation, input));
    }

    [Fact]
    public void UriUser_OfRequestUri_IsViewOfMessage()
    {
        var message = _host.Begin();
        var result = _host.Transform("uri.user", _host.Get("$ru"));
        Assert.Equal("alice", result.ToString());
        Assert.True(result.Utf8Bytes.Overlaps(message.Buffer));
        Assert.Equal(5070, _host.Transform("uri.port", _host.Get("$ru")).Int);
    }

    [Fact]
    public void UriParam_VariableName_IsEvaluated()
    {
        _host.Set("$var(p)", ScriptValue.FromString("user"));
        Assert.Equal("phone", _host.Transform("uri.param,$var(p)", ScriptValue.FromString("sip:a@b.com;user=phone")).ToString());
    }

    [Theory]
    [InlineData("param.value,b", "a=1;b=2;c", "2")]
    [InlineData("param.value,B", ";a=1;b=2", "2")]
    [InlineData("param.value,c", "a=1;b=2;c", "")]
    [InlineData("param.value,q", "a=1; q = \"x y\" ;c", "x y")]
    [InlineData("param.count", "a=1;b=2;c", "3")]
    [InlineData("param.count", ";a=1;;b=2;", "2")]
    [InlineData("param.name,0", "a=1;b=2;c", "a")]
    [InlineData("param.name,-1", "a=1;b=2;c", "c")]
    [InlineData("param.valueat,1", "a=1;b=2;c", "2")]
    [InlineData("param.valueat,-3", "a=1;b=2;c", "1")]
    [InlineData("param.exist,c", "a=1;b=2;c", "1")]
    [InlineData("param.exist,d", "a=1;b=2;c", "0")]
    public void Param_Transformation_MatchesOpenSips(string transformation, string input, string expected)
    {
        Assert.Equal(expected, _host.Transform(transformation, input));
        Assert.Equal(expected, _host.TransformView(transformation, input));
    }

    [Theory]
    [InlineData("param.value,d", "a=1;b=2")]
    [InlineData("param.name,2", "a=1;b=2")]
    [InlineData("param.name,-3", "a=1;b=2")]
    [InlineData("param.count", "")]
    public void Param_TransformationAbsent_ReturnsNull(string transformation, string input)
    {
        Assert.Null(_host.Transform(transformation, input));
    }

    [Theory]
    [InlineData("nameaddr.uri", "\"Bob B\" <sip:bob@example.com;transport=tcp>;tag=abc;expires=60", "sip:bob@example.com;transport=tcp")]
    [InlineData("nameaddr.name", "\"Bob B\" <sip:bob@example.com>;tag=abc", "\"Bob B\"")]
    [InlineData("nameaddr.name", "Bob <sip:bob@example.com>", "Bob")]
    [InlineData("nameaddr.params", "\"Bob B\" <sip:bob@example.com>;tag=abc;expires=60", "tag=abc;expires=60")]
    [InlineData("nameaddr.param,tag", "\"Bob B\" <sip:bob@example.com>;tag=abc;expires=60", "abc")]
    [InlineData("nameaddr.param,EXPIRES", "<sip:bob@example.com>;tag=abc;expires=60", "60")]
    [InlineData("nameaddr.uri", "sip:bob@example.com;tag=abc", "sip:bob@example.com")]
    [InlineData("nameaddr.uri", "  <sip:bob@example.com>  ", "sip:bob@example.com")]
    [InlineData("nameaddr.len", "<sip:b@e.com>;x=1", "17")]
    public void NameAddr_Transformation_ReturnsPart(string transformation, string input, string expected)
    {
        Assert.Equal(expected, _host.Transform(transformation, input));
        Assert.Equal(expected, _host.TransformView(transformation, input));
    }

    [Theory]
    [InlineData("nameaddr.name", "<sip:bob@example.com>")]
    [InlineData("nameaddr.params", "<sip:bob@example.com>")]
    [InlineData("nameaddr.param,foo", "<sip:bob@example.com>;tag=1")]
    [InlineData("nameaddr.uri", "<sip:bob@example.com")]
    [InlineData("nameaddr.uri", "")]
    public void NameAddr_TransformationAbsentOrInvalid_ReturnsNull(string transformation, string input)
    {
        Assert.Null(_host.Transform(transformation, input));
    }

    [Fact]
    public void NameAddrUri_OfFromHeader_ThenUriUser_Chains()
    {
        _host.Begin();
        var uri = _host.Transform("nameaddr.uri", _host.Get("$hdr(From)"));
        Assert.Equal("bob", _host.Transform("uri.user", uri).ToString());
    }

    [Theory]
    [InlineData("csv.count", "a,b,c", "3")]
    [InlineData("csv.count", "a,b,", "3")]
    [InlineData("csv.count", "single", "1")]
    [InlineData("csv.count", "\"x,y\",z", "2")]
    [InlineData("csv.value,0", "a,b,c", "a")]
    [InlineData("csv.value,2", "a,b,c", "c")]
    [InlineData("csv.value,-1", "a,b,c", "c")]
    [InlineData("csv.value,-3", "a,b,c", "a")]
    [InlineData("csv.value,2", "a,b,", "")]
    [InlineData("csv.value,0", "\"x,y\",z", "x,y")]
    [InlineData("csv.value,0", "\"say \"\"hi\"\"\",z", "say \"hi\"")]
    [InlineData("csv.value,1", "\"x\",", "")]
    public void Csv_Transformation_FollowsRfc4180(string transformation, string input, string expected)
    {
        Assert.Equal(expected, _host.Transform(transformation, input));
        Assert.Equal(expected, _host.TransformView(transformation, input));
    }

    [Theory]
    [InlineData("csv.value,3", "a,b,c")]
    [InlineData("csv.value,-4", "a,b,c")]
    [InlineData("csv.count", "\"unterminated,b")]
    [InlineData("csv.count", "\"a\"b,c")]
    [InlineData("csv.count", "")]
    public void Csv_TransformationOutOfRangeOrMalformed_ReturnsNull(string transformation, string input)
    {
        Assert.Null(_host.Transform(transformation, input));
    }

    [Theory]
    [InlineData("re.subst,/a/b/", "banana", "bbnana")]
    [InlineData("re.subst,/a/b/g", "banana", "bbnbnb")]
    [InlineData("re.subst,/A/b/gi", "banana", "bbnbnb")]
    [InlineData("re.subst,/A/b/g", "banana", "banana")]
    [InlineData("re.subst,/^sip:([^@]+)@(.*)$/\\2:\\1/", "sip:alice@example.com", "example.com:alice")]
    [InlineData("re.subst,/x/y/", "banana", "banana")]
    [InlineData("re.subst,#/#|#g", "a/b/c", "a|b|c")]
    [InlineData("re.subst,/\\//|/g", "a/b/c", "a|b|c")]
    [InlineData("re.subst,/[[:digit:]]+/N/g", "a12b3", "aNbN")]
    [InlineData("re.subst,/b*/-/g", "abc", "-a-c-")]
    [InlineData("re.subst,/a\\{2\\}/X/", "baaa", "bXa")]
    [InlineData("re.subst,/(a)/\\0\\\\/", "ba", "ba\\")]
    [InlineData("re.subst,/a,b/X/", "a,b", "X")]
    public void RegexSubstitution_Expression_Substitutes(string transformation, string input, string expected)
    {
        Assert.Equal(expected, _host.Transform(transformation, input));
    }

    [Fact]
    public void RegexSubstitution_VariableExpression_CompiledAtRunTime()
    {
        _host.Set("$var(re)", ScriptValue.FromString("/o/0/g"));
        var func = _host.BindTransform("re.subst,$var(re)");
        Assert.Equal("f00", func(_host.Context, ScriptValue.FromString("foo")).ToString());
        _host.Set("$var(re)", ScriptValue.FromString("/f/F/"));
        Assert.Equal("Foo", func(_host.Context, ScriptValue.FromString("foo")).ToString());
        _host.Set("$var(re)", ScriptValue.FromString("/(/x/"));
        Assert.True(func(_host.Context, ScriptValue.FromString("foo")).IsNull);
    }

    [Theory]
    [InlineData("s.len,1", "takes no arguments")]
    [InlineData("s.substr,1", "is written {s.substr,offset,length}")]
    [InlineData("s.substr,a,1", "must be an integer")]
    [InlineData("s.substr,1,2,3", "is written")]
    [InlineData("s.select,1", "has no separator")]
    [InlineData("s.select,1,ab", "must be a single character")]
    [InlineData("s.select,x,:", "must be an integer")]
    [InlineData("s.index", "is written {s.index,needle[,start]}")]
    [InlineData("s.index, ", "is empty")]
    [InlineData("uri.param", "is written {uri.param,name}")]
    [InlineData("uri.user,x", "takes no arguments")]
    [InlineData("param.value", "is written")]
    [InlineData("param.name,x", "must be an integer")]
    [InlineData("nameaddr.param", "is written")]
    [InlineData("csv.value", "is written")]
    [InlineData("csv.value,one", "must be an integer")]
    [InlineData("re.subst", "has no expression")]
    [InlineData("re.subst,/(/x/", "bad substitution")]
    [InlineData("re.subst,/a/b", "not closed")]
    [InlineData("re.subst,/a/b/q", "unknown flag 'q'")]
    [InlineData("re.subst,/a/\\1/", "refers to group")]
    public void Bind_BadArguments_ReportsError(string transformation, string message)
    {
        Assert.Null(_host.TryBindTransform(transformation));
        Assert.Contains(_host.Errors, e => e.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Register_CoreNames_AreAllPresent()
    {
        string[] names =
        [
            "s.len", "s.int", "s.substr", "s.select", "s.tolower", "s.toupper", "s.trim", "s.trimr", "s.triml", "s.md5",
            "s.hex", "s.encode.hexa", "s.decode.hexa", "s.escape.common", "s.unescape.common", "s.b64encode",
            "s.b64decode", "s.index", "uri.user", "uri.host", "uri.port", "uri.params", "uri.param", "uri.transport",
            "param.value", "param.count", "param.name", "nameaddr.uri", "nameaddr.name", "nameaddr.param",
            "nameaddr.params", "csv.count", "csv.value", "re.subst",
        ];
        Assert.All(names, n => Assert.True(_host.Registry.TryGetTransformation(n, out _), n));
    }

    [Fact]
    public void Transform_HotPathViews_AllocateNothing()
    {
        var context = _host.Context;
        var ruri = _host.Get("$ru");
        var from = _host.Get("$hdr(From)");
        var callId = _host.Get("$ci");
        var user = _host.BindTransform("uri.user");
        var uri = _host.BindTransform("nameaddr.uri");
        var substr = _host.BindTransform("s.substr,0,8");
        var select = _host.BindTransform("s.select,0,@");
        var param = _host.BindTransform("uri.param,transport");
        Run();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Run();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Run()
        {
            user(context, ruri);
            uri(context, from);
            substr(context, callId);
            select(context, callId);
            param(context, ruri);
        }
    }

    [Fact]
    public void Transform_Utf8Input_CountsBytes()
    {
        var bytes = Encoding.UTF8.GetBytes("héllo");
        Assert.Equal("hé", _host.Transform("s.substr,0,3", ScriptValue.FromBytes(bytes, 0, bytes.Length)).ToString());
    }
}
