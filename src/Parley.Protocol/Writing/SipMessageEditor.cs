using System.Buffers.Text;
using Parley.Protocol.Headers;

namespace Parley.Protocol.Writing;

/// <summary>
/// Records proxy edits against a parsed message and writes the result: untouched bytes are copied from the original
/// buffer, never re-serialised (as OpenSIPS's and Kamailio's lumps). Reusable: <see cref="Reset"/> per message, no
/// allocation once its scratch space has grown to the size of typical edits.
/// </summary>
public sealed class SipMessageEditor
{
    private Edit[] _edits = new Edit[16];
    private int _count;
    private byte[] _scratch = new byte[1024];
    private int _scratchLength;
    private SipMessage _message = new();
    private int _contentLengthDelta;
    private bool _bodyReplaced;
    private int _trailerStart;
    private int _trailerLength;

    /// <param name="IsLine">A whole header line inserted between lines, as opposed to an edit inside a line.</param>
    private readonly record struct Edit(int Position, int DeleteLength, int DataStart, int DataLength, int Sequence, bool IsLine);

    public SipMessage Message => _message;

    public int EditCount => _count;

    public void Reset(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _message = message;
        _count = 0;
        _scratchLength = 0;
        _contentLengthDelta = 0;
        _bodyReplaced = false;
        _trailerStart = 0;
        _trailerLength = 0;
    }

    public void Insert(int position, ReadOnlySpan<byte> data) => Add(position, 0, data);

    public void Delete(ByteRange range) => Add(range.Start, range.Length, default);

    public void Replace(ByteRange range, ReadOnlySpan<byte> data) => Add(range.Start, range.Length, data);

    /// <summary>
    /// Inserts whole header lines, written by the caller with their CRLFs (<c>append_hf("X-A: 1\r\n")</c>), at a line
    /// boundary: <see cref="SipMessage.HeadersStart"/>, <see cref="SipMessage.HeadersEnd"/>, or the start or end of a
    /// header's <see cref="HeaderField.Line"/>. They are placed as <see cref="AddHeader"/>'s lines are, so an unterminated
    /// last line is completed before them.
    /// </summary>
    public void InsertLines(int position, ReadOnlySpan<byte> lines)
    {
        if (position < _message.Start || position > _message.End)
        {
            throw new ArgumentOutOfRangeException(nameof(position), "The edit lies outside the message.");
        }

        EnsureScratch(lines.Length);
        lines.CopyTo(_scratch.AsSpan(_scratchLength));
        AddEdit(position, 0, _scratchLength, lines.Length, isLine: true);
        _scratchLength += lines.Length;
    }

    /// <summary>Adds <c>name: value</c> at the end of the header section.</summary>
    public void AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => InsertHeaderLine(_message.HeadersEnd, name, value);

    /// <summary>Adds <c>name: value</c> as the first header line.</summary>
    public void PrependHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => InsertHeaderLine(_message.HeadersStart, name, value);

    public void RemoveHeader(int index) => Delete(_message.Headers[index].Line);

    public void ReplaceHeaderValue(int index, ReadOnlySpan<byte> value) => Replace(_message.Headers[index].Value, value);

    /// <summary>Removes every header named <paramref name="name"/>; returns how many.</summary>
    public int RemoveHeaders(ReadOnlySpan<byte> name)
    {
        var kind = HeaderNames.Lookup(name);
        var removed = 0;
        var headers = _message.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            if (kind != HeaderKind.Other ? headers[i].Kind == kind
                : headers[i].Kind == HeaderKind.Other && System.Text.Ascii.EqualsIgnoreCase(_message[headers[i].Name], name))
            {
                Delete(headers[i].Line);
                removed++;
            }
        }

