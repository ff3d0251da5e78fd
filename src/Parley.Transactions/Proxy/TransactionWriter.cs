using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Parley.Protocol;
using Parley.Protocol.Uri;
using Parley.Scripting.Runtime;
using Parley.Transactions.Matching;

namespace Parley.Transactions.Proxy;

/// <summary>
/// <c>t_write_req</c> / <c>t_write_unix</c> (OpenSIPS <c>t_fifo.c</c>): hands a request to an external application
/// (voicemail, a logger) as twenty lines, each ended by <c>\n</c> — version <c>0.3</c>, <c>sip_request.</c>action,
/// method, Request-URI user and host, the receiving socket's address and port (<c>.</c> for 5060), the Request-URI,
/// the target for later requests, From, To, Call-ID, From tag, To tag, CSeq number, <c>hash:label</c>, the route set,
/// the next hop, the header block (<c>P-MsgFlags</c> plus the <c>tw_append</c> lines, ended by <c>.</c>) and the body
/// (INVITE, or with <c>$rb</c> in tw_append; <c>.</c> otherwise) — into a FIFO or a UNIX datagram socket.
/// </summary>
internal static class TransactionWriter
{
    /// <summary>OpenSIPS's <c>TWRITE_VERSION_S</c>.</summary>
    public const string Version = "0.3";

    private static readonly byte[] Empty = [(byte)'.'];

    /// <summary>
    /// How long opening the FIFO may take (OpenSIPS opens non-blocking and fails at once when nobody reads; here the
    /// open runs on a thread of its own, which a loaded machine may start late, so the wait is only paid on failure).
    /// </summary>
    public static TimeSpan FifoOpenTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The twenty lines for the request in <paramref name="context"/>; null with <paramref name="error"/> when it lacks what they need.</summary>
    public static byte[]? Assemble(ScriptContext context, TmTransaction tx, string action, TwAppend? append, out string? error)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(tx);
        var msg = context.Msg;
        if (!msg.IsRequest || !msg.TryGetFrom(out var from) || !msg.TryGetTo(out var to) || !msg.TryGetCSeq(out _) || msg.CallId.Length == 0)
        {
            error = "the request lacks From, To, Call-ID or CSeq";
            return null;
        }

        if (!context.TryGetRequestUri(out var ruri))
        {
            error = "the Request-URI does not parse";
            return null;
        }

        var uriBuffer = context.RequestUriBuffer;

        // The target of later requests: the caller's Contact, else (pre-3261) its From URI.
        ReadOnlySpan<byte> target = default;
        foreach (var contact in msg.Contacts)
        {
            if (!contact.IsStar)
            {
                target = msg[contact.Uri];
            }

            break;
        }

        if (target.IsEmpty)
        {
            target = msg[from.Uri];
        }

        // The route set from Record-Route, as OpenSIPS builds it: the first entry of the first header (when it is a
        // loose router) and every entry of the following headers; a strict first router becomes the target instead.
        var route = new StringBuilder();
        ReadOnlySpan<byte> nextHop = Empty;
        var firstHeader = -1;
        ReadOnlySpan<byte> firstUri = default;
        var looseFirst = false;
        var rr = msg.RecordRoutes;
        while (rr.MoveNext())
        {
            if (firstHeader < 0)
            {
                firstHeader = rr.HeaderIndex;
                firstUri = msg[rr.Current.Uri];
                looseFirst = SipUri.TryParse(firstUri, out var parsed, out _) && parsed.HasLr;
                if (looseFirst)
                {
                    AddRoute(route, firstUri);
                }

                continue;
            }

            if (rr.HeaderIndex != firstHeader)
            {
                AddRoute(route, msg[rr.Current.Uri]);
            }
        }

        if (firstHeader >= 0)
        {
            if (!looseFirst)
            {
                AddRoute(route, target);
                target = firstUri;
            }
            else
            {
                nextHop = firstUri;
            }
        }

        var headers = new ArrayBufferWriter<byte>(256);
        Write(headers, "P-MsgFlags: ");
        Span<byte> hex = stackalloc byte[16];
        var flags = context.Flags;
        var n = 0;
        do
        {
            var digit = (int)(flags & 0xF);
            hex[n++] = (byte)(digit < 10 ? '0' + digit : 'a' + digit - 10);
            flags >>= 4;
        }
        while (flags != 0);
        headers.Write(hex[..n]);
        headers.Write("\n"u8);
        if (append is not null)
        {
            foreach (var (name, value) in append.Elements)
            {
                var v = value.Get(context);
                if (v.IsNull)
                {
                    continue;
                }

                Write(headers, name);
                headers.Write(": "u8);
                Write(headers, v);
                headers.Write("\n"u8);
            }
        }

