using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Management.Mi;

/// <summary>
/// JSON-RPC 2.0 front of the MI, speaking as OpenSIPS's <c>mi_http</c> does: same error codes,
/// messages and details, member order <c>jsonrpc</c>, <c>result</c>/<c>error</c>, <c>id</c>,
/// notifications answered with HTTP 202 and no body.
/// </summary>
/// <remarks>
/// Faithful details: the envelope members (<c>jsonrpc</c>, <c>method</c>, <c>params</c>, <c>id</c>) are
/// looked up case-insensitively (first match wins), bytes after the first JSON value are ignored,
/// empty <c>params</c> count as none, a numeric <c>id</c> is echoed as an integer.
/// Extension: a top-level array is served as a JSON-RPC batch (OpenSIPS itself has no batches).
/// </remarks>
public sealed class JsonRpcDispatcher
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 512,
    };

    private readonly MiCommandRegistry _registry;

    public JsonRpcDispatcher(MiCommandRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
    }

    /// <summary>HTTP status when a response body is returned.</summary>
    public const int StatusOk = 200;

    /// <summary>HTTP status when nothing is returned (notifications only).</summary>
    public const int StatusAccepted = 202;

    /// <summary>Handles one HTTP request body; returns the HTTP status and the response body (null for none).</summary>
    public ValueTask<(int HttpStatus, byte[]? ResponseBody)> HandleAsync(ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default) => HandleAsync(body, null, cancellationToken);

    /// <summary>
    /// Handles one request body as <see cref="HandleAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, and hands every
    /// intermediate result a handler reports (<see cref="MiRequest.ReportProgress"/>) to <paramref name="intermediate"/>
    /// as a serialized JSON-RPC response with the request's id, before the final one is returned. Called on whatever
    /// thread the handler reports from. Only a single request with an id gets intermediates: never a notification
    /// (it gets no response at all) nor a batch (one response array).
    /// </summary>
    public async ValueTask<(int HttpStatus, byte[]? ResponseBody)> HandleAsync(ReadOnlyMemory<byte> body,
        Action<byte[]>? intermediate, CancellationToken cancellationToken = default)
    {
        JsonDocument? doc = TryParse(body);
        if (doc is null)
        {
            var parseError = new Reply(IdKind.Null, default,
                MiResult.Error(JsonRpcErrors.ParseErrorCode, JsonRpcErrors.ParseErrorMessage));
            return (StatusOk, Serialize([parseError], batch: false));
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                var reply = await ProcessAsync(root, intermediate, cancellationToken).ConfigureAwait(false);
                return reply.ShouldSend ? (StatusOk, Serialize([reply], batch: false)) : (StatusAccepted, null);
            }

            if (root.GetArrayLength() == 0)
            {
                var invalid = new Reply(IdKind.Null, default,
                    MiResult.Error(JsonRpcErrors.InvalidRequestCode, JsonRpcErrors.InvalidRequestMessage));
                return (StatusOk, Serialize([invalid], batch: false));
            }

            var replies = new List<Reply>(root.GetArrayLength());
            foreach (var item in root.EnumerateArray())
            {
                var reply = await ProcessAsync(item, null, cancellationToken).ConfigureAwait(false);
                if (reply.ShouldSend)
                {
                    replies.Add(reply);
                }
            }

            return replies.Count == 0 ? (StatusAccepted, null) : (StatusOk, Serialize(replies, batch: true));
        }
    }

    private static JsonDocument? TryParse(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body.Span, ReaderOptions);
            return JsonDocument.TryParseValue(ref reader, out var doc) ? doc : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async ValueTask<Reply> ProcessAsync(JsonElement request, Action<byte[]>? intermediate, CancellationToken cancellationToken)
    {
        bool invalid = false;
        IdKind idKind = IdKind.Absent;
        JsonElement id = default;
        JsonElement method = default;
        JsonElement parameters = default;
        bool hasParams = false;

        if (request.ValueKind != JsonValueKind.Object)
        {
            // Not a request object: nothing to take an id from.
            return InvalidRequest(IdKind.Null, default);
        }

        if (TryGetMember(request, "id", out id))
        {
            idKind = IdKind.Value;
            if (id.ValueKind == JsonValueKind.Null)
            {
                idKind = IdKind.Null;
            }
            else if (id.ValueKind is not (JsonValueKind.Number or JsonValueKind.String))
            {
                // Not a legal id: answered (with id null), even though it is not a notification.
                idKind = IdKind.Null;
                invalid = true;
            }
        }

        if (!TryGetMember(request, "jsonrpc", out var version) || version.ValueKind != JsonValueKind.String
            || !version.ValueEquals("2.0"))
        {
            invalid = true;
        }

        if (!TryGetMember(request, "method", out method) || method.ValueKind != JsonValueKind.String)
        {
            invalid = true;
        }

        if (TryGetMember(request, "params", out parameters))
        {
            if (parameters.ValueKind == JsonValueKind.Object)
            {
                hasParams = parameters.EnumerateObject().MoveNext();
            }
            else if (parameters.ValueKind == JsonValueKind.Array)
            {
                hasParams = parameters.GetArrayLength() > 0;
            }
            else
            {
                invalid = true;
            }
        }

        if (invalid)
        {
            return InvalidRequest(idKind == IdKind.Absent ? IdKind.Null : idKind, id);
        }

        ProgressSink? sink = intermediate is not null && idKind == IdKind.Value ? new ProgressSink(id.Clone(), intermediate) : null;
        try
        {
            var result = await ExecuteAsync(method.GetString()!, hasParams ? parameters : default, sink is null ? null : new Action<JsonNode>(sink.Report),
                cancellationToken).ConfigureAwait(false);
            return new Reply(idKind, id, result);
        }
        finally
        {
            sink?.Close();
        }
    }

    /// <summary>
    /// Runs one command as every MI transport does (HTTP, FIFO, the script's <c>mi()</c>): recipe selection, type checks,
    /// the handler. <paramref name="parameters"/> is an object (named), an array (positional) or undefined (none).
    /// </summary>
    public ValueTask<MiResult> ExecuteAsync(string methodName, JsonElement parameters, CancellationToken cancellationToken = default) =>
        ExecuteAsync(methodName, parameters, null, cancellationToken);

    /// <summary>
    /// <see cref="ExecuteAsync(string, JsonElement, CancellationToken)"/> with a sink for the intermediate results the
    /// handler reports (<see cref="MiRequest.ReportProgress"/>); null makes reporting a no-op.
    /// </summary>
    public async ValueTask<MiResult> ExecuteAsync(string methodName, JsonElement parameters, Action<JsonNode>? progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(methodName);
        if (!_registry.TryGet(methodName, out var command))
        {
            return MiResult.Error(JsonRpcErrors.MethodNotFoundCode, JsonRpcErrors.MethodNotFoundMessage);
        }

        bool positional = parameters.ValueKind == JsonValueKind.Array;
        if (positional && command.NamedParamsOnly)
        {
            return MiResult.InvalidParams(JsonRpcErrors.NamedOnlyData);
        }

        var recipe = SelectRecipe(command, parameters, positional, out string? error);
        if (recipe is null)
        {
            return MiResult.InvalidParams(error!);
        }

        var values = new JsonElement[recipe.Parameters.Count];
        for (int i = 0; i < values.Length; i++)
        {
            var p = recipe.Parameters[i];
            values[i] = positional ? parameters[i] : FirstNamed(parameters, p.Name);
            if (!MiRequest.Conforms(values[i], p.Type))
            {
                return MiResult.InvalidParams($"Bad type for parameter '{p.Name}'");
            }
        }

        var request = new MiRequest(command, recipe, values, positional) { Progress = progress };
        try
        {
            return await command.Handler(request, cancellationToken).ConfigureAwait(false)
                ?? MiResult.Error(JsonRpcErrors.InternalErrorCode, JsonRpcErrors.InternalErrorMessage);
        }
        catch (MiParamException ex)
        {
            return MiResult.InvalidParams(ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception)
        {
            // Never leak exception details to the MI client.
            return MiResult.Error(JsonRpcErrors.InternalErrorCode, JsonRpcErrors.InternalErrorMessage);
        }
    }

    /// <summary>OpenSIPS's <c>get_cmd_recipe</c>: same order of checks, same outcomes.</summary>
    private static MiRecipe? SelectRecipe(MiCommand command, JsonElement parameters, bool positional, out string? error)
    {
        error = JsonRpcErrors.CountMismatchData;
        bool none = parameters.ValueKind == JsonValueKind.Undefined;
        int count = none ? 0 : positional ? parameters.GetArrayLength() : CountMembers(parameters);
        MiRecipe? match = null;

        foreach (var recipe in command.Recipes)
        {
            int arity = recipe.Parameters.Count;
            if (none)
            {
                if (arity == 0)
                {
                    error = null;
                    return recipe;
                }

                continue;
            }

            if (arity == 0 || arity != count)
            {
                continue;
            }

            if (positional)
            {
                if (match is not null)
                {
                    error = JsonRpcErrors.AmbiguousData;
                    return null;
                }

                match = recipe;
                continue;
            }

            error = JsonRpcErrors.NamesMismatchData;
            if (NamesMatch(recipe, parameters))
            {
                error = null;
                return recipe;
            }
        }

        if (match is not null)
        {
            error = null;
        }

        return match;
    }

    private static int CountMembers(JsonElement obj)
    {
        int n = 0;
        foreach (var _ in obj.EnumerateObject())
        {
            n++;
        }

        return n;
    }

    private static bool NamesMatch(MiRecipe recipe, JsonElement obj)
    {
        foreach (var p in recipe.Parameters)
        {
            if (FirstNamed(obj, p.Name).ValueKind == JsonValueKind.Undefined)
            {
                return false;
            }
        }

        return true;
    }

    private static JsonElement FirstNamed(JsonElement obj, string name)
    {
        foreach (var prop in obj.EnumerateObject())
        {
            if (prop.NameEquals(name))
            {
                return prop.Value;
            }
        }

        return default;
    }

    private static bool TryGetMember(JsonElement obj, string name, out JsonElement value)
    {
        foreach (var prop in obj.EnumerateObject())
        {
            if (string.Equals(prop.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = prop.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static Reply InvalidRequest(IdKind idKind, JsonElement id) =>
        new(idKind, id, MiResult.Error(JsonRpcErrors.InvalidRequestCode, JsonRpcErrors.InvalidRequestMessage));

    private static byte[] Serialize(IReadOnlyList<Reply> replies, bool batch)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (batch)
            {
                writer.WriteStartArray();
            }

            foreach (var reply in replies)
            {
                WriteReply(writer, reply);
            }

            if (batch)
            {
                writer.WriteEndArray();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteReply(Utf8JsonWriter writer, Reply reply)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        var r = reply.Result;
        if (r.IsError)
        {
            writer.WriteStartObject("error");
            writer.WriteNumber("code", r.ErrorCode);
            writer.WriteString("message", r.ErrorMessage);
            if (r.ErrorData is not null)
            {
                writer.WriteString("data", r.ErrorData);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WritePropertyName("result");
            if (r.Value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                r.Value.WriteTo(writer);
            }
        }

        writer.WritePropertyName("id");
        if (reply.IdKind != IdKind.Value)
        {
            writer.WriteNullValue();
        }
        else if (reply.Id.ValueKind == JsonValueKind.String)
        {
            writer.WriteStringValue(reply.Id.GetString());
        }
        else if (reply.Id.TryGetInt32(out int n))
        {
            writer.WriteNumberValue(n);
        }
        else
        {
            // cJSON's valueint: the double truncated and saturated to int.
            double d = reply.Id.GetDouble();
            writer.WriteNumberValue(d >= int.MaxValue ? int.MaxValue : d <= int.MinValue ? int.MinValue : (int)d);
        }

        writer.WriteEndObject();
    }

    /// <summary>Turns a handler's intermediate results into JSON-RPC responses with the request's id until closed.</summary>
    private sealed class ProgressSink(JsonElement id, Action<byte[]> target)
    {
        private volatile bool _closed;

        public void Report(JsonNode result)
        {
            if (_closed)
            {
                return;
            }

            target(Serialize([new Reply(IdKind.Value, id, MiResult.Success(result))], batch: false));
        }

        public void Close() => _closed = true;
    }

    private enum IdKind
    {
        Absent,
        Null,
        Value,
    }

    private readonly record struct Reply(IdKind IdKind, JsonElement Id, MiResult Result)
    {
        /// <summary>Notifications get no reply, except for parse and invalid-request errors.</summary>
        public bool ShouldSend => IdKind != IdKind.Absent
            || (Result.IsError && Result.ErrorCode is JsonRpcErrors.ParseErrorCode or JsonRpcErrors.InvalidRequestCode);
    }
}