        return removed;
    }

    public void SetRequestUri(ReadOnlySpan<byte> uri)
    {
        if (!_message.IsRequest)
        {
            throw new InvalidOperationException("A response has no Request-URI.");
        }

        Replace(_message.RequestUri, uri);
    }

    /// <summary>Adds a Via value above all others (RFC 3261 §16.6 step 8).</summary>
    public void PushVia(ReadOnlySpan<byte> viaValue)
    {
        var first = _message.IndexOf(HeaderKind.Via);
        InsertHeaderLine(first >= 0 ? _message.Headers[first].Line.Start : _message.HeadersStart, "Via"u8, viaValue);
    }

    /// <summary>Removes the topmost Via value (RFC 3261 §16.7 step 3), keeping the others of its line.</summary>
    public bool PopVia()
    {
        var vias = _message.Vias;
        if (!vias.MoveNext())
        {
            return false;
        }

        RemoveFirstListValue(vias.HeaderIndex, vias.Current.Value);
        return true;
    }

    /// <summary>Removes the topmost Route value (RFC 3261 §16.4, §16.12).</summary>
    public bool PopRoute()
    {
        var routes = _message.Routes;
        if (!routes.MoveNext())
        {
            return false;
        }

        RemoveFirstListValue(routes.HeaderIndex, routes.Current.Value);
        return true;
    }

    /// <summary>
    /// Removes values of a list header of name-addrs (Route, Record-Route, Contact) by position: 0 is the first value
    /// of the message, counting across lines in order. Other values keep their lines and text; a line whose values are
    /// all removed goes entirely. <paramref name="positions"/> must be ascending and distinct; positions past the end
    /// (or past a malformed value) are ignored. Returns how many values were removed. Unlike calling
    /// <see cref="PopRoute"/> twice, this can remove the second value, the last one, or several at once, because it
    /// computes one deletion per run of adjacent removed values (the editor refuses overlapping edits).
    /// </summary>
    public int RemoveListValues(HeaderKind kind, ReadOnlySpan<int> positions)
    {
        if (kind is not (HeaderKind.Route or HeaderKind.RecordRoute or HeaderKind.Contact))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only Route, Record-Route and Contact hold name-addr lists.");
        }

        for (var i = 1; i < positions.Length; i++)
        {
            if (positions[i] <= positions[i - 1])
            {
                throw new ArgumentException("Positions must be ascending and distinct.", nameof(positions));
            }
        }

        if (positions.IsEmpty)
        {
            return 0;
        }

        var values = new NameAddressEnumerator(_message, kind);
        var next = 0;
        var removed = 0;
        var line = -1;
        var lineHasKept = false;
        var inRun = false;
        var runStart = 0;
        var runEnd = 0;
        var keptEnd = 0;
        for (var position = 0; values.MoveNext(); position++)
        {
            if (values.HeaderIndex != line)
            {
                if (line >= 0)
                {
                    EndRun(line, lineHasKept, inRun, keptEnd, runEnd);
                }

                line = values.HeaderIndex;
                lineHasKept = false;
                inRun = false;
            }

            var value = values.Current.Value;
            if (next < positions.Length && positions[next] == position)
            {
                next++;
                removed++;
                if (!inRun)
                {
                    inRun = true;
                    runStart = value.Start;
                }

                runEnd = value.End;
                continue;
            }

            if (inRun)
            {
                // A run that starts the line takes the separator after it; a later run takes the separator before it.
                Delete(lineHasKept ? ByteRange.FromBounds(keptEnd, runEnd) : ByteRange.FromBounds(runStart, value.Start));
                inRun = false;
            }

            lineHasKept = true;
            keptEnd = value.End;
        }

        if (line >= 0)
        {
            EndRun(line, lineHasKept, inRun, keptEnd, runEnd);
        }

        return removed;
    }

    private void EndRun(int headerIndex, bool lineHasKept, bool inRun, int keptEnd, int runEnd)
    {
        if (!inRun)
        {
            return;
        }

        if (lineHasKept)
        {
            Delete(ByteRange.FromBounds(keptEnd, runEnd));
        }
        else
        {
            Delete(_message.Headers[headerIndex].Line); // every value of the line goes, so does the line
        }
    }

    /// <summary>Adds a Record-Route value above any existing one (RFC 3261 §16.6 step 4).</summary>
    public void AddRecordRoute(ReadOnlySpan<byte> value)
    {
        var first = _message.IndexOf(HeaderKind.RecordRoute);
        InsertHeaderLine(first >= 0 ? _message.Headers[first].Line.Start : _message.HeadersStart, "Record-Route"u8, value);
    }

    /// <summary>RFC 3261 §16.6 step 3: decrement Max-Forwards, or add it with 70 when absent.</summary>
    public void DecrementMaxForwards()
    {
        var index = _message.IndexOf(HeaderKind.MaxForwards);
        if (index < 0)
        {
            AddHeader("Max-Forwards"u8, "70"u8);
            return;
        }

        var current = _message.MaxForwards;
        Span<byte> digits = stackalloc byte[11];
        Utf8Formatter.TryFormat(Math.Max(0, current - 1), digits, out var written);
        ReplaceHeaderValue(index, digits[..written]);
    }

    /// <summary>
    /// RFC 3261 §18.2.1 and RFC 3581 §4: on the top Via, add <c>received</c> when the sent-by host is not the source
    /// address (or when rport was asked for), and fill in an empty <c>rport</c> with the source port.
    /// </summary>
    public void AddReceived(ReadOnlySpan<byte> sourceAddress, int sourcePort)
    {
        if (!_message.TryGetTopVia(out var via))
        {
            return;
        }

        var fillRport = via.HasRport && via.Rport < 0;
        if (fillRport)
        {
            Span<byte> eq = stackalloc byte[6];
            eq[0] = (byte)'=';
            Utf8Formatter.TryFormat(sourcePort, eq[1..], out var n);
            Insert(via.RportEnd, eq[..(n + 1)]);
        }

        var host = _message[via.Host];
        if (host.Length > 2 && host[0] == '[')
        {
            host = host[1..^1]; // an IPv6 reference compares with the bare address that received= carries
        }

        if (!fillRport && System.Text.Ascii.EqualsIgnoreCase(host, sourceAddress))
        {
            return;
        }

        if (via.HasReceived)
        {
            Replace(via.Received, sourceAddress);
            return;
        }

        Span<byte> param = stackalloc byte[10 + sourceAddress.Length];
        ";received="u8.CopyTo(param);
        sourceAddress.CopyTo(param[10..]);
        Insert(via.Value.End, param);
    }

    /// <summary>Replaces the body and keeps Content-Length true (adding the header when the message had none).</summary>
    public void ReplaceBody(ReadOnlySpan<byte> body, ReadOnlySpan<byte> contentType = default)
    {
        if (_bodyReplaced)
        {
            throw new InvalidOperationException("The body was already replaced in this edit.");
        }

        _bodyReplaced = true;
        if (_message.HeadersTerminated)
        {
            Replace(_message.Body, body);
        }
        else
        {
            // No empty line yet (and so no body): the body goes after the empty line WriteTo adds, not among the headers.
            EnsureScratch(body.Length);
            body.CopyTo(_scratch.AsSpan(_scratchLength));
            _trailerStart = _scratchLength;
            _trailerLength = body.Length;
            _scratchLength += body.Length;
        }

        _contentLengthDelta = body.Length - _message.Body.Length;
        if (!contentType.IsEmpty)
        {
            var ct = _message.IndexOf(HeaderKind.ContentType);
            if (ct >= 0)
            {
                ReplaceHeaderValue(ct, contentType);
            }
            else
            {
                AddHeader("Content-Type"u8, contentType);
            }
        }
    }

    /// <summary>
    /// True when an edit already recorded deletes or replaces a byte of <paramref name="range"/>, or inserts strictly
    /// inside it (an empty range: when it lies strictly inside a deleted one). Such a second edit would make
    /// <see cref="WriteTo"/> throw; script functions that may touch the same bytes twice (removing a header already
    /// removed, a substitution inside a removed line) ask first, as OpenSIPS's lump code tolerates the repeat.
    /// </summary>
    public bool Overlaps(ByteRange range)
    {
        for (var i = 0; i < _count; i++)
        {
            ref readonly var e = ref _edits[i];
            if ((e.DeleteLength > 0 || range.Length > 0) && e.Position < range.End && range.Start < e.Position + e.DeleteLength)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The number of bytes <see cref="WriteTo"/> will produce.</summary>
    public int GetLength()
    {
        var length = _message.Length + ContentLengthFixLength();
        for (var i = 0; i < _count; i++)
        {
            length += _edits[i].DataLength - _edits[i].DeleteLength;
        }

        return length + (_message.HeadersTerminated ? 0 : LineCompletion().Length + 2 + _trailerLength);
    }

    /// <summary>Writes the edited message into <paramref name="destination"/>, which must hold <see cref="GetLength"/> bytes.</summary>
    public int WriteTo(Span<byte> destination)
    {
        SortEdits();
        ReadOnlySpan<byte> source = _message.Buffer;
        var clIndex = _message.IndexOf(HeaderKind.ContentLength);
        var contentLengthDelta = ContentLengthDelta();
        var fixContentLength = contentLengthDelta != 0 || (_bodyReplaced && clIndex < 0);
        var pos = _message.Start;
        var written = 0;
        var e = 0;
        var clDone = !fixContentLength;
        var completion = LineCompletion();
        var completionDone = _message.HeadersTerminated;
        while (true)
        {
            var nextEdit = e < _count ? _edits[e].Position : int.MaxValue;
            var clAt = clDone ? int.MaxValue : (clIndex >= 0 ? _message.Headers[clIndex].Value.Start : _message.HeadersEnd);
            var copyUntil = Math.Min(Math.Min(nextEdit, clAt), _message.End);
            if (copyUntil > pos)
            {
                source[pos..copyUntil].CopyTo(destination[written..]);
                written += copyUntil - pos;
                pos = copyUntil;
            }

            // An unterminated header section ends at the message's end: finish its last line after the edits inside that line
            // (an empty value replaced, a parameter appended) and before the header lines added there.
            if (!completionDone && pos == _message.End && !(e < _count && _edits[e].Position == pos && !_edits[e].IsLine))
            {
                completion.CopyTo(destination[written..]);
                written += completion.Length;
                completionDone = true;
            }

            if (!clDone && pos == clAt && clAt <= nextEdit && (completionDone || pos != _message.End))
            {
                written += WriteContentLength(destination[written..], clIndex >= 0, contentLengthDelta);
                if (clIndex >= 0)
                {
                    pos = _message.Headers[clIndex].Value.End;
                }

                clDone = true;
                continue;
            }

            if (e < _count && _edits[e].Position == pos)
            {
                var edit = _edits[e++];
                _scratch.AsSpan(edit.DataStart, edit.DataLength).CopyTo(destination[written..]);
                written += edit.DataLength;
                pos += edit.DeleteLength;
                continue;
            }

            if (pos >= _message.End)
            {
                break;
            }
        }

        if (!_message.HeadersTerminated)
        {
            "\r\n"u8.CopyTo(destination[written..]);
            written += 2;
            _scratch.AsSpan(_trailerStart, _trailerLength).CopyTo(destination[written..]);
            written += _trailerLength;
        }

        return written;
    }

    /// <summary>Writes into a new array: for tests and cold paths; the hot path writes into a pooled buffer.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[GetLength()];
        var n = WriteTo(bytes);
        return n == bytes.Length ? bytes : bytes[..n];
    }

    /// <summary>
    /// What the last header line of a header section a datagram left unterminated still lacks: nothing when the output
    /// already ends a line there, "\n" after a bare CR, else CRLF. Edits are taken into account (one may delete that line).
    /// </summary>
    private ReadOnlySpan<byte> LineCompletion()
    {
        if (_message.HeadersTerminated)
        {
            return default;
        }

        SortEdits();
        return LastByteBeforeEnd() switch
        {
            '\n' => default,
            '\r' => "\n"u8,
            _ => "\r\n"u8,
        };
    }

    /// <summary>The last byte the edited output holds before the message's end (before anything inserted at the end), or -1.</summary>
    private int LastByteBeforeEnd()
    {
        var p = _message.End;
        var i = _count - 1;
        for (; i >= 0 && _edits[i].Position >= p; i--)
        {
            // Header lines inserted at the end come after the line completion; edits inside the last line before it.
            if (!_edits[i].IsLine && _edits[i].DataLength > 0)
            {
                return _scratch[_edits[i].DataStart + _edits[i].DataLength - 1];
            }
        }

        while (true)
        {
            // Edits do not overlap, so only the last one before p can reach p.
            if (i < 0 || _edits[i].DeleteLength == 0 || _edits[i].Position + _edits[i].DeleteLength != p)
            {
                return p > _message.Start ? _message.Buffer[p - 1] : -1;
            }

            var deletion = _edits[i--];
            if (deletion.DataLength > 0)
            {
                return _scratch[deletion.DataStart + deletion.DataLength - 1];
            }

            // Inserts at the deleted range's start are written just before it.
            for (; i >= 0 && _edits[i].Position == deletion.Position; i--)
            {
                if (_edits[i].DataLength > 0)
                {
                    return _scratch[_edits[i].DataStart + _edits[i].DataLength - 1];
                }
            }

            p = deletion.Position;
        }
    }

    private int ContentLengthFixLength()
    {
        var clIndex = _message.IndexOf(HeaderKind.ContentLength);
        var delta = ContentLengthDelta();
        if (clIndex >= 0)
        {
            return delta == 0 ? 0 : DigitCount(_message.ContentLength + delta) - _message.Headers[clIndex].Value.Length;
        }

        return _bodyReplaced || delta != 0 ? "Content-Length: \r\n"u8.Length + DigitCount(_message.Body.Length + delta) : 0;
    }

    /// <summary>
    /// How much the body grows: the whole-body replacement's change, or else the sum of the edits that fall in the body
    /// (textops substitutions, for one), so Content-Length stays true (RFC 3261 §20.14) whoever edited the body.
    /// </summary>
    private int ContentLengthDelta()
    {
        if (_bodyReplaced || !_message.HeadersTerminated)
        {
            return _contentLengthDelta;
        }

        var bodyStart = _message.Body.Start;
        var delta = 0;
        for (var i = 0; i < _count; i++)
        {
            ref readonly var e = ref _edits[i];
            if (e.IsLine)
            {
                continue;
            }

            if (e.Position >= bodyStart)
            {
                delta += e.DataLength - e.DeleteLength;
            }
            else if (e.Position + e.DeleteLength > bodyStart)
            {
                delta -= e.Position + e.DeleteLength - bodyStart; // an edit across the empty line removes body bytes too
            }
        }

        return delta;
    }

    private int WriteContentLength(Span<byte> destination, bool replaceValue, int delta)
    {
        var newLength = Math.Max(0, _message.ContentLength) + delta;
        if (!replaceValue)
        {
            newLength = _message.Body.Length + delta;
            "Content-Length: "u8.CopyTo(destination);
            Utf8Formatter.TryFormat(newLength, destination[16..], out var n);
            "\r\n"u8.CopyTo(destination[(16 + n)..]);
            return 16 + n + 2;
        }

        Utf8Formatter.TryFormat(newLength, destination, out var written);
        return written;
    }

    private static int DigitCount(int value)
    {
        var digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }

    private void RemoveFirstListValue(int headerIndex, ByteRange value)
    {
        var field = _message.Headers[headerIndex];
        ReadOnlySpan<byte> buf = _message.Buffer;
        var after = value.End;
        while (after < field.Value.End && buf[after] != ',')
        {
            after++;
        }

        if (after >= field.Value.End)
        {
            if (value.Start == field.Value.Start)
            {
                Delete(field.Line); // the only value: the whole line goes
                return;
            }

            // The last value of the line but not the first cannot be "first"; list enumerators never yield it.
            throw new InvalidOperationException("The value is not the first of its header line.");
        }

        after++;
        while (after < field.Value.End && buf[after] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            after++;
        }

        Delete(ByteRange.FromBounds(value.Start, after));
    }

    /// <summary>A point to roll back to: edits made after it can be undone (see <see cref="RollBack"/>).</summary>
    public EditorMark Mark() => new(_count, _scratchLength, _contentLengthDelta, _bodyReplaced, _trailerStart, _trailerLength);

    /// <summary>
    /// Undoes every edit made since <paramref name="mark"/>: a stateless forward adds its Via and Record-Route, writes
    /// the message and takes them back, so the next destination (or branch) starts from the script's edits alone.
    /// </summary>
    public void RollBack(EditorMark mark)
    {
        var kept = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_edits[i].Sequence < mark.Count)
            {
                _edits[kept++] = _edits[i];
            }
        }

        _count = kept;
        _scratchLength = mark.ScratchLength;
        _contentLengthDelta = mark.ContentLengthDelta;
        _bodyReplaced = mark.BodyReplaced;
        _trailerStart = mark.TrailerStart;
        _trailerLength = mark.TrailerLength;
    }

    private void InsertHeaderLine(int position, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var length = name.Length + 2 + value.Length + 2;
        EnsureScratch(length);
        var span = _scratch.AsSpan(_scratchLength, length);
        name.CopyTo(span);
        ": "u8.CopyTo(span[name.Length..]);
        value.CopyTo(span[(name.Length + 2)..]);
        "\r\n"u8.CopyTo(span[(length - 2)..]);
        AddEdit(position, 0, _scratchLength, length, isLine: true);
        _scratchLength += length;
    }

    private void Add(int position, int deleteLength, ReadOnlySpan<byte> data)
    {
        if (position < _message.Start || position + deleteLength > _message.End)
        {
            throw new ArgumentOutOfRangeException(nameof(position), "The edit lies outside the message.");
        }

        EnsureScratch(data.Length);
        data.CopyTo(_scratch.AsSpan(_scratchLength));
        AddEdit(position, deleteLength, _scratchLength, data.Length, isLine: false);
        _scratchLength += data.Length;
    }

    private void AddEdit(int position, int deleteLength, int dataStart, int dataLength, bool isLine)
    {
        if (_count == _edits.Length)
        {
            Array.Resize(ref _edits, _edits.Length * 2);
        }

        _edits[_count] = new Edit(position, deleteLength, dataStart, dataLength, _count, isLine);
        _count++;
    }

    private void EnsureScratch(int more)
    {
        if (_scratchLength + more > _scratch.Length)
        {
            Array.Resize(ref _scratch, Math.Max(_scratch.Length * 2, _scratchLength + more));
        }
    }

    /// <summary>
    /// Orders edits by position; at one position edits inside a line come first, then inserted header lines, then a delete
    /// or replace, each group in call order. Insertion sort: a message gets a handful of edits.
    /// </summary>
    private void SortEdits()
    {
        for (var i = 1; i < _count; i++)
        {
            var current = _edits[i];
            var j = i - 1;
            while (j >= 0 && Compare(_edits[j], current) > 0)
            {
                _edits[j + 1] = _edits[j];
                j--;
            }

            _edits[j + 1] = current;
        }

        for (var i = 1; i < _count; i++)
        {
            var prev = _edits[i - 1];
            if (prev.Position + prev.DeleteLength > _edits[i].Position)
            {
                throw new InvalidOperationException("Two edits overlap.");
            }
        }
    }

    private static int Compare(in Edit a, in Edit b)
    {
        if (a.Position != b.Position)
        {
            return a.Position.CompareTo(b.Position);
        }

        var aRank = a.DeleteLength > 0 ? 2 : a.IsLine ? 1 : 0;
        var bRank = b.DeleteLength > 0 ? 2 : b.IsLine ? 1 : 0;
        return aRank != bRank ? aRank - bRank : a.Sequence.CompareTo(b.Sequence);
    }
}

/// <summary>The state of a <see cref="SipMessageEditor"/> at one moment, to roll back to.</summary>
public readonly record struct EditorMark(int Count, int ScratchLength, int ContentLengthDelta, bool BodyReplaced, int TrailerStart, int TrailerLength);
