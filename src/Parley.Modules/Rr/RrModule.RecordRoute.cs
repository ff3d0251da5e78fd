using Microsoft.Extensions.Logging;
using Parley.Protocol.Uri;
using Parley.Protocol.Writing;
using Parley.Scripting.Runtime;
using Parley.Transport;

namespace Parley.Modules.Rr;

/// <summary>Record-Route: the script records the intent, the forward hook writes the header once the socket is known.</summary>
public sealed partial class RrModule
{
    /// <summary>
    /// <c>record_route([params])</c>: the request will carry our Record-Route (RFC 3261 §16.6 step 4), written when it
    /// is forwarded (<see cref="WriteRecordRoutes"/>). <paramref name="parameters"/> (<c>;name=value</c>, the ';' is
    /// added when missing) go into our URI. Returns 1, or -1 when the request was already record-routed or has no
    /// usable From for the <c>ftag</c>.
    /// </summary>
    public int RecordRoute(ScriptContext context, ReadOnlySpan<byte> parameters)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(StateSlot);
        if (state.RecordRouteDone)
        {
            return DoubleRecordRoute(context);
        }

        if (!CanRecordRoute(context))
        {
            return -1;
        }

        state.RecordRouteParams.Clear();
        state.RecordRouteParams.AppendParameter(parameters);
        state.RecordRouteDone = true;
        state.Preset = false;
        return 1;
    }

    /// <inheritdoc cref="RecordRoute(ScriptContext, ReadOnlySpan{byte})"/>
    public int RecordRoute(ScriptContext context, ReadOnlySpan<char> parameters)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(parameters);
        Span<byte> bytes = count <= 512 ? stackalloc byte[count] : new byte[count];
        System.Text.Encoding.UTF8.GetBytes(parameters, bytes);
        return RecordRoute(context, bytes);
    }

    /// <summary><c>record_route()</c> without parameters.</summary>
    public int RecordRoute(ScriptContext context) => RecordRoute(context, ReadOnlySpan<byte>.Empty);

    /// <summary>
    /// <c>record_route_preset(uri[, uri2])</c>: our Record-Route names <paramref name="uri"/> (<c>host[:port][;params]</c>,
    /// written after <c>sip:</c>) instead of the interface, with <c>;ftag</c>, <c>;lr</c> and the <c>add_rr_param</c>
    /// parameters appended. A second address adds a second Record-Route below the first (double RR, which must be
    /// enabled). Returns 1, or -1 after a previous record_route in this message.
    /// </summary>
    public int RecordRoutePreset(ScriptContext context, ReadOnlySpan<char> uri, ReadOnlySpan<char> uri2 = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = context.GetState(StateSlot);
        if (state.RecordRouteDone)
        {
            return DoubleRecordRoute(context);
        }

        if (!uri2.IsEmpty && !EnableDoubleRr)
        {
            context.Host.CoreLogger.LogError("record_route_preset() with two addresses needs enable_double_rr");
            return -1;
        }

        state.Preset1.Clear();
        state.Preset1.Append(uri);
        state.Preset2.Clear();
        state.Preset2.Append(uri2);
        return RecordRoutePresetCore(context, state, !uri2.IsEmpty);
    }

    /// <summary>
    /// <c>add_rr_param(param)</c>: adds a URI parameter (<c>;name=value</c>) to our Record-Route, whether
    /// record_route was called before or is called later. Returns 1.
    /// </summary>
    public int AddRecordRouteParam(ScriptContext context, ReadOnlySpan<char> parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.GetState(StateSlot).AddedParams.AppendParameter(parameter);
        return 1;
    }

    /// <inheritdoc cref="AddRecordRouteParam(ScriptContext, ReadOnlySpan{char})"/>
    public int AddRecordRouteParam(ScriptContext context, ReadOnlySpan<byte> parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.GetState(StateSlot).AddedParams.AppendParameter(parameter);
        return 1;
    }

    /// <summary>True when record_route or record_route_preset was called for this message.</summary>
    public bool IsRecordRouted(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetState(StateSlot).RecordRouteDone;
    }

    /// <summary>
    /// Writes the Record-Route header(s) the script asked for into <paramref name="editor"/> (the forward hook calls this
    /// for each request sent, once <paramref name="outbound"/> is chosen). RFC 3261 §16.6 step 4: the value goes above
    /// any existing Record-Route. With double RR on and an outbound socket that differs from the inbound one (address,
    /// port or transport), two are written, both with <c>;r2=on</c>: the outbound interface on top, then the inbound
    /// one, so each side of the proxy routes back through the interface that faces it. Returns how many were written.
    /// </summary>
    public int WriteRecordRoutes(ScriptContext context, SipMessageEditor editor, SipListener outbound)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(editor);
        ArgumentNullException.ThrowIfNull(outbound);
        var msg = context.Message;
        if (msg is not { IsRequest: true })
        {
            return 0;
        }

        var state = context.GetState(StateSlot);
        if (!state.RecordRouteDone)
        {
            return 0;
        }

        ReadOnlySpan<byte> ftag = default;
        if (AppendFromTag && msg.TryGetFrom(out var from) && from.HasTag)
        {
            ftag = msg[from.Tag];
        }

        var user = AddUsername ? RecordRouteUser(context) : default;
        var scratch = state.Scratch;
        if (state.Preset)
        {
            BuildPreset(scratch, state.Preset1.Span, user, ftag, state.AddedParams.Span);
            editor.AddRecordRoute(scratch.Span);
            if (!state.DoublePreset)
            {
                return 1;
            }

            BuildPreset(scratch, state.Preset2.Span, user, ftag, state.AddedParams.Span);
            editor.AddRecordRoute(scratch.Span);
            return 2;
        }

        // OpenSIPS's single Record-Route names the sending interface; the inbound one is added only when it differs.
        var inbound = context.Source.Listener ?? outbound;
        var twice = EnableDoubleRr && DifferentRealm(inbound, outbound);
        Build(scratch, outbound, twice, user, ftag, state);
        editor.AddRecordRoute(scratch.Span);
        if (!twice)
        {
            return 1;
        }

        Build(scratch, inbound, r2: true, user, ftag, state);
        editor.AddRecordRoute(scratch.Span);
        return 2;
    }

    /// <summary>
    /// How many Record-Route values <see cref="WriteRecordRoutes"/> writes for this message when it leaves by
    /// <paramref name="outbound"/>: 0, 1 or 2 (dialog skips them when it reads the callee's route set from a 2xx).
    /// </summary>
    public int RecordRouteCount(ScriptContext context, SipListener outbound)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(outbound);
        var state = context.GetState(StateSlot);
        if (!state.RecordRouteDone || context.Message is not { IsRequest: true })
        {
            return 0;
        }

        if (state.Preset)
        {
            return state.DoublePreset ? 2 : 1;
        }

        return EnableDoubleRr && DifferentRealm(context.Source.Listener ?? outbound, outbound) ? 2 : 1;
    }

    /// <summary>
    /// The host part of our URI for a listener, as written in Record-Route: the bound address, IPv6 in brackets
    /// (RFC 3261 §25.1 IPv6reference) without a zone. Returns the bytes written.
    /// </summary>
    internal static int WriteHost(SipListener listener, Span<byte> destination)
    {
        Span<byte> text = stackalloc byte[SipEndPoint.MaxFormattedLength];
        listener.LocalEndPoint.TryFormat(text, out var n);
        var host = text[..text[..n].LastIndexOf((byte)':')]; // "addr" or "[v6%zone]" without ":port"
        var zone = host.IndexOf((byte)'%');
        if (zone < 0)
        {
            host.CopyTo(destination);
            return host.Length;
        }

        host[..zone].CopyTo(destination);
        destination[zone] = (byte)']';
        return zone + 1;
    }

    private static bool DifferentRealm(SipListener inbound, SipListener outbound) =>
        !ReferenceEquals(inbound, outbound)
        && (inbound.Transport != outbound.Transport || inbound.LocalEndPoint != outbound.LocalEndPoint);

    private void Build(ByteBuffer b, SipListener listener, bool r2, ReadOnlySpan<byte> user, ReadOnlySpan<byte> ftag, RrState state)
    {
        b.Clear();
        b.Append("<sip:"u8);
        if (!user.IsEmpty)
        {
            b.Append(user);
            b.Append((byte)'@');
        }

        Span<byte> host = stackalloc byte[SipEndPoint.MaxFormattedLength];
        b.Append(host[..WriteHost(listener, host)]);
        if (listener.LocalEndPoint.Port != TargetResolver.DefaultSipPort)
        {
            b.Append((byte)':');
            b.AppendInt(listener.LocalEndPoint.Port);
        }

        if (listener.Transport == Parley.Protocol.SipTransport.Tcp)
        {
            b.Append(";transport=tcp"u8);
        }

        if (r2)
        {
            b.Append(";r2=on"u8);
        }

        b.Append(EnableFullLr ? ";lr=on"u8 : ";lr"u8);
        if (!ftag.IsEmpty)
        {
            b.Append(";ftag="u8);
            b.Append(ftag);
        }

        b.Append(state.RecordRouteParams.Span);
        b.Append(state.AddedParams.Span);
        b.Append((byte)'>');
    }

    private void BuildPreset(ByteBuffer b, ReadOnlySpan<byte> preset, ReadOnlySpan<byte> user, ReadOnlySpan<byte> ftag, ReadOnlySpan<byte> added)
    {
        b.Clear();
        b.Append((byte)'<');

        // OpenSIPS writes "sip:" before the preset; tolerate a preset that already names its scheme.
        var colon = preset.IndexOf((byte)':');
        if (colon > 0 && (System.Text.Ascii.EqualsIgnoreCase(preset[..colon], "sip"u8) || System.Text.Ascii.EqualsIgnoreCase(preset[..colon], "sips"u8)))
        {
            b.Append(preset[..(colon + 1)]);
            preset = preset[(colon + 1)..];
        }
        else
        {
            b.Append("sip:"u8);
        }

        if (!user.IsEmpty)
        {
            b.Append(user);
            b.Append((byte)'@');
        }

        b.Append(preset);
        if (!ftag.IsEmpty)
        {
            b.Append(";ftag="u8);
            b.Append(ftag);
        }

        b.Append(EnableFullLr ? ";lr=on"u8 : ";lr"u8);
        b.Append(added);
        b.Append((byte)'>');
    }

    /// <summary>The user part for <c>add_username</c>: the original Request-URI's, else the new one's.</summary>
    private static ReadOnlySpan<byte> RecordRouteUser(ScriptContext context)
    {
        var msg = context.Msg;
        if (msg.TryGetRequestUri(out var original, out _) && !original.User.IsEmpty)
        {
            return msg[original.User];
        }

        if (context.RequestUriChanged && context.TryGetRequestUri(out var current) && !current.User.IsEmpty)
        {
            return context.RequestUriBuffer.Slice(current.User.Start, current.User.Length);
        }

        return default;
    }

    private int RecordRoutePresetCore(ScriptContext context, RrState state, bool twice)
    {
        if (!CanRecordRoute(context))
        {
            return -1;
        }

        state.RecordRouteDone = true;
        state.Preset = true;
        state.DoublePreset = twice;
        return 1;
    }

    private bool CanRecordRoute(ScriptContext context)
    {
        var msg = context.Msg;
        if (!msg.IsRequest)
        {
            return false;
        }

        if (AppendFromTag && !msg.TryGetFrom(out _))
        {
            context.Host.CoreLogger.LogError("record_route: the request has no valid From header for the ftag parameter");
            return false;
        }

        return true;
    }

    private static int DoubleRecordRoute(ScriptContext context)
    {
        context.Host.CoreLogger.LogError("record_route: double attempt to record-route the same request");
        return -1;
    }

    /// <summary>Writes the Record-Route(s) as each request leaves.</summary>
    private sealed class RecordRouteHook(RrModule module) : IRequestForwardHook
    {
        public void BeforeForward(ScriptContext context, SipMessageEditor editor, SipListener outbound) =>
            module.WriteRecordRoutes(context, editor, outbound);
    }
}
