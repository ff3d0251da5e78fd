using Parley.Management.Fifo;
using Parley.Scripting.Runtime;

namespace Parley.Management.Modules;

/// <summary>
/// OpenSIPS's <c>mi_fifo</c>: the MI over a named pipe (OpenSIPS 3.x protocol, <c>:reply_fifo:{json-rpc}</c>), with
/// its parameters <c>fifo_name</c> (default /tmp/opensips_fifo, where opensips-cli looks), <c>fifo_mode</c> (octal,
/// default 0660), <c>fifo_user</c>, <c>fifo_group</c>, <c>reply_dir</c> (default /tmp/) and
/// <c>pretty_printing</c>. Loading it sets <see cref="ManagementServices.Fifo"/>; the server starts the FIFO.
/// </summary>
public sealed class MiFifoModule(ManagementServices services) : ScriptModule
{
    private readonly MiFifoOptions _options = new();

    public override string Name => "mi_fifo";

    public override IReadOnlyList<ModuleParameter> Parameters =>
    [
        ModuleParameter.CheckedString("fifo_name", v => Set(v, x => _options.FifoName = x, "a path such as /tmp/opensips_fifo")),
        ModuleParameter.Int("fifo_mode", v => _options.FifoMode = (int)v, 0, 0b111_111_111),
        ModuleParameter.CheckedString("fifo_user", v => Set(v, x => _options.FifoUser = x, "a user name or id")),
        ModuleParameter.CheckedString("fifo_group", v => Set(v, x => _options.FifoGroup = x, "a group name or id")),
        ModuleParameter.CheckedString("reply_dir", v => Set(v, x => _options.ReplyDir = x, "a directory such as /tmp/")),
        ModuleParameter.Int("pretty_printing", v => _options.PrettyPrinting = v != 0, 0, 1),
    ];

    public override void Register(ScriptRegistry registry)
    {
    }

    public override string? Initialize(ScriptRegistry registry)
    {
        services.Fifo = _options;
        return null;
    }

    private static string? Set(string value, Action<string> set, string expected)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"must not be empty ({expected})";
        }

        set(value);
        return null;
    }
}
