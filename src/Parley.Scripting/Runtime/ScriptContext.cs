using System.Text;
using Parley.Protocol;
using Parley.Protocol.Uri;
using Parley.Protocol.Writing;
using Parley.Scripting.Syntax;

namespace Parley.Scripting.Runtime;

/// <summary>
/// Everything a running script reads and changes while it handles one message: the message and its pending edits,
/// where it came from, the new Request-URI and destination, flags, branches, AVPs and the return code. One per worker,
/// reused for every message (<see cref="Begin"/>), so running a script allocates nothing by itself. Script variables
/// (<c>$var</c>) belong to the worker and keep their values across messages, as in OpenSIPS.
/// </summary>
public sealed class ScriptContext
{
    private readonly object?[] _moduleState;
    private ScriptValue[] _vars;
    private readonly List<IContextState> _liveStates = [];
    private char[] _scratch = new char[512];
    private byte[]? _newRuriBytes;
    private int _newRuriLength;
    private SipUri _newRuri;
    private bool _newRuriValid;
    private bool _ruriChanged;

    internal ScriptContext(ProxyHost host, ScriptRegistry registry, int variableCount, int avpCount, int stateSlots, TimeProvider time)
    {
        Host = host;
        Registry = registry;
        Time = time;
        _vars = new ScriptValue[Math.Max(variableCount, 1)];
        Avps = new AvpStore(avpCount);
        _moduleState = new object?[Math.Max(stateSlots, ContextSlots.Max)];
    }

    /// <summary>
    /// A context for <paramref name="registry"/>'s script outside the workers (a module running script routes on its
    /// own thread, e.g. tm's failure_route after a timeout), sized like a worker's.
    /// </summary>
    public static ScriptContext Create(ProxyHost host, ScriptRegistry registry, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return new(host, registry, registry.VariableCount, registry.AvpCount, ContextSlots.Max, time ?? TimeProvider.System);
    }

    /// <summary>Creates a context outside a compiled script (typed-API tests, module code paths).</summary>
    public static ScriptContext CreateStandalone(ProxyHost host, TimeProvider? time = null, ScriptRegistry? registry = null) =>
        new(host, registry ?? new ScriptRegistry(), 16, 16, ContextSlots.Max, time ?? TimeProvider.System);

    public ProxyHost Host { get; }

    /// <summary>The compiled script's registry: modules, forward hooks, flag names.</summary>
    public ScriptRegistry Registry { get; }

    public TimeProvider Time { get; }

    /// <summary>The message being handled (the request, or the reply in reply routes). Null in startup and timer routes.</summary>
    public SipMessage? Message { get; private set; }

    /// <summary>The message or throws: for functions that need one (their route types guarantee it).</summary>
    public SipMessage Msg => Message ?? throw new InvalidOperationException("No SIP message in this route.");

    /// <summary>Pending changes to <see cref="Message"/>, applied when it is forwarded or replied to.</summary>
    public SipMessageEditor Edits { get; private set; } = new();

    public MessageSource Source { get; private set; }

    /// <summary>The kind of route running now (a named <c>route[x]</c> runs as its caller's type).</summary>
    public RouteType RouteType { get; set; }

    /// <summary>Script (message) flags, bit i for flag i (OpenSIPS 3: flags are named, mapped to bits at compile time).</summary>
    public ulong Flags { get; set; }

    /// <summary>Branch flags of branch 0 (the Request-URI); <see cref="Branches"/> carry their own.</summary>
    public ulong BranchFlags { get; set; }

    /// <summary>Extra branches added by <c>append_branch</c> (branch 0, the Request-URI, is not in the list).</summary>
    public List<ScriptBranch> Branches { get; } = [];

    /// <summary><c>$du</c>: where the request goes instead of the Request-URI's host; null when unset.</summary>
    public string? DestinationUri { get; set; }

    /// <summary><c>force_send_socket</c> / <c>$fs</c>: the socket to send from; null lets the core choose.</summary>
    public Parley.Transport.SipListener? ForcedSocket { get; set; }

    /// <summary>Reads script variable <paramref name="slot"/> (<c>$var</c>, slots from <see cref="ScriptRegistry.VariableSlot"/>); kept across messages.</summary>
    public ScriptValue GetVar(int slot) => (uint)slot < (uint)_vars.Length ? _vars[slot] : ScriptValue.Null;

    /// <summary>Writes script variable <paramref name="slot"/>; byte views are copied (the variable outlives the message).</summary>
    public void SetVar(int slot, ScriptValue value)
    {
        if ((uint)slot >= (uint)_vars.Length)
        {
            Array.Resize(ref _vars, Math.Max(slot + 1, _vars.Length * 2));
        }

        _vars[slot] = value.Materialize();
    }

    /// <summary>AVPs of this message (cleared per message).</summary>
    public AvpStore Avps { get; }

    /// <summary><c>$rc</c>/<c>$retcode</c>: the return code of the last function or route called.</summary>
    public int ReturnCode { get; set; }

