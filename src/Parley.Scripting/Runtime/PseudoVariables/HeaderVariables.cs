using System.Text;
using Parley.Protocol;
using Parley.Protocol.Headers;
using Parley.Protocol.Text;
using Parley.Protocol.Uri;

namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// Header pseudo-variables: <c>$hdr(name)</c> with its indexes, <c>$hdrcnt(name)</c>, the From and To parts
/// (<c>$fu $fU $fd $fn $ft</c>, <c>$tu $tU $td $tn $tt</c>), Contact (<c>$ct</c>, <c>$ct.fields(f)</c>),
/// <c>$ai</c>, <c>$re</c>, <c>$ua</c> and <c>$cT</c>. Values are byte views of the message.
/// </summary>
internal static class HeaderVariables
{
    private static readonly byte[] PAssertedIdentity = "P-Asserted-Identity"u8.ToArray();
    private static readonly byte[] RemotePartyId = "Remote-Party-ID"u8.ToArray();

    private static readonly (string Name, ContactField Field)[] ContactFields =
    [
        ("uri", ContactField.Uri),
        ("name", ContactField.Name),
        ("q", ContactField.Q),
        ("expires", ContactField.Expires),
        ("methods", ContactField.Methods),
        ("received", ContactField.Received),
        ("params", ContactField.Params),
    ];

    private enum AddressPart
    {
        Uri,
        User,
        Host,
        Display,
        Tag,
    }

    private enum ContactField
    {
        Whole,
        Uri,
        Name,
        Q,
        Expires,
        Methods,
        Received,
        Params,
    }

    public static void Register(ScriptRegistry registry)
    {
        registry.AddPseudoVariable("hdr", BindHeader);
        registry.AddPseudoVariable("hdrcnt", BindHeaderCount);

        CorePseudoVariables.AddSimple(registry, "fu", static ctx => Address(ctx, HeaderKind.From, AddressPart.Uri));
        CorePseudoVariables.AddSimple(registry, "fU", static ctx => Address(ctx, HeaderKind.From, AddressPart.User));
        CorePseudoVariables.AddSimple(registry, "fd", static ctx => Address(ctx, HeaderKind.From, AddressPart.Host));
        CorePseudoVariables.AddSimple(registry, "fn", static ctx => Address(ctx, HeaderKind.From, AddressPart.Display));
        CorePseudoVariables.AddSimple(registry, "ft", static ctx => Address(ctx, HeaderKind.From, AddressPart.Tag));
        CorePseudoVariables.AddSimple(registry, "tu", static ctx => Address(ctx, HeaderKind.To, AddressPart.Uri));
        CorePseudoVariables.AddSimple(registry, "tU", static ctx => Address(ctx, HeaderKind.To, AddressPart.User));
        CorePseudoVariables.AddSimple(registry, "td", static ctx => Address(ctx, HeaderKind.To, AddressPart.Host));
        CorePseudoVariables.AddSimple(registry, "tn", static ctx => Address(ctx, HeaderKind.To, AddressPart.Display));
        CorePseudoVariables.AddSimple(registry, "tt", static ctx => Address(ctx, HeaderKind.To, AddressPart.Tag));

        registry.AddPseudoVariable("ct", static request => CorePseudoVariables.NoArgument(request) ? BindContact(request, ContactField.Whole) : null);
        registry.AddPseudoVariable("ct.fields", BindContactFields);

        CorePseudoVariables.AddSimple(registry, "ai", static ctx => FirstUriOf(ctx, PAssertedIdentity));
        CorePseudoVariables.AddSimple(registry, "re", static ctx => FirstUriOf(ctx, RemotePartyId));
        CorePseudoVariables.AddSimple(registry, "ua", static ctx => FirstValue(ctx, HeaderKind.UserAgent));
        CorePseudoVariables.AddSimple(registry, "cT", static ctx => FirstValue(ctx, HeaderKind.ContentType));
    }

