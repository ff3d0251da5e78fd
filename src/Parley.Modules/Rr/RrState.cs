using System.Text;
using Parley.Scripting.Runtime;

namespace Parley.Modules.Rr;

/// <summary>
/// What rr knows about the message being handled: the parameters of our Route that <c>loose_route</c> consumed, and
/// the Record-Route intent (<c>record_route</c>, <c>record_route_preset</c>, <c>add_rr_param</c>) that the forward hook
/// turns into header lines once the outbound socket is known. Buffers are kept across messages, so a warmed-up worker
/// allocates nothing here.
/// </summary>
internal sealed class RrState : IContextState
{
    /// <summary>The URI parameters of our Route, with their leading ';' (<c>;lr;ftag=a;did=b</c>).</summary>
    public ByteBuffer RouteParams { get; } = new();

    /// <summary>True once loose_route consumed a Route (or Request-URI) of ours.</summary>
    public bool HasRouteParams { get; set; }

    /// <summary>Set by record_route or record_route_preset: a second call in the same message fails, as in OpenSIPS.</summary>
    public bool RecordRouteDone { get; set; }

    /// <summary>record_route_preset was used: <see cref="Preset1"/> (and <see cref="Preset2"/>) replace the interface addresses.</summary>
    public bool Preset { get; set; }

    public bool DoublePreset { get; set; }

    public ByteBuffer Preset1 { get; } = new();

    public ByteBuffer Preset2 { get; } = new();

    /// <summary>The parameter of <c>record_route(params)</c>, starting with ';'.</summary>
    public ByteBuffer RecordRouteParams { get; } = new();

    /// <summary>Parameters from <c>add_rr_param</c>, before or after record_route, each starting with ';'.</summary>
    public ByteBuffer AddedParams { get; } = new();

    /// <summary>Scratch space to build a Record-Route value.</summary>
    public ByteBuffer Scratch { get; } = new();

    /// <summary>Route parameters as characters, for check_route_param's regular expression.</summary>
    public char[] Chars { get; set; } = new char[128];

    public void Reset()
    {
        RouteParams.Clear();
        HasRouteParams = false;
        RecordRouteDone = false;
        Preset = false;
        DoublePreset = false;
        Preset1.Clear();
        Preset2.Clear();
        RecordRouteParams.Clear();
        AddedParams.Clear();
    }
}

/// <summary>A growable byte buffer reused across messages.</summary>
internal sealed class ByteBuffer
{
    private byte[] _data = new byte[128];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _data.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _data.AsMemory(0, Length);

    public byte[] Array => _data;

    public void Clear() => Length = 0;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_data.AsSpan(Length));
        Length += bytes.Length;
    }

    public void Append(byte b)
    {
        Ensure(1);
        _data[Length++] = b;
    }

    public void Append(ReadOnlySpan<char> chars)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(chars.Length));
        Length += Encoding.UTF8.GetBytes(chars, _data.AsSpan(Length));
    }

    public void AppendInt(int value)
    {
        Ensure(11);
        value.TryFormat(_data.AsSpan(Length), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        Length += written;
    }

    /// <summary>Appends a URI parameter string, adding the leading ';' a script may have left out.</summary>
    public void AppendParameter(ReadOnlySpan<byte> parameter)
    {
        if (parameter.IsEmpty)
        {
            return;
        }

        if (parameter[0] != (byte)';')
        {
            Append((byte)';');
        }

        Append(parameter);
    }

    /// <summary>Appends a URI parameter string given as characters, adding a missing leading ';'.</summary>
    public void AppendParameter(ReadOnlySpan<char> parameter)
    {
        if (parameter.IsEmpty)
        {
            return;
        }

        if (parameter[0] != ';')
        {
            Append((byte)';');
        }

        Append(parameter);
    }

    private void Ensure(int more)
    {
        if (Length + more > _data.Length)
        {
            System.Array.Resize(ref _data, Math.Max(_data.Length * 2, Length + more));
        }
    }
}