    /// <summary>Set by <c>drop</c>: the message must not be forwarded (or the reply not relayed).</summary>
    public bool Dropped { get; set; }

    /// <summary>Set by <c>exit</c> or by a function that returned 0: the whole script stops.</summary>
    public bool ExitRequested { get; set; }

    /// <summary>Headers added with <c>append_to_reply</c>, each ending in CRLF; used by locally generated replies.</summary>
    public StringBuilder ReplyHeaders { get; } = new();

    /// <summary>Set once the request has been forwarded statelessly (by <c>forward</c>) or replied to.</summary>
    public bool Forwarded { get; set; }

    /// <summary>Set once a reply to the request was sent by the proxy (sl / signaling).</summary>
    public bool Replied { get; set; }

    /// <summary>
    /// The last internal error while handling the message (OpenSIPS's <c>prev_ser_error</c>), as a SIP status and
    /// reason: what <c>sl_reply_error()</c> sends. 0 when nothing failed.
    /// </summary>
    public int LastErrorCode { get; set; }

    public string LastErrorReason { get; set; } = string.Empty;

    /// <summary>Arguments of the running <c>route(name, args…)</c> call (<c>$param(i)</c>), or null.</summary>
    public ScriptValue[]? RouteArguments { get; set; }

    /// <summary>
    /// Attributes of the event an <c>event_route</c> is running for (<c>$param(name)</c>, or <c>$param(i)</c> for
    /// events raised with values only), or null outside event routes.
    /// </summary>
    public IReadOnlyList<ScriptEventParameter>? EventParameters { get; set; }

    /// <summary>Scratch builder for format strings (xlog, function arguments); reused, never kept.</summary>
    internal StringBuilder FormatBuilder { get; } = new(256);

    /// <summary>Number of messages this context has begun; handy for per-message caches.</summary>
    public long Generation { get; private set; }