    private static HeaderName? ParseName(PvBindRequest request)
    {
        var name = CorePseudoVariables.RequiredArgument(request, "a header name");
        if (name is null)
        {
            return null;
        }

        if (name.StartsWith('$'))
        {
            request.Error($"the header name in {request.Text} must be written out: a variable there is not supported");
            return null;
        }

        var bytes = Encoding.UTF8.GetBytes(name);
        if (!Parley.Protocol.Text.Ascii.IsToken(bytes))
        {
            // RFC 3261 §7.3.1 / §25.1: field-name = token.
            request.Error($"'{name}' in {request.Text} is not a header name: a header name is a token (letters, digits and -.!%*_+`'~)");
            return null;
        }

        return new HeaderName(HeaderNames.Lookup(bytes), bytes);
    }

    private static PvAccessor? BindHeader(PvBindRequest request)
    {
        var header = ParseName(request);
        if (header is null || !request.TryGetIndex(out var index, out var all))
        {
            return null;
        }

        if (all)
        {
            return new PvAccessor(request.Text, ctx => AllValues(ctx, header))
            {
                GetAll = (ctx, list) => CollectValues(ctx, header, list),
            };
        }

        return new PvAccessor(request.Text, ctx => ValueAt(ctx, header, index))
        {
            GetAll = (ctx, list) => CollectValues(ctx, header, list),
        };
    }

    private static PvAccessor? BindHeaderCount(PvBindRequest request)
    {
        var header = ParseName(request);
        if (header is null || !CorePseudoVariables.NoIndex(request))
        {
            return null;
        }

        return new PvAccessor(request.Text, ctx => ctx.Message is { } m ? ScriptValue.FromInt(header.Count(m)) : ScriptValue.Null);
    }

    private static ScriptValue ValueAt(ScriptContext ctx, HeaderName header, int index)
    {
        if (ctx.Message is not { } m)
        {
            return ScriptValue.Null;
        }

        var i = header.At(m, index);
        return i < 0 ? ScriptValue.Null : View(m, m.Headers[i].Value);
    }

    /// <summary><c>$(hdr(name)[*])</c>: every value joined with ',' (a single header is returned as a view).</summary>
    private static ScriptValue AllValues(ScriptContext ctx, HeaderName header)
    {
        if (ctx.Message is not { } m)
        {
            return ScriptValue.Null;
        }

        var first = header.First(m);
        if (first < 0)
        {
            return ScriptValue.Null;
        }

        var next = header.Next(m, first);
        if (next < 0)
        {
            return View(m, m.Headers[first].Value);
        }

        var sb = new StringBuilder(m.GetString(m.Headers[first].Value));
        for (var i = next; i >= 0; i = header.Next(m, i))
        {
            sb.Append(',').Append(m.GetString(m.Headers[i].Value));
        }

        return ScriptValue.FromString(sb.ToString());
    }

    private static void CollectValues(ScriptContext ctx, HeaderName header, List<ScriptValue> list)
    {
        list.Clear();
        if (ctx.Message is not { } m)
        {
            return;
        }

        for (var i = header.First(m); i >= 0; i = header.Next(m, i))
        {
            list.Add(View(m, m.Headers[i].Value));
        }
    }

    private static ScriptValue View(SipMessage m, ByteRange range) => ScriptValue.FromBytes(m.Buffer, range.Start, range.Length);

    private static ScriptValue FirstValue(ScriptContext ctx, HeaderKind kind)
    {
        if (ctx.Message is not { } m || m.IndexOf(kind) is not (>= 0 and var i))
        {
            return ScriptValue.Null;
        }

        return View(m, m.Headers[i].Value);
    }