        headers.Write("."u8);

        var withBody = msg.Is(SipMethod.Invite) || append is { AddBody: true };
        var listener = context.Source.Listener;
        var output = new ArrayBufferWriter<byte>(1024);
        Line(output, Version);
        Line(output, "sip_request." + action);
        Line(output, msg[msg.MethodName]);
        Line(output, uriBuffer.Slice(ruri.User.Start, ruri.User.Length));
        Line(output, uriBuffer.Slice(ruri.Host.Start, ruri.Host.Length));
        Line(output, listener is null ? "." : listener.Address.Address.ToString());
        Line(output, listener is null || listener.LocalEndPoint.Port == 5060 ? "." : listener.LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture));
        Line(output, context.RequestUriText);
        Line(output, target.IsEmpty ? Empty : target);
        Line(output, Trim(msg[msg.Headers[msg.IndexOf(HeaderKind.From)].Value]));
        Line(output, Trim(msg[msg.Headers[msg.IndexOf(HeaderKind.To)].Value]));
        Line(output, msg[msg.CallId]);
        Line(output, from.HasTag ? msg[from.Tag] : default);
        Line(output, to.HasTag ? msg[to.Tag] : default);
        Line(output, CSeqNumber(msg));
        Line(output, string.Create(CultureInfo.InvariantCulture, $"{tx.Bucket}:{tx.Label}"));
        Line(output, route.Length == 0 ? "." : route.ToString());
        Line(output, nextHop);
        Line(output, headers.WrittenSpan);
        Line(output, withBody ? msg[msg.Body] : Empty);
        error = null;
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes into a FIFO with a reader (OpenSIPS fails when nobody reads: it opens non-blocking); null or why not.</summary>
    public static string? WriteToFifo(string path, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(data);
        try
        {
            if (!File.Exists(path))
            {
                return $"{path} does not exist";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e.Message;
        }

        // .NET cannot open with O_NONBLOCK: the open, which waits for a reader, runs on a thread of its own and is given
        // up after a short time (the pending open is then released by opening the FIFO for reading ourselves).
        var write = Task.Factory.StartNew(() =>
        {
            using var fifo = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            if (fifo.CanSeek)
            {
                return $"{path} is not a FIFO";
            }

            fifo.Write(data); // one write(2): atomic up to PIPE_BUF, as OpenSIPS's writev
            return null;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (write.Wait(FifoOpenTimeout))
            {
                return write.Result;
            }
        }
        catch (AggregateException e)
        {
            return e.InnerException?.Message ?? e.Message;
        }

        Release(path, write);
        return $"nobody is reading {path}";
    }

    private static void Release(string path, Task<string?> write)
    {
        _ = write.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        try
        {
            using var unblock = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone or not ours: nothing more to do.
        }
    }

    /// <summary>Sends one datagram to a UNIX socket, waiting at most <paramref name="timeout"/> (<c>unix_tx_timeout</c>); null or why not.</summary>
    public static string? WriteToUnixSocket(string path, byte[] data, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(data);
        if (path.Length == 0)
        {
            return "empty socket name";
        }

        if (Encoding.UTF8.GetByteCount(path) > 107)
        {
            return "socket name too long";
        }

        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.SendTimeout = Math.Max(1, (int)timeout.TotalMilliseconds);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            socket.Send(data);
            return null;
        }
        catch (SocketException e)
        {
            return e.Message;
        }
    }

    private static void AddRoute(StringBuilder route, ReadOnlySpan<byte> uri)
    {
        if (route.Length > 0)
        {
            route.Append(',');
        }

        route.Append('<').Append(Encoding.UTF8.GetString(uri)).Append('>');
    }

    private static ReadOnlySpan<byte> CSeqNumber(SipMessage msg)
    {
        var value = Trim(msg[msg.Headers[msg.IndexOf(HeaderKind.CSeq)].Value]);
        var end = value.IndexOfAny((byte)' ', (byte)'\t');
        return end < 0 ? value : value[..end];
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value) => value.Trim(" \t\r\n"u8);

    private static void Line(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> value)
    {
        output.Write(value);
        output.Write("\n"u8);
    }

    private static void Line(ArrayBufferWriter<byte> output, string value)
    {
        Write(output, value);
        output.Write("\n"u8);
    }

    private static void Write(ArrayBufferWriter<byte> output, string value)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        output.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    private static void Write(ArrayBufferWriter<byte> output, in ScriptValue value)
    {
        if (value.Kind == ScriptValueKind.Bytes)
        {
            output.Write(value.Utf8Bytes);
        }
        else
        {
            Write(output, value.AsString());
        }
    }
}