    /// <summary>Starts handling a message: resets everything per-message.</summary>
    public void Begin(SipMessage message, SipMessageEditor edits, in MessageSource source, RouteType routeType)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(edits);
        Message = message;
        Edits = edits;
        Source = source;
        ResetMessageState(routeType);
    }

    /// <summary>Starts a route without a message (startup, timer, event routes).</summary>
    public void BeginWithoutMessage(RouteType routeType)
    {
        Message = null;
        Source = default;
        ResetMessageState(routeType);
    }

    private void ResetMessageState(RouteType routeType)
    {
        Generation++;
        RouteType = routeType;
        Flags = 0;
        BranchFlags = 0;
        Branches.Clear();
        DestinationUri = null;
        ForcedSocket = null;
        _ruriChanged = false;
        _newRuriValid = false;
        _newRuriLength = 0;
        ReturnCode = 0;
        RouteArguments = null;
        EventParameters = null;
        Dropped = false;
        ExitRequested = false;
        Forwarded = false;
        Replied = false;
        LastErrorCode = 0;
        LastErrorReason = string.Empty;
        ReplyHeaders.Clear();
        Avps.Clear();
        foreach (var state in _liveStates)
        {
            state.Reset();
        }
    }

    /// <summary>True when the script changed the Request-URI (<c>$ru</c>, <c>seturi</c>, <c>loose_route</c>…).</summary>
    public bool RequestUriChanged => _ruriChanged;

    /// <summary>The current Request-URI text: the new one if the script set it, else the message's.</summary>
    public ReadOnlySpan<byte> RequestUriText =>
        _ruriChanged ? _newRuriBytes!.AsSpan(0, _newRuriLength)
        : Message is { IsRequest: true } m ? m[m.RequestUri] : default;

    /// <summary>The current Request-URI as a value (a byte view; no allocation).</summary>
    public ScriptValue RequestUriValue
    {
        get
        {
            if (_ruriChanged)
            {
                return ScriptValue.FromBytes(_newRuriBytes!, 0, _newRuriLength);
            }

            return Message is { IsRequest: true } m ? ScriptValue.FromBytes(m.Buffer, m.RequestUri.Start, m.RequestUri.Length) : ScriptValue.Null;
        }
    }

    /// <summary>
    /// Parses the current Request-URI. Offsets in <paramref name="uri"/> are relative to <paramref name="text"/>'s start
    /// for a new URI, and absolute in the message buffer for the original one; use <see cref="RequestUriBuffer"/>.
    /// </summary>
    public bool TryGetRequestUri(out SipUri uri)
    {
        if (_ruriChanged)
        {
            uri = _newRuri;
            return _newRuriValid;
        }

        if (Message is { IsRequest: true } m)
        {
            return m.TryGetRequestUri(out uri, out _);
        }

        uri = default;
        return false;
    }

    /// <summary>The buffer the ranges of <see cref="TryGetRequestUri"/> index into.</summary>
    public ReadOnlySpan<byte> RequestUriBuffer =>
        _ruriChanged ? _newRuriBytes!.AsSpan(0, _newRuriLength) : Message is { } m ? m.Buffer : default;

    /// <summary>Sets a new Request-URI (recorded; written into the message when it is forwarded, see <see cref="ApplyRequestUri"/>).</summary>
    public void SetRequestUri(ReadOnlySpan<byte> uri)
    {
        if (_newRuriBytes is null || _newRuriBytes.Length < uri.Length)
        {
            _newRuriBytes = new byte[Math.Max(256, uri.Length * 2)];
        }

        if (uri.Overlaps(_newRuriBytes))
        {
            // Setting from a view of the current new URI (e.g. $ru = $ru{...}): copy through a temporary.
            var copy = uri.ToArray();
            uri = copy;
        }

        uri.CopyTo(_newRuriBytes);
        _newRuriLength = uri.Length;
        _newRuriValid = SipUri.TryParse(_newRuriBytes.AsSpan(0, uri.Length), out _newRuri, out _);
        if (!_newRuriValid)
        {
            _newRuri = default;
        }

        _ruriChanged = true;
    }

    /// <summary>Forgets any new Request-URI: the request's own is current again (<c>revert_uri()</c>).</summary>
    public void ResetRequestUri()
    {
        _ruriChanged = false;
        _newRuriValid = false;
        _newRuriLength = 0;
    }

    /// <summary>
    /// Records the new Request-URI, if the script set one, in <paramref name="editor"/>. Called once, when the request is
    /// written for forwarding: the script may change <c>$ru</c> many times, the editor must see one replacement.
    /// </summary>
    public void ApplyRequestUri(SipMessageEditor editor)
    {
        ArgumentNullException.ThrowIfNull(editor);
        if (_ruriChanged && Message is { IsRequest: true })
        {
            editor.SetRequestUri(_newRuriBytes.AsSpan(0, _newRuriLength));
        }
    }

    /// <summary>Sets a new Request-URI from a string.</summary>
    public void SetRequestUri(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var count = Encoding.UTF8.GetByteCount(uri);
        Span<byte> bytes = count <= 512 ? stackalloc byte[count] : new byte[count];
        Encoding.UTF8.GetBytes(uri, bytes);
        SetRequestUri(bytes);
    }

    /// <summary>The characters of a value, decoded into a scratch buffer owned by the context (valid until the next call).</summary>
    public ReadOnlySpan<char> GetChars(in ScriptValue value)
    {
        if (value.StringOrNull is { } s)
        {
            return s;
        }

        var bytes = value.Utf8Bytes;
        if (value.Kind == ScriptValueKind.Bytes && System.Text.Ascii.IsValid(bytes))
        {
            // The usual case for SIP text: one widening pass, no UTF-8 decoding.
            if (bytes.Length > _scratch.Length)
            {
                _scratch = new char[Math.Max(bytes.Length, _scratch.Length * 2)];
            }

            System.Text.Ascii.ToUtf16(bytes, _scratch, out var widened);
            return _scratch.AsSpan(0, widened);
        }

        var count = value.GetCharCount();
        if (count > _scratch.Length)
        {
            _scratch = new char[Math.Max(count, _scratch.Length * 2)];
        }

        var n = value.CopyTo(_scratch);
        return _scratch.AsSpan(0, n);
    }

    /// <summary>A module's per-context state object, created on first use and reset for every message.</summary>
    public T GetState<T>(ContextSlot<T> slot)
        where T : class, IContextState, new()
    {
        ArgumentNullException.ThrowIfNull(slot);
        var state = _moduleState[slot.Index];
        if (state is T typed)
        {
            return typed;
        }

        typed = new T();
        _moduleState[slot.Index] = typed;
        _liveStates.Add(typed);
        return typed;
    }
}

/// <summary>Per-context state of a module, reset at the start of every message.</summary>
public interface IContextState
{
    void Reset();
}

/// <summary>A slot for a module's <see cref="IContextState"/> in every <see cref="ScriptContext"/>; create them as static fields.</summary>
public sealed class ContextSlot<T>
    where T : class, IContextState, new()
{
    public ContextSlot() => Index = ContextSlots.Allocate();

    internal int Index { get; }
}

internal static class ContextSlots
{
    private static int s_count;

    /// <summary>Slots are process-wide; a context is sized for all of them (a few dozen at most).</summary>
    public const int Max = 64;

    public static int Count => Volatile.Read(ref s_count);

    public static int Allocate()
    {
        var index = Interlocked.Increment(ref s_count) - 1;
        if (index >= Max)
        {
            throw new InvalidOperationException("Too many context slots.");
        }

        return index;
    }
}

/// <summary>One extra branch: its URI, destination, q value, flags and socket (OpenSIPS's branch fields).</summary>
/// <summary>One attribute of a raised event as an <c>event_route</c> sees it: its name (null when unnamed) and value.</summary>
public readonly record struct ScriptEventParameter(string? Name, ScriptValue Value);

public sealed record ScriptBranch(string Uri)
{
    public string? DestinationUri { get; set; }

    /// <summary>q value times 1000 (OpenSIPS's integer q), -1 when not given.</summary>
    public int Q { get; set; } = -1;

    public ulong Flags { get; set; }

    public Parley.Transport.SipListener? Socket { get; set; }

    public string? Path { get; set; }
}
