using System.Net;
using System.Net.Sockets;

namespace LeNet.Tests.Data;

/// <summary>
/// An HTTP server on 127.0.0.1 at a free port, answering every request through a handler: a stand-in
/// for GitHub's file host in the downloader tests (these machines reach no web host).
/// </summary>
public sealed class FashionLoopbackServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerContext, Task> _handler;
    private readonly Task _loop;
    private int _requests;

    public FashionLoopbackServer(Func<HttpListenerContext, Task> handler)
    {
        _handler = handler;
        // HttpListener cannot bind port 0; ask the system for a free port first and take it at once.
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                _listener.Start();
                BaseUrl = new Uri($"http://127.0.0.1:{port}/data/fashion/");
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }

        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The folder URL the files are served under.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>How many requests arrived.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>A handler serving the files of <paramref name="folder"/> by name (404 for others), with <paramref name="body"/> to change a file's bytes.</summary>
    public static Func<HttpListenerContext, Task> Files(string folder, Func<string, byte[], byte[]>? body = null) => async context =>
    {
        string name = context.Request.Url!.Segments[^1];
        string path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            context.Response.StatusCode = 404;
            context.Response.Close();
            return;
        }

        byte[] bytes = await File.ReadAllBytesAsync(path);
        bytes = body?.Invoke(name, bytes) ?? bytes;
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    };

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
        }
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task LoopAsync()
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

            Interlocked.Increment(ref _requests);
            _ = Task.Run(async () =>
            {
                try
                {
                    await _handler(context);
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                    // The client went away (a cancelled download): nothing to answer.
                }
            });
        }
    }
}
