using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Web.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeNet.Web.Tests;

/// <summary>Serving a user's own weights: --weights FILE [--model classic|modern], or configuration.</summary>
public sealed class ModelConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lenet-web-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A network of that variant with random weights (seed 7), saved to a file: its answers differ from the pretrained model's.</summary>
    private (string Path, Sequential Network) RandomWeights(LeNetVariant variant)
    {
        Sequential network = variant == LeNetVariant.Classic ? LeNetFactory.Create(seed: 7) : LeNetFactory.CreateModern(seed: 7);
        network.Eval();
        string path = Path.Combine(_folder, $"{variant}.safetensors");
        network.Save(path);
        return (path, network);
    }

    private static ModelSources Parse(params string[] args) =>
        ModelSources.From(new ConfigurationBuilder().AddCommandLine(args, ModelSources.SwitchMappings).Build());

    [Fact]
    public void ModelSources_CommandLine_ReplacesTheNamedModelOnly()
    {
        Parse().Should().Be(ModelSources.Pretrained);
        Parse("--weights", "a.safetensors").Should().Be(new ModelSources(null, "a.safetensors"), "modern is the default");
        Parse("--weights", "a.safetensors", "--model", "classic").Should().Be(new ModelSources("a.safetensors", null));
        Parse("--weights=a.safetensors", "--model=Modern").Should().Be(new ModelSources(null, "a.safetensors"));
        Parse("--Models:Classic:Weights", "c.safetensors", "--weights", "m.safetensors").Should().Be(new ModelSources("c.safetensors", "m.safetensors"));
    }

    [Theory]
    [InlineData("modern", false)]
    [InlineData("d2l", true)]
    [InlineData("classic", true)]
    [InlineData(null, false)]
    public void ModelSources_WithoutModel_TheRecordedRecipeNamesTheModel(string? recipe, bool classic)
    {
        // What `lenet train --recipe …` writes: the recipe in the file's metadata. No recipe: modern.
        Sequential network = classic ? LeNetFactory.Create(seed: 1) : LeNetFactory.CreateModern(seed: 1);
        string path = Path.Combine(_folder, "trained.safetensors");
        Dictionary<string, string>? metadata = recipe is null ? null : new() { ["recipe"] = recipe };
        LeNet.IO.SafeTensors.Write(path, network.StateDict(), metadata);

        ModelSources sources = Parse("--weights", path);

        sources.Should().Be(classic ? new ModelSources(path, null) : new ModelSources(null, path));
        Parse("--weights", path, "--model", classic ? "modern" : "classic").Should().Be(classic ? new ModelSources(null, path) : new ModelSources(path, null), "--model wins");
    }

    [Theory]
    [InlineData(new[] { "--model", "classic" }, "no --weights FILE was given")]
    [InlineData(new[] { "--weights", "a.safetensors", "--model", "lenet" }, "--model must be classic or modern, got 'lenet'")]
    public void ModelSources_BadCommandLine_ExplainsTheMistake(string[] args, string message)
    {
        Action act = () => Parse(args);

        act.Should().Throw<ModelLoadException>().WithMessage($"*{message}*");
    }

    [Fact]
    public void Load_WeightsOfTheOtherVariant_NamesTheMismatch()
    {
        (string classic, _) = RandomWeights(LeNetVariant.Classic);
        (string modern, _) = RandomWeights(LeNetVariant.Modern);

        // Same keys and shapes, so they load; but a file that is not safetensors at all does not.
        File.WriteAllText(Path.Combine(_folder, "bad.safetensors"), "not safetensors");
        Action load = () => DigitModels.Load(new ModelSources(classic, Path.Combine(_folder, "bad.safetensors")), NullLogger.Instance);
        Action missing = () => DigitModels.Load(new ModelSources(Path.Combine(_folder, "missing.safetensors"), modern), NullLogger.Instance);

        load.Should().Throw<ModelLoadException>().WithMessage("*bad.safetensors' cannot be served as the modern model: *");
        missing.Should().Throw<ModelLoadException>().WithMessage("*the classic model's weights file '*missing.safetensors' does not exist.");
    }

    [Fact]
    public async Task Configuration_ModernWeights_ServedInsteadOfThePretrainedModel()
    {
        (string path, Sequential network) = RandomWeights(LeNetVariant.Modern);
        await using var factory = new WebAppFactory(new() { ["Models:Modern:Weights"] = path });
        using HttpClient client = factory.CreateClient();
        float[] pixels = TestData.MnistPixels(0);

        using HttpResponseMessage response = await client.PostAsync("/api/predict?model=modern", new StringContent(TestData.PixelsJson(pixels), Encoding.UTF8, "application/json"));
        Prediction answer = await Prediction.ReadAsync(response);
        JsonElement health = await client.GetFromJsonAsync<JsonElement>("/health");

        answer.Probabilities.Should().Equal(network.PredictDigit(pixels).Probabilities);
        answer.Probabilities.Should().NotEqual(LeNetFactory.CreatePretrained(LeNetVariant.Modern).PredictDigit(pixels).Probabilities);
        health.GetProperty("models")[1].GetProperty("source").GetString().Should().Be(path);
        health.GetProperty("models")[0].GetProperty("source").GetString().Should().Be("pretrained");
        factory.LogLines.Should().Contain($"LeNet.Web.Models.DigitModels: Serving the modern model ({path})");
    }

    [Fact]
    public async Task Process_WeightsAndModelOptions_ServeTheFileOnLoopback()
    {
        (string path, Sequential network) = RandomWeights(LeNetVariant.Classic);
        await using AppProcess app = AppProcess.Start("--weights", path, "--model", "classic", "--urls", "http://127.0.0.1:0");
        Uri address = await app.ListeningAsync();
        using var client = new HttpClient { BaseAddress = address };
        float[] pixels = TestData.MnistPixels(1);

        using HttpResponseMessage response = await client.PostAsync("/api/predict?model=classic", new StringContent(TestData.PixelsJson(pixels), Encoding.UTF8, "application/json"));
        Prediction answer = await Prediction.ReadAsync(response);

        answer.Probabilities.Should().Equal(network.PredictDigit(pixels).Probabilities);
        app.Output.Should().Contain($"Serving the classic model ({path})");
        (await app.WaitForOutputAsync(@"POST /api/predict\?model=classic 200 in \d+\.\d\d ms")).Should().BeTrue("every request is logged with its time:\n" + app.Output);
    }

    [Theory]
    [InlineData("missing.safetensors", "LeNet.Web: the modern model's weights file '*missing.safetensors' does not exist.")]
    [InlineData("garbage.safetensors", "LeNet.Web: '*garbage.safetensors' cannot be served as the modern model: *")]
    public async Task Process_BadWeightsFile_ExitsWithOneLineSayingWhy(string file, string message)
    {
        File.WriteAllText(Path.Combine(_folder, "garbage.safetensors"), "\u0001\u0002 not safetensors");
        await using AppProcess app = AppProcess.Start("--weights", Path.Combine(_folder, file), "--urls", "http://127.0.0.1:0");

        int exitCode = await app.ExitCodeAsync();

        exitCode.Should().Be(1);
        app.Output.Trim().Should().Match(message);
        app.Output.Should().NotContain("   at ", "no stack trace");
    }
}
