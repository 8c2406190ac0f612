using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LeNet.Browser.Tests;

/// <summary>
/// A tiny static file server for a published site's wwwroot on 127.0.0.1 and a free port: GET and HEAD,
/// the MIME types a Blazor WebAssembly site needs (.wasm must be application/wasm for streaming
/// compilation), and the precompressed .br (or .gz) copy beside a file when the browser accepts it, as a
/// production server serves it. Every response is logged (path, encoding, bytes on the wire).
/// </summary>
public sealed class StaticSiteServer : IDisposable
{
    private static readonly Dictionary<string, string> MediaTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
        [".wasm"] = "application/wasm",
        [".dat"] = "application/octet-stream",
        [".blat"] = "application/octet-stream",
        [".dll"] = "application/octet-stream",
        [".pdb"] = "application/octet-stream",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".svg"] = "image/svg+xml",
        [".txt"] = "text/plain; charset=utf-8",
    };

    private readonly string _root;
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    /// <summary>Starts serving <paramref name="root"/>.</summary>
    /// <param name="root">The folder to serve (a published app's wwwroot).</param>
    public StaticSiteServer(string root)
    {
        _root = Path.GetFullPath(root);
        int port = FreePort();
        Address = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Address.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>
    /// Whether responses make the page cross-origin isolated (Cross-Origin-Opener-Policy: same-origin,
    /// Cross-Origin-Embedder-Policy: require-corp): performance.now() then ticks in about 5 µs, not 100 µs.
    /// </summary>
    public bool CrossOriginIsolated { get; set; }

    /// <summary>The site's address, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address { get; }

    /// <summary>Every response so far: the path asked for, the Content-Encoding sent ("" for none), the body's length in bytes and the status.</summary>
    public ConcurrentQueue<(string Path, string Encoding, long Bytes, int Status)> Served { get; } = new();

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The listener was closed under the loop: that is how it stops.
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => RespondAsync(context));
        }
    }

    private async Task RespondAsync(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        string path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath);
        try
        {
            string relative = path.TrimStart('/');
            if (relative.Length == 0 || relative.EndsWith('/'))
            {
                relative += "index.html";
            }

            string file = Path.GetFullPath(Path.Combine(_root, relative));
            bool inside = file.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (!inside || !File.Exists(file) || context.Request.HttpMethod is not ("GET" or "HEAD"))
            {
                response.StatusCode = inside && File.Exists(file) ? 405 : 404;
                Served.Enqueue((path, "", 0, response.StatusCode));
                return;
            }

            string accepts = context.Request.Headers["Accept-Encoding"] ?? "";
            (string body, string encoding) = File.Exists(file + ".br") && accepts.Contains("br", StringComparison.Ordinal) ? (file + ".br", "br")
                : File.Exists(file + ".gz") && accepts.Contains("gzip", StringComparison.Ordinal) ? (file + ".gz", "gzip")
                : (file, "");
            response.ContentType = MediaTypes.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            if (encoding.Length > 0)
            {
                response.AddHeader("Content-Encoding", encoding);
                response.AddHeader("Vary", "Accept-Encoding");
            }

            response.AddHeader("Cache-Control", "no-cache");
            if (CrossOriginIsolated)
            {
                response.AddHeader("Cross-Origin-Opener-Policy", "same-origin");
                response.AddHeader("Cross-Origin-Embedder-Policy", "require-corp");
            }

            byte[] bytes = await File.ReadAllBytesAsync(body);
            response.ContentLength64 = bytes.Length;
            if (context.Request.HttpMethod == "GET")
            {
                await response.OutputStream.WriteAsync(bytes);
            }

            Served.Enqueue((path, encoding, bytes.Length, 200));
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The browser went away mid-response (a closed page): nothing to answer.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                // Already closed by the client.
            }
        }
    }
}
