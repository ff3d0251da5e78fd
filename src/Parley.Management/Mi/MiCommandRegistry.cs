using System.Diagnostics.CodeAnalysis;

namespace Parley.Management.Mi;

/// <summary>The set of MI commands, in registration order (which is the order <c>which</c> lists).</summary>
public sealed class MiCommandRegistry
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MiCommand> _byName = new(StringComparer.Ordinal);
    private MiCommand[] _ordered = [];

    /// <summary>Registers a command; a name can be registered once only.</summary>
    public void Register(MiCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        lock (_gate)
        {
            if (!_byName.TryAdd(command.Name, command))
            {
                throw new InvalidOperationException($"MI command '{command.Name}' is already registered.");
            }

            var next = new MiCommand[_ordered.Length + 1];
            Array.Copy(_ordered, next, _ordered.Length);
            next[^1] = command;
            _ordered = next;
        }
    }

    /// <summary>Case-sensitive lookup, as OpenSIPS does.</summary>
    public bool TryGet(string name, [NotNullWhen(true)] out MiCommand? command)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            return _byName.TryGetValue(name, out command);
        }
    }

    /// <summary>Snapshot of all commands in registration order.</summary>
    public IReadOnlyList<MiCommand> Commands => Volatile.Read(ref _ordered);

    public int Count => Volatile.Read(ref _ordered).Length;
}
