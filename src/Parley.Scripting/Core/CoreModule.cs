using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;
using Parley.Scripting.Runtime.PseudoVariables;
using Parley.Scripting.Runtime.Transformations;
using Parley.Transport;

namespace Parley.Scripting.Core;

/// <summary>
/// The core functions every script has without a <c>loadmodule</c>: logging, flags, Request-URI and destination
/// changes, branches, stateless forwarding, <c>myself</c> checks. Each has a typed static API used by the script
/// binding and by tests.
/// </summary>
public sealed class CoreModule : ScriptModule
{
    public override string Name => "core";

    public override void Register(ScriptRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        const RouteMask messages = RouteMask.AnyMessage;
        const RouteMask requests = RouteMask.AnyRequest;

        registry.AddFunction(new("xlog", 1, 2, RouteMask.All, b => BindLog(b, LogLevel.Error)));
        registry.AddFunction(new("log", 1, 2, RouteMask.All, b => BindLog(b, LogLevel.Debug)));

        registry.AddFunction(new("setflag", 1, 1, messages, b => BindFlag(b, static (c, bit) => { c.Flags |= 1UL << bit; return 1; })));
        registry.AddFunction(new("resetflag", 1, 1, messages, b => BindFlag(b, static (c, bit) => { c.Flags &= ~(1UL << bit); return 1; })));
        registry.AddFunction(new("isflagset", 1, 1, messages, b => BindFlag(b, static (c, bit) => (c.Flags & (1UL << bit)) != 0 ? 1 : -1)));
        registry.AddFunction(new("setbflag", 1, 2, messages, b => BindBranchFlag(b, static (c, idx, bit) => SetBranchFlag(c, idx, bit, true))));
        registry.AddFunction(new("resetbflag", 1, 2, messages, b => BindBranchFlag(b, static (c, idx, bit) => SetBranchFlag(c, idx, bit, false))));
        registry.AddFunction(new("isbflagset", 1, 2, messages, b => BindBranchFlag(b, static (c, idx, bit) => IsBranchFlagSet(c, idx, bit) ? 1 : -1)));

        registry.AddFunction(new("seturi", 1, 1, requests, b => BindString(b, 0, static (c, v) => SetUri(c, v))));
        registry.AddFunction(new("rewriteuri", 1, 1, requests, b => BindString(b, 0, static (c, v) => SetUri(c, v))));
        registry.AddFunction(new("rewriteuser", 1, 1, requests, b => BindString(b, 0, static (c, v) => RewriteUriPart(c, UriPart.User, v))));
        registry.AddFunction(new("rewritehost", 1, 1, requests, b => BindString(b, 0, static (c, v) => RewriteUriPart(c, UriPart.Host, v))));
        registry.AddFunction(new("rewritehostport", 1, 1, requests, b => BindString(b, 0, static (c, v) => RewriteUriPart(c, UriPart.HostPort, v))));
        registry.AddFunction(new("rewriteport", 1, 1, requests, b => BindString(b, 0, static (c, v) => RewriteUriPart(c, UriPart.Port, v))));
        registry.AddFunction(new("prefix", 1, 1, requests, b => BindString(b, 0, static (c, v) => Prefix(c, v))));
        registry.AddFunction(new("strip", 1, 1, requests, b => BindInt(b, 0, static (c, n) => Strip(c, (int)n, tail: false))));
        registry.AddFunction(new("strip_tail", 1, 1, requests, b => BindInt(b, 0, static (c, n) => Strip(c, (int)n, tail: true))));
        registry.AddFunction(new("revert_uri", 0, 0, requests, static _ => static c => RevertUri(c)));
        registry.AddFunction(new("setdsturi", 1, 1, requests, b => BindString(b, 0, static (c, v) => { c.DestinationUri = v; return 1; })));
        registry.AddFunction(new("resetdsturi", 0, 0, requests, static _ => static c => { c.DestinationUri = null; return 1; }));
        registry.AddFunction(new("isdsturiset", 0, 0, requests, static _ => static c => c.DestinationUri is null ? -1 : 1));

        registry.AddFunction(new("append_branch", 0, 2, RouteMask.Request | RouteMask.Failure, BindAppendBranch));
        registry.AddFunction(new("forward", 0, 1, RouteMask.Request | RouteMask.Failure | RouteMask.Branch, BindForward));
        registry.AddFunction(new("send", 1, 2, messages, BindSend));
        registry.AddFunction(new("force_send_socket", 1, 1, requests, BindForceSocket));
        registry.AddFunction(new("is_myself", 1, 2, RouteMask.All, BindIsMyself));

        registry.AddPseudoVariable("param", BindParam);
        CorePseudoVariables.Register(registry);
        CoreTransformations.Register(registry);
    }

