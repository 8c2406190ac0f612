using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LeNet.Cli;
using LeNet.IO;
using LeNet.Layers;
using StbImageWriteSharp;

namespace LeNet.Tests.Cli;

/// <summary>
/// <c>lenet predict --model torchvision:NAME</c> (and <c>--onnx</c> with a colour model) with a small injected
/// classifier, <see cref="TinyClassifier"/>, whose probabilities for a picture of one colour follow from a formula.
/// </summary>
public sealed class PredictClassifierTests : IDisposable
{
    private static readonly (byte R, byte G, byte B) Colour = (200, 30, 90);
    private static readonly string[] Names = ["zero", "one", "two", "three", "four", "five, with a comma", "six"];

    private readonly TempDirectory _dir = new();

    public PredictClassifierTests()
    {
        new TinyClassifier(7).Save(Weights);
        File.WriteAllLines(Labels, Names);
        WritePng(Image, 40, 30, Colour);
    }

    private string Weights => _dir.File("tiny.safetensors");

    private string Labels => _dir.File("labels.txt");

    private string Image => _dir.File("photo.png");

    public void Dispose() => _dir.Dispose();

    private static void WritePng(string path, int width, int height, (byte R, byte G, byte B) colour)
    {
        var pixels = new byte[3 * width * height];
        for (int i = 0; i < width * height; i++)
        {
            (pixels[3 * i], pixels[(3 * i) + 1], pixels[(3 * i) + 2]) = colour;
        }

        using FileStream stream = File.Create(path);
        new ImageWriter().WritePng(pixels, width, height, ColorComponents.RedGreenBlue, stream);
    }

    private static int[] Ranking(double[] probabilities) => [.. probabilities.Select((p, c) => (p, c)).OrderByDescending(t => t.p).ThenBy(t => t.c).Select(t => t.c)];

