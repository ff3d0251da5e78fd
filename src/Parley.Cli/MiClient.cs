using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Parley.Cli;

/// <summary>
/// Sends MI commands as JSON-RPC 2.0 over HTTP POST, as opensips-cli's <c>opensipscli/communication/http.py</c> does
/// (<c>Content-Type: application/json</c>, the reply read by <see cref="MiReply.Parse"/>). Ids count up from 1.
/// </summary>
internal sealed class MiClient : IDisposable
{
    private static readonly JsonSerializerOptions BodyOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient _http;
    private int _nextId;

    public MiClient(Uri url, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(url);
        Url = url;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = timeout }) { Timeout = timeout };
    }

    public Uri Url { get; }

    /// <summary>The request body for one call: <c>{"jsonrpc":"2.0","method":…,"params":…,"id":n}</c>.</summary>
    public static string RequestBody(string method, JsonNode? parameters, int id)
    {
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["method"] = method,
        };
        if (parameters is not null)
        {
            request["params"] = parameters.DeepClone();
        }

        request["id"] = id;
        return request.ToJsonString(BodyOptions);
    }

    /// <summary>Calls <paramref name="method"/>; never throws for network or protocol problems (they come back as <see cref="MiReplyKind.Failure"/>).</summary>
    public async Task<MiReply> CallAsync(string method, JsonNode? parameters, CancellationToken cancellationToken)
    {
        int id = Interlocked.Increment(ref _nextId);
        using var content = new StringContent(RequestBody(method, parameters, id), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await _http.PostAsync(Url, content, cancellationToken).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                // Python's urllib.error.HTTPError text.
                return MiReply.Failure($"HTTP Error {(int)response.StatusCode}: {response.ReasonPhrase}", body);
            }

            return MiReply.Parse(body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return MiReply.Failure($"no reply from {Url} within {_http.Timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException ex)
        {
            return MiReply.Failure($"cannot reach {Url}: {ex.Message}");
        }
    }

    public void Dispose() => _http.Dispose();
}