    // ------------------------------------------------------------------ logging

    private static ScriptFunctionBody? BindLog(FunctionBinder binder, LogLevel defaultLevel)
    {
        var level = defaultLevel;
        var formatIndex = 0;
        if (binder.Count == 2)
        {
            if (!binder.TryGetConstantString(0, out var name))
            {
                return null;
            }

            if (!TryLogLevel(name, out level))
            {
                binder.Error(0, $"unknown log level '{name}'; use L_ALERT, L_CRIT, L_ERR, L_WARN, L_NOTICE, L_INFO or L_DBG (or -3..4)");
                return null;
            }

            formatIndex = 1;
        }

        var format = binder.Argument(formatIndex);
        if (format is null)
        {
            binder.Error(formatIndex, $"{binder.FunctionName}() needs a message");
            return null;
        }

        var evaluate = format.Evaluate;
        return context =>
        {
            var logger = context.Host.ScriptLogger;
            if (logger.IsEnabled(level))
            {
                var text = evaluate(context).AsString().TrimEnd('\n', '\r');
#pragma warning disable CA1848, CA2254 // the script's own text is the message
                logger.Log(level, "{Message}", text);
#pragma warning restore CA1848, CA2254
            }

            return 1;
        };
    }

    /// <summary>OpenSIPS's log level names and numbers (L_ALERT -3 … L_DBG 4).</summary>
    public static bool TryLogLevel(string name, out LogLevel level)
    {
        ArgumentNullException.ThrowIfNull(name);
        level = name switch
        {
            "L_ALERT" or "-3" or "L_CRIT" or "-2" => LogLevel.Critical,
            "L_ERR" or "-1" => LogLevel.Error,
            "L_WARN" or "1" => LogLevel.Warning,
            "L_NOTICE" or "2" or "L_INFO" or "3" => LogLevel.Information,
            "L_DBG" or "4" => LogLevel.Debug,
            _ => LogLevel.None,
        };
        return level != LogLevel.None;
    }

    // ------------------------------------------------------------------ flags

    private static ScriptFunctionBody? BindFlag(FunctionBinder binder, Func<ScriptContext, int, int> action)
    {
        var bit = binder.Flag(0);
        return bit < 0 ? null : context => action(context, bit);
    }

    private static ScriptFunctionBody? BindBranchFlag(FunctionBinder binder, Func<ScriptContext, int, int, int> action)
    {
        var bit = binder.Flag(0, branchFlag: true);
        if (bit < 0)
        {
            return null;
        }

        if (binder.Count == 2)
        {
            var index = binder.IntArgument(1);
            return index is null ? null : context => action(context, (int)index(context).AsInt(), bit);
        }

        return context => action(context, 0, bit);
    }

    /// <summary>Sets or clears branch flag <paramref name="bit"/> of branch <paramref name="index"/> (0: the Request-URI).</summary>
    public static int SetBranchFlag(ScriptContext context, int index, int bit, bool set)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (index == 0)
        {
            context.BranchFlags = set ? context.BranchFlags | (1UL << bit) : context.BranchFlags & ~(1UL << bit);
            return 1;
        }

        if (index < 1 || index > context.Branches.Count)
        {
            return -1;
        }

