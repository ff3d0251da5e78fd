using Parley.Management.Mi;

namespace Parley.Management.Tests.Mi;

public sealed class MiCommandRegistryTests
{
    private static MiCommand Cmd(string name) => new(name, null, [new MiRecipe()], _ => MiResult.Ok());

    [Fact]
    public void Register_SameNameTwice_Throws()
    {
        var registry = new MiCommandRegistry();
        registry.Register(Cmd("a"));

        Assert.Throws<InvalidOperationException>(() => registry.Register(Cmd("a")));
    }

    [Fact]
    public void Commands_AfterRegistrations_KeepRegistrationOrder()
    {
        var registry = new MiCommandRegistry();
        registry.Register(Cmd("zeta"));
        registry.Register(Cmd("alpha"));

        Assert.Equal(2, registry.Count);
        Assert.Equal("zeta", registry.Commands[0].Name);
        Assert.Equal("alpha", registry.Commands[1].Name);
    }

    [Fact]
    public void TryGet_CaseDiffers_NotFound()
    {
        var registry = new MiCommandRegistry();
        registry.Register(Cmd("dlg_list"));

        Assert.True(registry.TryGet("dlg_list", out var found));
        Assert.Equal("dlg_list", found.Name);
        Assert.False(registry.TryGet("DLG_LIST", out _));
    }

    [Fact]
    public void Constructor_NoRecipes_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MiCommand("x", null, [], _ => MiResult.Ok()));
    }
}
