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
        var catalog = new ModuleCatalog();
        BuiltInModules.AddTo(catalog);
        var modules = new List<ScriptModule> { new Parley.Scripting.Core.CoreModule() };
        foreach (var name in catalog.Names)
        {
            Assert.True(catalog.TryCreate(name, out var module));
            modules.Add(module);
        }

        foreach (var module in modules)
        {
            var registry = new ScriptRegistry();
            module.Register(registry);
            foreach (var name in registry.FunctionNames)
            {
                Assert.True(owner.TryAdd(name, module.Name), $"{name} is registered by {module.Name} and {owner.GetValueOrDefault(name)}");
            }
        }

        Assert.True(owner.Count > 38);
    }
}