    [Fact]
    public void Predict_CatalogModelWithLabels_PrintsTheTopFiveClassesByName()
    {
        double[] expected = TinyClassifier.Probabilities(7, Colour);
        int[] ranking = Ranking(expected);

        (int code, string stdout, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--num-classes", "7", "--weights", Weights, "--labels", Labels, Image);

        code.Should().Be(0, stderr);
        stderr.Should().BeEmpty();
        string line = Lenet.OneLine(stdout);
        line.Should().StartWith($"{Image}: {ranking[0]} {Names[ranking[0]]}  (");
        MatchCollection entries = Regex.Matches(line, @"(\d) ([a-z, ]+?) (\d+\.\d) %");
        entries.Should().HaveCount(5, "the top five classes: {0}", line);
        for (int i = 0; i < 5; i++)
        {
            int c = int.Parse(entries[i].Groups[1].Value, CultureInfo.InvariantCulture);
            c.Should().Be(ranking[i]);
            entries[i].Groups[2].Value.Should().Be(Names[c]);
            double.Parse(entries[i].Groups[3].Value, CultureInfo.InvariantCulture).Should().BeApproximately(100 * expected[c], 0.051);
        }
    }

    [Fact]
    public void Predict_Json_GivesTheClassLabelAndTopProbabilities()
    {
        double[] expected = TinyClassifier.Probabilities(7, Colour);
        int[] ranking = Ranking(expected);

        (int code, string stdout, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--weights", Weights, "--labels", Labels, "--top", "7", "--json", Image);

        code.Should().Be(0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement result = json.RootElement.EnumerateArray().Single();
        result.GetProperty("file").GetString().Should().Be(Image);
        result.GetProperty("class").GetInt32().Should().Be(ranking[0]);
        result.GetProperty("label").GetString().Should().Be(Names[ranking[0]]);
        JsonElement[] top = [.. result.GetProperty("top").EnumerateArray()];
        top.Select(t => t.GetProperty("class").GetInt32()).Should().Equal(ranking);
        top.Select(t => t.GetProperty("label").GetString()).Should().Equal(ranking.Select(c => Names[c]));
        foreach (JsonElement t in top)
        {
            t.GetProperty("probability").GetDouble().Should().BeApproximately(expected[t.GetProperty("class").GetInt32()], 1e-5);
        }
    }

    [Fact]
    public void Predict_WithoutLabels_ShowsClassIndices()
    {
        int[] ranking = Ranking(TinyClassifier.Probabilities(7, Colour));

        (int code, string stdout, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--weights", Weights, "--top", "2", Image);

        code.Should().Be(0, stderr);
        Lenet.OneLine(stdout).Should().MatchRegex($@"^{Regex.Escape(Image)}: {ranking[0]}  \({ranking[0]} \d+\.\d %; {ranking[1]} \d+\.\d %\)$");
    }

    [Fact]
    public void Predict_MeanAndStdOptions_NormalizeWithThem()
    {
        double[] expected = TinyClassifier.Probabilities(7, Colour, mean: [0, 0, 0], std: [1, 1, 1]);

        (int code, string stdout, string stderr) = Lenet.RunWith(
            TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--weights", Weights, "--mean", "0,0,0", "--std", "1, 1, 1", "--resize", "0", "--crop", "0", "--top", "7", "--json", Image);

        code.Should().Be(0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        foreach (JsonElement t in json.RootElement[0].GetProperty("top").EnumerateArray())
        {
            t.GetProperty("probability").GetDouble().Should().BeApproximately(expected[t.GetProperty("class").GetInt32()], 1e-5);
        }
    }

    [Fact]
    public void Predict_WeightsWithAnotherClassCount_BuildsTheModelWithTheFilesClasses()
    {
        // The catalog builds 1000 classes by default; the file's classifier has 7 (a fine-tuned model).
        (int code, string stdout, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--weights", Weights, "--labels", Labels, Image);

        code.Should().Be(0, stderr);
        Lenet.OneLine(stderr).Should().Be($"lenet: note: the classifier in '{Weights}' has 7 classes, not ImageNet's 1000; building tiny with --num-classes 7");
        stdout.Should().Contain(Names[Ranking(TinyClassifier.Probabilities(7, Colour))[0]]);
    }

    [Fact]
    public void Predict_NumClassesContradictingTheFile_ExitsWeightsMismatchWithAHint()
    {
        (int code, _, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--weights", Weights, "--num-classes", "5", Image);

        code.Should().Be(ExitCodes.WeightsMismatch);
        Lenet.OneLine(stderr).Should().Match(
            "lenet predict: the weights in '*tiny.safetensors' do not fit the torchvision:tiny model: 2 size mismatches: 'fc.weight' is [7, 3] in the file, [5, 3] in the model, 'fc.bias' is [7] in the file, [5] in the model. The file holds 4 tensors*The file's classifier has 7 classes: give --num-classes 7 (or leave it out).");
    }

    [Fact]
    public void Predict_StateDictOfAnotherModel_IsReportedBriefly()
    {
        // 40 keys of another network: the message counts them and names the first five, not all forty.
        var other = new Sequential([.. Enumerable.Range(0, 20).Select(_ => (ILayer)new Linear(2, 2))]);
        other.Save(_dir.File("other.safetensors"));

        (int code, _, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--num-classes", "7", "--weights", _dir.File("other.safetensors"), Image);

        code.Should().Be(ExitCodes.WeightsMismatch);
        string line = Lenet.OneLine(stderr);
        line.Should().Be(
            $"lenet predict: the weights in '{_dir.File("other.safetensors")}' do not fit the torchvision:tiny model: " +
            "4 missing keys: 'features.0.weight' [3, 3, 1, 1], 'features.0.bias' [3], 'fc.weight' [7, 3], 'fc.bias' [7]; " +
            "40 unexpected keys: '0.weight' [2, 2], '0.bias' [2], '1.weight' [2, 2], '1.bias' [2], '2.weight' [2, 2] and 35 more. " +
            "The file holds 40 tensors (120 values): '0.weight' [2, 2], '0.bias' [2], '1.weight' [2, 2], …, '19.bias' [2]; the model has 4 (40 values).");
    }

    [Fact]
    public void Evaluate_ColourModelsWeightsIntoLeNet_SaysBrieflyWhatTheFileIs()
    {
        (int code, _, string stderr) = Lenet.Run("evaluate", "--weights", Weights, "--data", DatasetRecipeTests.FashionSubset);

        code.Should().Be(ExitCodes.WeightsMismatch);
        Lenet.OneLine(stderr).Should().Match(
            "lenet evaluate: the weights in '*' do not fit the lenet model: 10 missing keys: '0.weight' [6, 1, 5, 5], *and 5 more; 4 unexpected keys: 'features.0.weight' [3, 3, 1, 1], *The file holds 4 tensors (40 values)*; the model has 10 (61,706 values). The file's first convolution takes 3 channels: it looks like a colour-image classifier*--model torchvision:NAME*");
    }

    [Theory]
    [InlineData(new[] { "--model", "torchvision:nope" }, ExitCodes.Usage, "*--model torchvision:nope: no architecture named 'nope' (the architectures are tiny)")]
    [InlineData(new[] { "--model", "torchvision:" }, ExitCodes.Usage, "*is not a network*")]
    [InlineData(new[] { "--model", "torchvision:tiny", "--top", "8" }, ExitCodes.Usage, "*--top must be between 1 and the model's 7 classes, got 8")]
    [InlineData(new[] { "--model", "torchvision:tiny", "--mean", "0.5,0.5" }, ExitCodes.Usage, "*--mean takes three numbers*")]
    [InlineData(new[] { "--model", "torchvision:tiny", "--std", "1,0,1" }, ExitCodes.Usage, "*--std must be three positive numbers*")]
    [InlineData(new[] { "--model", "torchvision:tiny", "--crop", "-1" }, ExitCodes.Usage, "*--resize and --crop must be*")]
    [InlineData(new[] { "--model", "torchvision:tiny", "--labels", "missing.txt" }, ExitCodes.InputNotFound, "*labels file 'missing.txt' not found")]
    [InlineData(new[] { "--model", "torchvision:tiny", "--labels", "SHORT" }, ExitCodes.InvalidInput, "*names 2 classes, the model has 7")]
    [InlineData(new[] { "--model", "torchvision:tiny", "--onnx", "m.onnx" }, ExitCodes.Usage, "*--model applies to --weights*")]
    [InlineData(new[] { "--model", "modern", "--labels", "x.txt" }, ExitCodes.Usage, "*--labels applies to image classifiers*")]
    public void Predict_BadClassifierArguments_ExitWithTheirCode(string[] arguments, int expectedCode, string message)
    {
        File.WriteAllLines(_dir.File("short.txt"), ["a", "b"]);
        string[] args = [.. arguments.Select(a => a == "SHORT" ? _dir.File("short.txt") : a)];
        string[] weights = args.Contains("--onnx") ? [] : args.Contains("torchvision:tiny") ? ["--weights", Weights, "--num-classes", "7"] : ["--weights", Weights];

        (int code, _, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, ["predict", .. args, .. weights, Image]);

        code.Should().Be(expectedCode, stderr);
        stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].TrimEnd('\r').Should().Match(message);
    }

    [Fact]
    public void Predict_OnnxColourModel_RunsAsAnImageClassifier()
    {
        var model = new TinyClassifier(7);
        model.Eval();
        OnnxExporter.Export(model, _dir.File("tiny.onnx"), 1, 3, 16, 16);
        double[] expected = TinyClassifier.Probabilities(7, Colour);

        (int code, string stdout, string stderr) = Lenet.Run("predict", "--onnx", _dir.File("tiny.onnx"), "--resize", "20", "--crop", "16", "--labels", Labels, "--top", "7", "--json", Image);

        code.Should().Be(0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement[] top = [.. json.RootElement[0].GetProperty("top").EnumerateArray()];
        top.Select(t => t.GetProperty("class").GetInt32()).Should().Equal(Ranking(expected));
        top[0].GetProperty("probability").GetDouble().Should().BeApproximately(expected[Ranking(expected)[0]], 1e-5);
    }

    [Fact]
    public void Predict_OnnxGraphWithTwoPaths_RunsAsAnImageClassifier()
    {
        // (x + x) · 0.5 before the classifier: the input is read twice, so the graph is no chain; the probabilities are TinyClassifier's.
        var model = new TwoPathClassifier(7);
        model.Eval();
        OnnxExporter.Export(model, _dir.File("two.onnx"), 1, 3, 16, 16);
        double[] expected = TinyClassifier.Probabilities(7, Colour);

        (int code, string stdout, string stderr) = Lenet.Run("predict", "--onnx", _dir.File("two.onnx"), "--resize", "20", "--crop", "16", "--top", "7", "--json", Image);

        code.Should().Be(0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout);
        JsonElement[] top = [.. json.RootElement[0].GetProperty("top").EnumerateArray()];
        top.Select(t => t.GetProperty("class").GetInt32()).Should().Equal(Ranking(expected));
        top[0].GetProperty("probability").GetDouble().Should().BeApproximately(expected[Ranking(expected)[0]], 1e-5);
    }

    private sealed class TwoPathClassifier : Module
    {
        private readonly TinyClassifier _tiny;

        public TwoPathClassifier(int classes) => _tiny = Register("tiny", new TinyClassifier(classes));

        protected override Tensor ForwardCore(Tensor input) => _tiny.Forward((input + input) * 0.5f);
    }

    [Fact]
    public void Predict_CatalogModelWithoutWeights_WarnsThatItsWeightsAreRandom()
    {
        (int code, string stdout, string stderr) = Lenet.RunWith(TinyClassifier.Catalog, "predict", "--model", "torchvision:tiny", "--num-classes", "3", Image);

        code.Should().Be(0);
        Lenet.OneLine(stderr).Should().Be("lenet predict: warning: no --weights, so tiny has random weights and its predictions mean nothing");
        Lenet.OneLine(stdout).Should().StartWith(Image + ": ");
    }
}