    private static ScriptValue Address(ScriptContext ctx, HeaderKind kind, AddressPart part)
    {
        if (ctx.Message is not { } m)
        {
            return ScriptValue.Null;
        }

        NameAddress address;
        if (!(kind == HeaderKind.From ? m.TryGetFrom(out address) : m.TryGetTo(out address)))
        {
            return ScriptValue.Null;
        }

        switch (part)
        {
            case AddressPart.Uri:
                return View(m, address.Uri);
            case AddressPart.Display:
                return address.DisplayName.Length > 0 ? View(m, address.DisplayName) : ScriptValue.Null;
            case AddressPart.Tag:
                return address.HasTag ? View(m, address.Tag) : ScriptValue.Null;
            case AddressPart.User when UriParts.TryGetSipUser(m[address.Uri], out var userStart, out var userLength):
                return userLength == 0 ? ScriptValue.Null : ScriptValue.FromBytes(m.Buffer, address.Uri.Start + userStart, userLength);
            default:
                if (!SipUri.TryParse(m[address.Uri], out var uri, out _))
                {
                    return ScriptValue.Null;
                }

                // The URI's ranges are relative to its own text.
                return UriParts.Get(View(m, address.Uri), uri, part == AddressPart.User ? UriPart.User : UriPart.Host);
        }
    }

    private static ScriptValue FirstUriOf(ScriptContext ctx, byte[] name)
    {
        if (ctx.Message is not { } m)
        {
            return ScriptValue.Null;
        }

        var headers = m.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            if (headers[i].Kind == HeaderKind.Other && System.Text.Ascii.EqualsIgnoreCase(m[headers[i].Name], name))
            {
                var pos = headers[i].Value.Start;
                return NameAddressParser.TryParse(m.Buffer, ref pos, headers[i].Value.End, list: true, allowStar: false, out var address)
                    ? View(m, address.Uri)
                    : ScriptValue.Null;
            }
        }

