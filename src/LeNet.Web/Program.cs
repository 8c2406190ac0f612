using LeNet.Web;
using LeNet.Web.Models;

// dotnet run --project src/LeNet.Web [--weights FILE [--model classic|modern]] [--urls http://127.0.0.1:5000]
WebApplication app;
try
{
    app = WebApp.Build(args);
}
catch (ModelLoadException e)
{
    // A bad --weights file or missing pretrained weights: one line that says what to do, no stack trace.
    await Console.Error.WriteLineAsync($"LeNet.Web: {e.Message}");
    return 1;
}

await app.RunAsync();
return 0;
