using System.Net;
using System.Text;

namespace Probes.Consumer.Agent;

/// <summary>
/// The agent's HTTP side: <c>/metrics</c> (the exposition, <see cref="MetricsExchange"/>),
/// <c>/healthz</c> (the run's loop went round in the last <see cref="HealthyWithin"/>) and
/// <c>/readyz</c> (the first scan of the host is attached). Only GET and HEAD; every other path is
/// 404. Requests are handled on thread-pool threads and never touch the maps.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    public static readonly TimeSpan HealthyWithin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ScrapeWait = TimeSpan.FromSeconds(5);
    private readonly HttpListener _listener = new();
    private readonly MetricsExchange _exchange;
    private readonly Func<bool> _ready;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    private MetricsEndpoint(IPEndPoint endpoint, MetricsExchange exchange, Func<bool> ready)
    {
        _exchange = exchange;
        _ready = ready;
        // The wildcard when every address is asked for; otherwise the address itself (requests must then name it in Host).
        string host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? "*"
            : endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        _listener.Prefixes.Add($"http://{host}:{endpoint.Port}/");
        try
        {
            _listener.Start();
        }
        catch (Exception e) when (e is HttpListenerException or System.Net.Sockets.SocketException)
        {
            _listener.Close();
            throw new AgentListenException($"cannot listen on {endpoint}: {e.Message}", e);
        }
        _loop = Task.Run(Accept);
    }

    /// <summary>Listens on <paramref name="endpoint"/> (fails with <see cref="AgentListenException"/>).</summary>
    public static MetricsEndpoint Start(IPEndPoint endpoint, MetricsExchange exchange, Func<bool> ready) => new(endpoint, exchange, ready);

    private async Task Accept()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            _ = Task.Run(() => Handle(context));
        }
    }

    private async Task Handle(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        try
        {
            string method = context.Request.HttpMethod;
            string path = context.Request.Url?.AbsolutePath ?? "";
            if (method is not ("GET" or "HEAD"))
            {
                await Reply(response, 405, "only GET and HEAD\n", "text/plain; charset=utf-8", method).ConfigureAwait(false);
                return;
            }
            switch (path)
            {
                case "/metrics":
                    string? exposition = await _exchange.Get(ScrapeWait, _stopping.Token).ConfigureAwait(false);
                    await (exposition is null
                        ? Reply(response, 503, "no metrics yet\n", "text/plain; charset=utf-8", method)
                        : Reply(response, 200, exposition, PrometheusText.ContentType, method)).ConfigureAwait(false);
                    return;
                case "/healthz":
                    bool healthy = _exchange.SinceLastBeat < HealthyWithin;
                    await Reply(response, healthy ? 200 : 503, healthy ? "ok\n" : "tracing loop stalled\n", "text/plain; charset=utf-8", method).ConfigureAwait(false);
                    return;
                case "/readyz":
                    bool ready = _ready();
                    await Reply(response, ready ? 200 : 503, ready ? "ready\n" : "first scan not done\n", "text/plain; charset=utf-8", method).ConfigureAwait(false);
                    return;
                default:
                    await Reply(response, 404, "not found: try /metrics, /healthz or /readyz\n", "text/plain; charset=utf-8", method).ConfigureAwait(false);
                    return;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The scraper left or we are stopping: nothing to tell it.
            try
            {
                response.Abort();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static async Task Reply(HttpListenerResponse response, int status, string body, string contentType, string method)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        if (method != "HEAD")
        {
            await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        }
        response.Close();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stopping.Dispose();
    }
}
