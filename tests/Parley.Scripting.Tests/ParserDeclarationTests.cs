using Parley.Scripting.Syntax;

namespace Parley.Scripting.Tests;

public sealed class ParserDeclarationTests
{
    private static IReadOnlyList<Declaration> Parse(string text)
    {
        var result = Parser.Parse(text, "t.cfg");
        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        return result.Script.Declarations;
    }

    [Theory]
    [InlineData("route { }", nameof(RouteType.Request), null, null)]
    [InlineData("route[relay] { }", nameof(RouteType.Request), "relay", null)]
    [InlineData("route[2] { }", nameof(RouteType.Request), "2", null)]
    [InlineData("route[\"quoted name\"] { }", nameof(RouteType.Request), "quoted name", null)]
    [InlineData("branch_route[1] { }", nameof(RouteType.Branch), "1", null)]
    [InlineData("failure_route[missed] { }", nameof(RouteType.Failure), "missed", null)]
    [InlineData("onreply_route { }", nameof(RouteType.OnReply), null, null)]
    [InlineData("onreply_route[global] { }", nameof(RouteType.OnReply), "global", null)]
    [InlineData("local_route { }", nameof(RouteType.Local), null, null)]
    [InlineData("error_route { }", nameof(RouteType.Error), null, null)]
    [InlineData("startup_route { }", nameof(RouteType.Startup), null, null)]
    [InlineData("timer_route[cleanup, 60] { }", nameof(RouteType.Timer), "cleanup", "60")]
    [InlineData("event_route[E_PIKE_BLOCKED] { }", nameof(RouteType.Event), "E_PIKE_BLOCKED", null)]
    [InlineData("event_route[E_UL_CONTACT_INSERT, async] { }", nameof(RouteType.Event), "E_UL_CONTACT_INSERT", "async")]
    public void Parse_RouteBlock_TypeNameAndOptions(string text, string type, string? name, string? options)
    {
        var route = Assert.IsType<RouteBlock>(Assert.Single(Parse(text)));

        Assert.Equal(Enum.Parse<RouteType>(type), route.Type);
        Assert.Equal(name, route.Name);
        Assert.Equal(options, route.Options);
    }

    [Theory]
    [InlineData("socket=udp:127.0.0.1:5060", "socket", "udp:127.0.0.1:5060")]
    [InlineData("listen = tcp:[::1]:5060", "listen", "tcp:[::1]:5060")]
    [InlineData("socket=udp:*:5060", "socket", "udp:*:5060")]
    [InlineData("socket=udp:10.0.0.1:5060 as 1.2.3.4:5060", "socket", "udp:10.0.0.1:5060 as 1.2.3.4:5060")]
    [InlineData("log_level=2", "log_level", "2")]
    [InlineData("stderror_enabled=yes", "stderror_enabled", "yes")]
    [InlineData("mpath=\"/usr/lib64/opensips/modules/\"", "mpath", "\"/usr/lib64/opensips/modules/\"")]
    [InlineData("debug_mode = -1;", "debug_mode", "-1")]
    public void Parse_GlobalParameter_RawValueIsSourceText(string text, string name, string raw)
    {
        var parameter = Assert.IsType<GlobalParameter>(Assert.Single(Parse(text)));

        Assert.Equal(name, parameter.Name);
        Assert.Equal(raw, parameter.RawValue);
    }

    [Fact]
    public void Parse_GlobalParameterLiterals_TypedValues()
    {
        var declarations = Parse("a=2\nb=\"s\"\nc=no\nd=-3\ne=udp:1.2.3.4:5");

        Assert.Equal(2, Assert.IsType<NumberLiteral>(((GlobalParameter)declarations[0]).Value).Value);
        Assert.Equal("s", Assert.IsType<StringLiteral>(((GlobalParameter)declarations[1]).Value).Value);
        Assert.Equal("no", Assert.IsType<IdentifierExpression>(((GlobalParameter)declarations[2]).Value).Name);
        Assert.Equal(-3, Assert.IsType<NumberLiteral>(((GlobalParameter)declarations[3]).Value).Value);
        Assert.Null(((GlobalParameter)declarations[4]).Value);
    }

    [Fact]
    public void Parse_LoadModuleAndModParam_Recorded()
    {
        var declarations = Parse("loadmodule \"tm.so\"\nmodparam(\"tm\", \"fr_timeout\", 5)\nmodparam(\"tm\", \"x\", \"v\");\nmodparam(\"tm\", \"y\", no)");

        Assert.Equal("tm.so", Assert.IsType<LoadModuleDeclaration>(declarations[0]).Path);
        var modparam = Assert.IsType<ModParamDeclaration>(declarations[1]);
        Assert.Equal(("tm", "fr_timeout"), (modparam.Module, modparam.Parameter));
        Assert.Equal(5, Assert.IsType<NumberLiteral>(modparam.Value).Value);
        Assert.Equal("v", Assert.IsType<StringLiteral>(((ModParamDeclaration)declarations[2]).Value).Value);
        Assert.IsType<IdentifierExpression>(((ModParamDeclaration)declarations[3]).Value);
    }

    [Fact]
    public void Parse_IncludeWithoutLoader_RecordedUnresolved()
    {
        var declarations = Parse("include_file \"routes.cfg\"\nimport_file \"more.cfg\"");

        var include = Assert.IsType<IncludeDeclaration>(declarations[0]);
        Assert.Equal(("routes.cfg", false, null), (include.Path, include.IsImport, include.Included));
        Assert.True(Assert.IsType<IncludeDeclaration>(declarations[1]).IsImport);
    }

    [Fact]
    public void Parse_IncludeWithLoader_ResolvesRelativeToIncludingFile()
    {
        var files = new Dictionary<string, string>
        {
            [Path.Combine("/etc/opensips", "routes.cfg")] = "route[relay] { t_relay(); }",
        };
        var requested = new List<string>();

        var result = Parser.Parse("include_file \"routes.cfg\"", "/etc/opensips/opensips.cfg", path =>
        {
            requested.Add(path);
            return files.GetValueOrDefault(path);
        });

        Assert.True(result.Success, string.Join('\n', result.Diagnostics));
        Assert.Equal([Path.Combine("/etc/opensips", "routes.cfg")], requested);
        var included = Assert.IsType<IncludeDeclaration>(Assert.Single(result.Script.Declarations)).Included;
        Assert.Equal("relay", Assert.IsType<RouteBlock>(Assert.Single(included!.Declarations)).Name);
    }

    [Fact]
    public void Parse_IncludedFileWithError_DiagnosticNamesIncludedFile()
    {
        var result = Parser.Parse("include_file \"bad.cfg\"", "/cfg/main.cfg", _ => "route {\n  x(\n}");

        var d = Assert.Single(result.Diagnostics);
        Assert.Equal(Path.Combine("/cfg", "bad.cfg"), d.File);
        Assert.Equal(3, d.Line);
    }

    [Fact]
    public void Parse_MissingIncludedFile_Diagnostic()
    {
        var result = Parser.Parse("include_file \"gone.cfg\"", "main.cfg", _ => null);

        Assert.Contains("cannot read the file 'gone.cfg'", Assert.Single(result.Diagnostics).Message);
    }

    [Fact]
    public void Parse_SelfInclude_StopsWithDiagnostic()
    {
        var result = Parser.Parse("include_file \"main.cfg\"", "main.cfg", _ => "include_file \"main.cfg\"");

        Assert.Contains("nested more than", Assert.Single(result.Diagnostics).Message);
    }
}
