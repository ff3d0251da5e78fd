using Parley.Modules.Signaling;
using Parley.Modules.SipMsgOps;
using Parley.Modules.Sl;
using Parley.Modules.TextOps;
using Parley.Modules.Uri;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Tests;

public sealed class BuiltInModulesTests
{
    [Theory]
    [InlineData("sl", typeof(SlModule))]
    [InlineData("signaling", typeof(SignalingModule))]
    [InlineData("sipmsgops", typeof(SipMsgOpsModule))]
    [InlineData("textops", typeof(TextOpsModule))]
    [InlineData("uri", typeof(UriModule))]
    public void AddTo_Catalog_CreatesEachModuleByItsOpenSipsName(string name, Type type)
    {
        var catalog = new ModuleCatalog();
        BuiltInModules.AddTo(catalog);

        Assert.True(catalog.TryCreate(name, out var module));
        Assert.IsType(type, module);
        Assert.Equal(name, module.Name);
    }

    [Fact]
    public void Register_EachModule_NoFunctionNameClashesBetweenModules()
    {
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var module in (ScriptModule[])[new SlModule(), new SignalingModule(), new SipMsgOpsModule(), new TextOpsModule(), new UriModule()])
        {
            var registry = new ScriptRegistry();
            module.Register(registry);
            foreach (var name in registry.FunctionNames)
            {
                Assert.True(owner.TryAdd(name, module.Name), $"{name} is registered by {module.Name} and {owner.GetValueOrDefault(name)}");
            }
        }

        Assert.Equal(38, owner.Count); // sl 2, signaling 1, sipmsgops 18, textops 12, uri 5
    }
}
