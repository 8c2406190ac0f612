using System.Diagnostics;

namespace LeNet.Web;

/// <summary>Logs one line per request: method, path, status, the problem's code if any, and the time taken.</summary>
internal sealed partial class RequestTimingMiddleware(RequestDelegate next, ILogger<RequestTimingMiddleware> logger)
{
    /// <summary>The <see cref="HttpContext.Items"/> key under which an endpoint leaves the code of the problem it answered.</summary>
    public const string ProblemCodeKey = "LeNet.Web.ProblemCode";

    /// <summary>Times the rest of the pipeline and logs the outcome, even when it throws.</summary>
    /// <param name="context">The request.</param>
    /// <returns>A task that completes with the request.</returns>
    public async Task InvokeAsync(HttpContext context)
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            string problem = context.Items.TryGetValue(ProblemCodeKey, out object? code) ? $" {code}" : "";
            LogRequest(logger, context.Request.Method, context.Request.Path, context.Request.QueryString, context.Response.StatusCode, problem, milliseconds);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Path}{Query} {Status}{Problem} in {Milliseconds:F2} ms")]
    private static partial void LogRequest(ILogger logger, string method, PathString path, QueryString query, int status, string problem, double milliseconds);
}
