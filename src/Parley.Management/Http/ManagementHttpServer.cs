using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Management.Mi;
using Parley.Management.Statistics;

namespace Parley.Management.Http;

/// <summary>
/// OpenSIPS's <c>httpd</c> + <c>mi_http</c> (+ <c>prometheus</c>) on Kestrel: <c>POST /{mi root}</c> carries JSON-RPC
/// 2.0 to the MI dispatcher (another method → 405, an empty body → 400, as mi_http answers), and
/// <c>GET /{metrics root}</c> serves the statistics in Prometheus text format 0.0.4. Nothing else is served (404).
/// </summary>
public sealed partial class ManagementHttpServer : IAsyncDisposable
{
    private readonly HttpSettings _settings;
    private readonly JsonRpcDispatcher _dispatcher;
    private readonly StatisticsRegistry _statistics;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly string? _miPath;
    private readonly string _metricsPath;
    private WebApplication? _app;

    public ManagementHttpServer(HttpSettings settings, JsonRpcDispatcher dispatcher, StatisticsRegistry statistics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(dispatcher);
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(loggers);
        _settings = settings;
        _dispatcher = dispatcher;
        _statistics = statistics;
        _loggers = loggers;
        _logger = loggers.CreateLogger("Parley.Management.Http");
        _miPath = settings.MiRoot is null ? null : "/" + settings.MiRoot.Trim('/');
        _metricsPath = "/" + settings.MetricsRoot.Trim('/');
    }

    /// <summary>The address and port Kestrel listens on once started (the real port when <see cref="HttpSettings.Port"/> is 0).</summary>
    public IPEndPoint? BoundEndPoint { get; private set; }

    /// <summary>Parses <see cref="HttpSettings.Ip"/>: an IP address, or <c>*</c> / empty for every interface.</summary>
    public static bool TryParseAddress(string ip, out IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(ip);
        if (ip.Length == 0 || ip == "*")
        {
            address = IPAddress.IPv6Any;
            return true;
        }

        return IPAddress.TryParse(ip.Trim('[', ']'), out address!);
    }

    /// <summary>Binds and starts serving; throws <see cref="IOException"/>-family errors when the port is taken.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!TryParseAddress(_settings.Ip, out var address))
        {
            throw new InvalidOperationException($"httpd ip '{_settings.Ip}' is not an IP address");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_loggers));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.WebHost.UseKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = _settings.MaxRequestBodySize;
            if (address.Equals(IPAddress.IPv6Any))
            {
                options.ListenAnyIP(_settings.Port);
            }
            else
            {
                options.Listen(address, _settings.Port);
            }
        });
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        var port = _settings.Port;
        if (addresses is not null)
        {
            foreach (var url in addresses.Addresses)
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
                {
                    port = uri.Port;
                    break;
                }
            }
        }

        BoundEndPoint = new IPEndPoint(address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : address, port);
        LogListening(_logger, BoundEndPoint, _miPath ?? "(mi_http not loaded)", _metricsPath);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? string.Empty;
        if (_miPath is not null && string.Equals(path.TrimEnd('/'), _miPath, StringComparison.Ordinal))
        {
            await HandleMiAsync(context).ConfigureAwait(false);
            return;
        }

        if (string.Equals(path.TrimEnd('/'), _metricsPath, StringComparison.Ordinal))
        {
            if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                response.Headers.Allow = "GET, HEAD";
                return;
            }

            response.ContentType = PrometheusWriter.ContentType;
            using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            PrometheusWriter.Write(_statistics, text);
            await response.WriteAsync(text.ToString(), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task HandleMiAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;

        // mi_http serves POST only (opensips-behaviour.md §7.1).
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return;
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)request.ContentLength.Value : 256);
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e)
        {
            response.StatusCode = e.StatusCode;
            return;
        }

        if (body.Length == 0)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            response.ContentType = "text/plain";
            await response.WriteAsync("Empty request body: expected a JSON-RPC 2.0 request", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var (status, reply) = await _dispatcher.HandleAsync(body, context.RequestAborted).ConfigureAwait(false);
        response.StatusCode = status;
        if (reply is not null)
        {
            response.ContentType = "application/json";
            response.ContentLength = reply.Length;
            await response.Body.WriteAsync(reply, context.RequestAborted).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            try
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Management HTTP on {EndPoint}: MI at {MiPath}, metrics at {MetricsPath}")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint, string miPath, string metricsPath);

    /// <summary>Sends Kestrel's own log lines to Parley's logger factory.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory loggers) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => loggers.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