        return ScriptValue.Null;
    }

    private static PvAccessor? BindContactFields(PvBindRequest request)
    {
        var name = CorePseudoVariables.RequiredArgument(request, "a field");
        if (name is null)
        {
            return null;
        }

        ContactField? field = null;
        foreach (var (text, value) in ContactFields)
        {
            if (name.Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                field = value;
            }
        }

        if (field is null)
        {
            request.Error($"unknown contact field '{name}' in {request.Text}: expected name, uri, q, expires, methods, received or params");
            return null;
        }

        return BindContact(request, field.Value);
    }

    private static PvAccessor? BindContact(PvBindRequest request, ContactField field)
    {
        if (!request.TryGetIndex(out var index, out var all))
        {
            return null;
        }

        if (all)
        {
            return new PvAccessor(request.Text, ctx =>
            {
                var list = new List<ScriptValue>();
                CollectContacts(ctx, field, list);
                return CorePseudoVariables.Join(list, ", ");
            })
            {
                GetAll = (ctx, list) => CollectContacts(ctx, field, list),
            };
        }

        return new PvAccessor(request.Text, ctx => ContactAt(ctx, index, field))
        {
            GetAll = (ctx, list) => CollectContacts(ctx, field, list),
        };
    }

    private static ScriptValue ContactAt(ScriptContext ctx, int index, ContactField field)
    {
        if (ctx.Message is not { } m)
        {
            return ScriptValue.Null;
        }

        if (index < 0)
        {
            var count = 0;
            foreach (var unused in m.Contacts)
            {
                count++;
            }

            index += count;
            if (index < 0)
            {
                return ScriptValue.Null;
            }
        }

        foreach (var contact in m.Contacts)
        {
            if (index-- == 0)
            {
                return Field(m, contact, field);
            }
        }

        return ScriptValue.Null;
    }

    private static void CollectContacts(ScriptContext ctx, ContactField field, List<ScriptValue> list)
    {
        list.Clear();
        if (ctx.Message is not { } m)
        {
            return;
        }

        foreach (var contact in m.Contacts)
        {
            list.Add(Field(m, contact, field));
        }
    }

    private static ScriptValue Field(SipMessage m, in NameAddress contact, ContactField field)
    {
        if (contact.IsStar)
        {
            return field == ContactField.Whole ? View(m, contact.Value) : ScriptValue.Null;
        }

        switch (field)
        {
            case ContactField.Whole:
                return View(m, contact.Value);
            case ContactField.Uri:
                return View(m, contact.Uri);
            case ContactField.Name:
                return contact.DisplayName.Length > 0 ? View(m, contact.DisplayName) : ScriptValue.Null;
            case ContactField.Q:
                return contact.Q.Length > 0 ? View(m, contact.Q) : ScriptValue.Null;
            case ContactField.Expires:
                return HeaderParameter(m, contact.Parameters, "expires"u8);
            case ContactField.Methods:
                return HeaderParameter(m, contact.Parameters, "methods"u8);
            case ContactField.Received:
                return HeaderParameter(m, contact.Parameters, "received"u8);
            default:
                return WithoutLeadingSemicolon(m.Buffer, contact.Parameters);
        }
    }

    /// <summary>The value of a header parameter (as written) in a parameter section starting at its ';'; NULL when absent or valueless.</summary>
    internal static ScriptValue HeaderParameter(SipMessage m, ByteRange parameters, ReadOnlySpan<byte> name)
    {
        if (parameters.Length == 0)
        {
            return ScriptValue.Null;
        }

        var section = m.Buffer.AsSpan(parameters.Start, parameters.Length);
        foreach (var p in new ParameterEnumerator(section, ParameterSyntax.Header))
        {
            if (System.Text.Ascii.EqualsIgnoreCase(section.Slice(p.Name.Start, p.Name.Length), name))
            {
                return p.HasValue && p.Value.Length > 0
                    ? ScriptValue.FromBytes(m.Buffer, parameters.Start + p.Value.Start, p.Value.Length)
                    : ScriptValue.Null;
            }
        }

        return ScriptValue.Null;
    }

    /// <summary>A parameter section without its leading ';' and whitespace; NULL when empty.</summary>
    internal static ScriptValue WithoutLeadingSemicolon(byte[] buffer, ByteRange parameters)
    {
        var start = parameters.Start;
        var end = parameters.End;
        while (start < end && buffer[start] is (byte)';' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        return start < end ? ScriptValue.FromBytes(buffer, start, end - start) : ScriptValue.Null;
    }

    /// <summary>A header name resolved at bind time: a known kind, or the name bytes for other headers.</summary>
    private sealed class HeaderName(HeaderKind kind, byte[] name)
    {
        public int First(SipMessage m) => kind != HeaderKind.Other ? m.IndexOf(kind) : Next(m, -1);

        public int Next(SipMessage m, int index)
        {
            if (kind != HeaderKind.Other)
            {
                return m.NextIndexOf(kind, index);
            }

            var headers = m.Headers;
            for (var i = index + 1; i < headers.Length; i++)
            {
                if (headers[i].Kind == HeaderKind.Other && System.Text.Ascii.EqualsIgnoreCase(m[headers[i].Name], name))
                {
                    return i;
                }
            }

            return -1;
        }

        public int Count(SipMessage m)
        {
            // The message keeps a per-kind count (saturating at 255); count by walking otherwise.
            if (kind != HeaderKind.Other && m.CountOf(kind) < byte.MaxValue)
            {
                return m.CountOf(kind);
            }

            var count = 0;
            for (var i = First(m); i >= 0; i = Next(m, i))
            {
                count++;
            }

            return count;
        }

        /// <summary>The index in <see cref="SipMessage.Headers"/> of occurrence <paramref name="index"/> (0 first, -1 last), or -1.</summary>
        public int At(SipMessage m, int index)
        {
            if (index < 0)
            {
                index += Count(m);
                if (index < 0)
                {
                    return -1;
                }
            }

            var i = First(m);
            while (i >= 0 && index-- > 0)
            {
                i = Next(m, i);
            }

            return i;
        }
    }
}
