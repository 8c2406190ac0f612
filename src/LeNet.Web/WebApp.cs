using LeNet.Web.Api;
using LeNet.Web.Models;

namespace LeNet.Web;

/// <summary>
/// Composes the web app: the models (loaded once, shared by every request), the page in wwwroot,
/// <c>POST /api/predict</c>, <c>GET /health</c>, problem details for every error and a log line per request.
/// </summary>
internal static class WebApp
{
    /// <summary>Builds the app from the command line and configuration, loading both models before it serves anything.</summary>
    /// <param name="args">The command line: ASP.NET Core's own options (<c>--urls</c>, <c>--Models:Modern:Weights FILE</c>, …) plus
    /// <c>--weights FILE</c> and <c>--model classic|modern</c> (which model the file replaces; by default the one its recorded recipe names, else modern).</param>
    /// <returns>The app, ready to run.</returns>
    /// <exception cref="ModelLoadException">A model could not be loaded; the message says which and why.</exception>
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, ModelSources.SwitchMappings);

        builder.Services.AddProblemDetails();
        builder.Services.Configure<RequestLimits>(builder.Configuration.GetSection(RequestLimits.Section));
        builder.Services.AddSingleton(services => DigitModels.Load(
            ModelSources.From(builder.Configuration),
            services.GetRequiredService<ILogger<DigitModels>>()));

        WebApplication app = builder.Build();

        // Load the models now: a bad weights file stops the start with its reason, not the first request.
        app.Services.GetRequiredService<DigitModels>();

        app.UseMiddleware<RequestTimingMiddleware>();
        app.UseExceptionHandler();      // an unexpected exception: a 500 problem, never a stack trace
        app.UseStatusCodePages();       // 404, 405, …: problem details too
        app.UseDefaultFiles();
        app.UseStaticFiles();

        app.MapPost("/api/predict", PredictEndpoint.HandleAsync);
        app.MapGet("/health", HealthEndpoint.Handle);
        return app;
    }
}
