using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LeNet.Data;

// POSTs JSON pixels of MNIST test images to /api/predict from several concurrent clients for a fixed time,
// then reports requests/s, latency percentiles, errors and accuracy. Loopback addresses only.
//   dotnet run --project tests/LeNet.Web.Load -c Release -- --url http://127.0.0.1:5190 [--clients 8] [--seconds 30] [--model modern]
var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--url"] = "http://127.0.0.1:5000",
    ["--clients"] = "8",
    ["--seconds"] = "30",
    ["--warmup-seconds"] = "3",
    ["--model"] = "modern",
};
for (int i = 0; i < args.Length; i += 2)
{
    if (!options.ContainsKey(args[i]) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"usage: LeNet.Web.Load [{string.Join("] [", options.Keys.Select(k => $"{k} {options[k]}"))}]");
        return 2;
    }

    options[args[i]] = args[i + 1];
}

var baseAddress = new Uri(options["--url"]);
int clients = Math.Clamp(int.Parse(options["--clients"], CultureInfo.InvariantCulture), 1, 64);
double seconds = Math.Clamp(double.Parse(options["--seconds"], CultureInfo.InvariantCulture), 1, 300);
double warmupSeconds = Math.Clamp(double.Parse(options["--warmup-seconds"], CultureInfo.InvariantCulture), 0, 60);
string model = options["--model"];

// Traffic goes to this machine only.
IPAddress[] addresses = IPAddress.TryParse(baseAddress.Host.Trim('[', ']'), out IPAddress? literal)
    ? [literal]
    : await Dns.GetHostAddressesAsync(baseAddress.Host);
if (addresses.Length == 0 || !addresses.All(IPAddress.IsLoopback))
{
    Console.Error.WriteLine($"LeNet.Web.Load: {baseAddress.Host} is not a loopback address; this tool only loads a server on this machine (127.0.0.1, [::1], localhost).");
    return 2;
}

Mnist mnist = Mnist.Load(Path.Combine(AppContext.BaseDirectory, "mnist-subset"));
const int Images = 100;
var bodies = new byte[Images][];
var labels = new int[Images];
for (int i = 0; i < Images; i++)
{
    var pixels = new float[784];
    mnist.Test.CopyImages([i], pixels);
    bodies[i] = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, float[]> { ["pixels"] = pixels });
    labels[i] = mnist.Test.Labels[i];
}

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
using var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
var path = new Uri($"/api/predict?model={Uri.EscapeDataString(model)}", UriKind.Relative);

Console.WriteLine($"LeNet.Web.Load: POST {new Uri(baseAddress, path)} with JSON pixels of {Images} MNIST test images ({bodies[0].Length:N0} bytes each)");
Console.WriteLine($"{clients} concurrent clients, {warmupSeconds:0.#} s warm-up, then {seconds:0.#} s measured; {Environment.ProcessorCount} cores shared by server and clients");

await RunAsync(TimeSpan.FromSeconds(warmupSeconds));
Result result = await RunAsync(TimeSpan.FromSeconds(seconds));

double[] latencies = [.. result.Latencies.Order()];
double[] server = [.. result.ServerMicroseconds.Order()];
Console.WriteLine();
Console.WriteLine($"requests     {latencies.Length + result.Errors:N0} in {result.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"throughput   {latencies.Length / result.Elapsed.TotalSeconds:N0} requests/s");
Console.WriteLine($"latency      p50 {Percentile(latencies, 0.50):F2} ms, p90 {Percentile(latencies, 0.90):F2} ms, p99 {Percentile(latencies, 0.99):F2} ms, max {(latencies.Length > 0 ? latencies[^1] : 0):F2} ms");
Console.WriteLine($"server time  p50 {Percentile(server, 0.50) / 1000:F3} ms, p99 {Percentile(server, 0.99) / 1000:F3} ms (elapsedMicroseconds: parse + classify)");
Console.WriteLine($"errors       {result.Errors}{(result.FirstError is null ? "" : $" (first: {result.FirstError})")}");
Console.WriteLine($"accuracy     {(latencies.Length == 0 ? 0 : 100.0 * result.Correct / latencies.Length):F2} % of answers match the MNIST label");
return result.Errors == 0 && latencies.Length > 0 ? 0 : 1;

async Task<Result> RunAsync(TimeSpan duration)
{
    var result = new Result();
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
    {
        var latencies = new List<double>();
        var serverTimes = new List<double>();
        int correct = 0, errors = 0;
        string? firstError = null;
        for (int n = client; clock.Elapsed < duration; n += clients)
        {
            int image = n % Images;
            long start = Stopwatch.GetTimestamp();
            try
            {
                using var content = new ByteArrayContent(bodies[image]);
                content.Headers.ContentType = new("application/json");
                using HttpResponseMessage response = await http.PostAsync(path, content);
                byte[] body = await response.Content.ReadAsByteArrayAsync();
                double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    errors++;
                    firstError ??= $"{(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}";
                    continue;
                }

                using JsonDocument answer = JsonDocument.Parse(body);
                latencies.Add(milliseconds);
                serverTimes.Add(answer.RootElement.GetProperty("elapsedMicroseconds").GetInt64());
                correct += answer.RootElement.GetProperty("digit").GetInt32() == labels[image] ? 1 : 0;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or SocketException or JsonException or KeyNotFoundException)
            {
                errors++;
                firstError ??= e.Message;
            }
        }

        result.Add(latencies, serverTimes, correct, errors, firstError);
    })));
    result.Elapsed = clock.Elapsed;
    return result;
}

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

/// <summary>What the clients saw, merged as each finishes.</summary>
internal sealed class Result
{
    private readonly Lock _lock = new();

    public List<double> Latencies { get; } = [];

    public List<double> ServerMicroseconds { get; } = [];

    public int Correct { get; private set; }

    public int Errors { get; private set; }

    public string? FirstError { get; private set; }

    public TimeSpan Elapsed { get; set; }

    public void Add(List<double> latencies, List<double> serverTimes, int correct, int errors, string? firstError)
    {
        lock (_lock)
        {
            Latencies.AddRange(latencies);
            ServerMicroseconds.AddRange(serverTimes);
            Correct += correct;
            Errors += errors;
            FirstError ??= firstError;
        }
    }
}