        var branch = context.Branches[index - 1];
        branch.Flags = set ? branch.Flags | (1UL << bit) : branch.Flags & ~(1UL << bit);
        return 1;
    }

    public static bool IsBranchFlagSet(ScriptContext context, int index, int bit)
    {
        ArgumentNullException.ThrowIfNull(context);
        var flags = index == 0 ? context.BranchFlags : index >= 1 && index <= context.Branches.Count ? context.Branches[index - 1].Flags : 0;
        return (flags & (1UL << bit)) != 0;
    }

    // ------------------------------------------------------------------ Request-URI

    private enum UriPart
    {
        User,
        Host,
        HostPort,
        Port,
    }

    private static ScriptFunctionBody? BindString(FunctionBinder binder, int index, Func<ScriptContext, string, int> action)
    {
        var argument = binder.Argument(index);
        if (argument is null)
        {
            binder.Error(index, $"{binder.FunctionName}() needs argument {index + 1}");
            return null;
        }

        var evaluate = argument.Evaluate;
        return context => action(context, evaluate(context).AsString());
    }

    private static ScriptFunctionBody? BindInt(FunctionBinder binder, int index, Func<ScriptContext, long, int> action)
    {
        var evaluate = binder.IntArgument(index);
        return evaluate is null ? null : context => action(context, evaluate(context).AsInt());
    }

    /// <summary><c>seturi</c>/<c>rewriteuri</c>: replaces the Request-URI; -1 when the text is not a URI.</summary>
    public static int SetUri(ScriptContext context, string uri)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(uri);
        if (!SipUri.TryParse(Encoding.UTF8.GetBytes(uri), out _, out _))
        {
            return -1;
        }

        context.SetRequestUri(uri);
        return 1;
    }

    private static int RewriteUriPart(ScriptContext context, UriPart part, string value)
    {
        if (!context.TryGetRequestUri(out var uri))
        {
            return -1;
        }

        var text = context.RequestUriText;
        var buffer = context.RequestUriBuffer;
        var baseOffset = Offset(text, buffer);
        var builder = new StringBuilder(text.Length + value.Length);
        var scheme = Slice(text, uri.SchemeRange, baseOffset);
        builder.Append(Encoding.UTF8.GetString(scheme)).Append(':');
        var user = uri.HasUserInfo ? Encoding.UTF8.GetString(Slice(text, uri.User, baseOffset)) : null;
        var password = uri.HasPassword ? Encoding.UTF8.GetString(Slice(text, uri.Password, baseOffset)) : null;
        var host = Encoding.UTF8.GetString(Slice(text, uri.Host, baseOffset));
        var port = uri.Port > 0 ? uri.Port.ToString(CultureInfo.InvariantCulture) : null;
        switch (part)
        {
            case UriPart.User:
                user = value.Length == 0 ? null : value;
                password = value.Length == 0 ? null : password;
                break;
            case UriPart.Host:
                host = value;
                break;
            case UriPart.HostPort:
                var colon = value.LastIndexOf(':');
                (host, port) = colon > 0 && !value.EndsWith(']') ? (value[..colon], value[(colon + 1)..]) : (value, null);
                break;
            default:
                port = value.Length == 0 || value == "0" ? null : value;
                break;
        }

        if (user is not null)
        {
            builder.Append(user);
            if (password is not null)
            {
                builder.Append(':').Append(password);
            }

            builder.Append('@');
        }

        builder.Append(host);
        if (port is not null)
        {
            builder.Append(':').Append(port);
        }

        // Parameters and headers follow the host[:port] unchanged.
        var hostEnd = uri.Host.End - baseOffset;
        var restStart = hostEnd;
        if (uri.Port > 0)
        {
            var colonAt = text[hostEnd..].IndexOf((byte)':');
            restStart = hostEnd + (colonAt >= 0 ? colonAt + 1 : 0);
            while (restStart < text.Length && char.IsAsciiDigit((char)text[restStart]))
            {
                restStart++;
            }
        }

        builder.Append(Encoding.UTF8.GetString(text[restStart..]));
        return SetUri(context, builder.ToString());
    }

    /// <summary>The start of <paramref name="text"/> inside <paramref name="buffer"/> (URI ranges index the buffer).</summary>
    private static int Offset(ReadOnlySpan<byte> text, ReadOnlySpan<byte> buffer)
    {
        if (text.Length == buffer.Length)
        {
            return 0;
        }

        return buffer.Overlaps(text, out var offset) ? offset : 0;
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> text, Parley.Protocol.ByteRange range, int baseOffset) =>
        text.Slice(range.Start - baseOffset, range.Length);

    /// <summary><c>prefix(s)</c>: puts <paramref name="prefix"/> before the Request-URI's user part.</summary>
    public static int Prefix(ScriptContext context, string prefix)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.TryGetRequestUri(out var uri))
        {
            return -1;
        }

        var text = context.RequestUriText;
        var baseOffset = Offset(text, context.RequestUriBuffer);
        var userStart = uri.HasUserInfo ? uri.User.Start - baseOffset : uri.Host.Start - baseOffset;

        // "sip:alice@host" → "sip:<prefix>alice@host"; "sip:host" → "sip:<prefix>@host".
        var result = Encoding.UTF8.GetString(text[..userStart]) + prefix + (uri.HasUserInfo ? string.Empty : "@") + Encoding.UTF8.GetString(text[userStart..]);
        return SetUri(context, result);
    }

    /// <summary><c>strip(n)</c> / <c>strip_tail(n)</c>: removes n characters from the start or end of the user part.</summary>
    public static int Strip(ScriptContext context, int count, bool tail)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (count < 0 || !context.TryGetRequestUri(out var uri) || !uri.HasUserInfo)
        {
            return -1;
        }

        var text = context.RequestUriText;
        var baseOffset = Offset(text, context.RequestUriBuffer);
        var user = Encoding.UTF8.GetString(Slice(text, uri.User, baseOffset));
        if (count > user.Length)
        {
            return -1;
        }

        var stripped = tail ? user[..^count] : user[count..];
        return RewriteUriPart(context, UriPart.User, stripped);
    }

    /// <summary><c>revert_uri()</c>: back to the Request-URI the request arrived with.</summary>
    public static int RevertUri(ScriptContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.ResetRequestUri();
        return 1;
    }

    // ------------------------------------------------------------------ branches, forwarding, sockets

    private static ScriptFunctionBody? BindAppendBranch(FunctionBinder binder)
    {
        var uri = binder.IsMissing(0) ? null : binder.Argument(0)!.Evaluate;
        ScriptEvaluator? q = binder.IsMissing(1) ? null : binder.Argument(1)!.Evaluate;
        return context => AppendBranch(context, uri?.Invoke(context).AsString(), q is null ? -1 : ParseQ(q(context).AsString()));
    }

    /// <summary>q as OpenSIPS keeps it: 0–1000 (for "0.5" → 500), -1 when absent or malformed.</summary>
    public static int ParseQ(string q) =>
        double.TryParse(q, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 1 ? (int)Math.Round(v * 1000) : -1;

    /// <summary><c>append_branch([uri[, q]])</c>: a new branch; without a URI, the current Request-URI and $du.</summary>
    public static int AppendBranch(ScriptContext context, string? uri, int q)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Branches.Count >= 12)
        {
            return -1; // OpenSIPS's MAX_BRANCHES
        }

        var branch = uri is null
            ? new ScriptBranch(Encoding.UTF8.GetString(context.RequestUriText)) { DestinationUri = context.DestinationUri, Flags = context.BranchFlags, Socket = context.ForcedSocket }
            : new ScriptBranch(uri);
        branch.Q = q;
        context.Branches.Add(branch);
        return 1;
    }

    private static ScriptFunctionBody? BindForward(FunctionBinder binder)
    {
        if (binder.IsMissing(0))
        {
            return static context => StatelessForwarder.Forward(context, null);
        }

        var argument = binder.Argument(0)!;
        if (argument.IsConstant && !NextHop.TryParse(argument.Constant.AsString(), out _))
        {
            binder.Error(0, $"bad destination '{argument.Constant.AsString()}': expected a SIP URI or [proto:]host[:port]");
            return null;
        }

        var evaluate = argument.Evaluate;
        return context => StatelessForwarder.Forward(context, evaluate(context).AsString());
    }

    private static ScriptFunctionBody? BindSend(FunctionBinder binder)
    {
        var destination = binder.Argument(0);
        if (destination is null)
        {
            binder.Error(0, "send() needs a destination such as \"udp:10.0.0.1:5060\"");
            return null;
        }

        if (destination.IsConstant && !NextHop.TryParse(destination.Constant.AsString(), out _))
        {
            binder.Error(0, $"bad destination '{destination.Constant.AsString()}': expected a SIP URI or [proto:]host[:port]");
            return null;
        }

        var headers = binder.IsMissing(1) ? null : binder.Argument(1)!.Evaluate;
        var evaluate = destination.Evaluate;
        return context => StatelessForwarder.Send(context, evaluate(context).AsString(), headers?.Invoke(context).AsString());
    }

    private static ScriptFunctionBody? BindForceSocket(FunctionBinder binder)
    {
        var argument = binder.Argument(0);
        if (argument is null)
        {
            binder.Error(0, "force_send_socket() needs a socket such as \"udp:127.0.0.1:5060\"");
            return null;
        }

        if (argument.IsConstant && !ListenAddress.TryParse(argument.Constant.AsString(), out _, out var error))
        {
            binder.Error(0, $"bad socket '{argument.Constant.AsString()}': {error}");
            return null;
        }

        var evaluate = argument.Evaluate;
        return context => ForceSendSocket(context, evaluate(context).AsString());
    }

    /// <summary><c>force_send_socket("proto:ip:port")</c>: sends from that listening socket; -1 when Parley does not listen there.</summary>
    public static int ForceSendSocket(ScriptContext context, string socket)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ListenAddress.TryParse(socket, out var address, out _))
        {
            return -1;
        }

        foreach (var listener in context.Host.Listeners)
        {
            if (listener.Address.Equals(address) || (listener.Transport == address.Transport && listener.LocalEndPoint.Equals(address.EndPoint)))
            {
                context.ForcedSocket = listener;
                return 1;
            }
        }

        return -1;
    }

    private static ScriptFunctionBody? BindIsMyself(FunctionBinder binder)
    {
        var host = binder.Argument(0)!.Evaluate;
        var port = binder.IsMissing(1) ? null : binder.IntArgument(1);
        if (binder.Count == 2 && port is null)
        {
            return null;
        }

        return context =>
        {
            var text = Encoding.UTF8.GetBytes(host(context).AsString());
            var p = port is null ? 0 : (int)port(context).AsInt();
            return (p == 0 ? context.Host.IsMyselfHost(text) : context.Host.IsMyself(text, p)) ? 1 : -1;
        };
    }

    // ------------------------------------------------------------------ $param(i)

    private static PvAccessor? BindParam(PvBindRequest request)
    {
        if (string.IsNullOrEmpty(request.Argument))
        {
            request.Error($"{request.Text}: $param needs the position of a route argument, from 1 (e.g. $param(1)), or the name of an event attribute");
            return null;
        }

        if (!int.TryParse(request.Argument, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            // event_route: an attribute of the event by name.
            var name = request.Argument;
            return new PvAccessor(request.Text, context =>
            {
                if (context.EventParameters is { } attributes)
                {
                    foreach (var attribute in attributes)
                    {
                        if (attribute.Name == name)
                        {
                            return attribute.Value;
                        }
                    }
                }

                return ScriptValue.Null;
            });
        }

        if (index < 1)
        {
            request.Error($"{request.Text}: $param positions start at 1, e.g. $param(1)");
            return null;
        }

        return new PvAccessor(request.Text, context =>
            context.RouteArguments is { } args
                ? (index <= args.Length ? args[index - 1] : ScriptValue.Null)
                : context.EventParameters is { } attributes && index <= attributes.Count ? attributes[index - 1].Value : ScriptValue.Null);
    }
}
