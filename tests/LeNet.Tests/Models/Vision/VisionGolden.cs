using System.Globalization;
using System.Text;
using System.Text.Json;
using LeNet.Layers;

namespace LeNet.Tests.Models.Vision;

/// <summary>
/// The torchvision fixtures made by real PyTorch 1.13.1 / torchvision 0.14.1 (Golden/torchvision/make_*.py):
/// every architecture's state-dict layout and parameter count (manifest.json), evaluation-mode logits with
/// deterministic weights (outputs.json), one training step (training.json). No weights are committed: both sides
/// fill every state-dict entry with the same deterministic function (<see cref="Value(string, ReadOnlySpan{int}, long, bool)"/>, ported from detweights.py).
/// </summary>
internal static class VisionGolden
{
    private static readonly Lazy<JsonElement> Manifest = new(() => Read("manifest.json"));
    private static readonly Lazy<JsonElement> Outputs = new(() => Read("outputs.json"));
    private static readonly Lazy<JsonElement> Training = new(() => Read("training.json"));

    /// <summary>Every architecture name of the manifest, in its order.</summary>
    public static IEnumerable<string> Names => Manifest.Value.GetProperty("names").EnumerateArray().Select(e => e.GetString()!);

    /// <summary>The names with a training-step fixture.</summary>
    public static IEnumerable<string> TrainingNames => Training.Value.GetProperty("models").EnumerateArray().Select(e => e.GetProperty("name").GetString()!);

    /// <summary>torchvision's state dict of <paramref name="name"/> (1000 classes): keys with shapes, in order, and the parameter counts for 1000 and 10 classes.</summary>
    public static (List<(string Key, int[] Shape)> State, long Parameters, long Parameters10) StateOf(string name)
    {
        JsonElement model = Model(Manifest.Value, name);
        List<(string, int[])> state = [.. model.GetProperty("state").EnumerateArray().Select(e => (e[0].GetString()!, e[1].EnumerateArray().Select(d => d.GetInt32()).ToArray()))];
        return (state, model.GetProperty("parameters").GetInt64(), model.GetProperty("parameters_10").GetInt64());
    }

    /// <summary>The evaluation-mode fixture: input shape, logits with running statistics, logits with batch statistics (training-mode BatchNorm).</summary>
    public static (int[] InputShape, float[] Output, float[] OutputTrainBatchNorm) OutputOf(string name)
    {
        JsonElement model = Model(Outputs.Value, name);
        return (Ints(model.GetProperty("input_shape")), Floats2(model.GetProperty("output")), Floats2(model.GetProperty("output_train_bn")));
    }

    /// <summary>The training-step fixture of <paramref name="name"/>.</summary>
    public static JsonElement TrainingOf(string name) => Model(Training.Value, name);

    /// <summary>The self-check entries of detweights.py: key → (shape, rule, first values, or one index and its value).</summary>
    public static JsonElement Check => Manifest.Value.GetProperty("detweights_check");

    /// <summary>
    /// Element <paramref name="index"/> of state entry <paramref name="key"/> of <paramref name="shape"/>, as
    /// detweights.py computes it: an FNV-1a hash of the key, mixed with the index (murmur3's finalizer), 24 bits
    /// to u in [0, 1), v = 2u − 1, then a rule by the key's ending and the tensor's rank; computed in double and
    /// rounded to float.
    /// </summary>
    public static float Value(string key, ReadOnlySpan<int> shape, long index, bool raw = false)
    {
        Rule rule = RuleOf(key, shape, out double gain);
        return Value(Fnv1a(key), raw ? Rule.Raw : rule, gain, index);
    }

    /// <summary>Fills every state-dict entry of <paramref name="model"/> with <see cref="Value(string, ReadOnlySpan{int}, long, bool)"/> (the hash and rule worked out once per entry).</summary>
    public static void Fill(Module model)
    {
        foreach ((string key, Tensor tensor) in model.StateDict())
        {
            Span<float> data = tensor.AsSpan();
            uint hash = Fnv1a(key);
            Rule rule = RuleOf(key, tensor.Shape, out double gain);
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = Value(hash, rule, gain, i);
            }
        }
    }

    /// <summary>The deterministic input (key "input", values v in [−1, 1)).</summary>
    public static Tensor Input(params int[] shape)
    {
        var input = new Tensor(shape);
        Span<float> data = input.AsSpan();
        uint hash = Fnv1a("input");
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = Value(hash, Rule.Raw, 0, i);
        }

        return input;
    }

    /// <summary>detweights.py's rules, by the key's ending and the tensor's rank.</summary>
    private enum Rule
    {
        /// <summary>v itself (the input).</summary>
        Raw,

        /// <summary>0 (<c>num_batches_tracked</c>).</summary>
        Zero,

        /// <summary>0.5 + u (<c>running_var</c>).</summary>
        RunningVar,

        /// <summary>0.1·v (<c>running_mean</c>, vectors other than weights).</summary>
        Small,

        /// <summary>1 + 0.1·v (a vector named <c>weight</c>).</summary>
        VectorWeight,

        /// <summary>v·√(3 / fan-in) (matrices and kernels with fan-in above 1).</summary>
        Scaled,

        /// <summary>0.5 + 0.1·v (fan-in 1).</summary>
        Unit,
    }

    private static Rule RuleOf(string key, ReadOnlySpan<int> shape, out double gain)
    {
        gain = 0;
        if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
        {
            return Rule.Zero;
        }

        if (key.EndsWith("running_var", StringComparison.Ordinal))
        {
            return Rule.RunningVar;
        }

        if (key.EndsWith("running_mean", StringComparison.Ordinal))
        {
            return Rule.Small;
        }

        if (shape.Length <= 1)
        {
            return key.EndsWith("weight", StringComparison.Ordinal) ? Rule.VectorWeight : Rule.Small;
        }

        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
        }

        long fanIn = count / shape[0];
        gain = Math.Sqrt(3.0 / fanIn);
        return fanIn > 1 ? Rule.Scaled : Rule.Unit;
    }

    private static float Value(uint hash, Rule rule, double gain, long index)
    {
        uint x = Mix(hash ^ unchecked((uint)(index * 0x9E3779B9L)));
        double u = (x >> 8) / 16777216.0;
        double v = (2 * u) - 1;
        return rule switch
        {
            Rule.Raw => (float)v,
            Rule.Zero => 0,
            Rule.RunningVar => (float)(0.5 + u),
            Rule.Small => (float)(0.1 * v),
            Rule.VectorWeight => (float)(1 + (0.1 * v)),
            Rule.Scaled => (float)(v * gain),
            _ => (float)(0.5 + (0.1 * v)),
        };
    }

    /// <summary>
    /// Checks <paramref name="model"/>'s state dict against torchvision's <paramref name="name"/> key by key (order,
    /// names, shapes) and its parameter count, for <paramref name="numClasses"/> 1000 or 10.
    /// </summary>
    public static void ShouldMatchTorchVision(this Module model, string name, int numClasses = 1000)
    {
        (List<(string Key, int[] Shape)> expected, long parameters, long parameters10) = StateOf(name);
        var actual = model.StateDict().Select(e => (e.Key, Shape: e.Value.Shape.ToArray())).ToList();
        var problems = new StringBuilder();
        for (int i = 0; i < Math.Max(expected.Count, actual.Count) && problems.Length < 2000; i++)
        {
            string want = i < expected.Count ? $"{expected[i].Key} {Tensor.FormatShape(Classes(expected[i].Shape, expected[i].Key))}" : "(nothing)";
            string got = i < actual.Count ? $"{actual[i].Key} {Tensor.FormatShape(actual[i].Shape)}" : "(nothing)";
            if (want != got)
            {
                problems.Append(CultureInfo.InvariantCulture, $"\n  entry {i}: expected {want}, got {got}");
            }
        }

        problems.ToString().Should().BeEmpty($"{name}'s state dict should be torchvision's ({expected.Count} entries, got {actual.Count})");
        model.Parameters().Sum(p => (long)p.Length).Should().Be(numClasses == 1000 ? parameters : parameters10, $"{name}'s parameter count");

        int[] Classes(int[] shape, string key)
        {
            // The manifest is for 1000 classes: the classifier's output dimension changes with numClasses.
            if (numClasses == 1000 || shape.Length == 0 || shape[0] != 1000)
            {
                return shape;
            }

            int[] copy = (int[])shape.Clone();
            copy[0] = numClasses;
            return copy;
        }
    }

    private static JsonElement Model(JsonElement root, string name) =>
        root.GetProperty("models").EnumerateArray().First(e => e.GetProperty("name").GetString() == name);

    private static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    private static float[] Floats2(JsonElement array) => [.. array.EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(e => e.GetSingle())];

    private static uint Fnv1a(string key)
    {
        uint hash = 0x811C9DC5;
        foreach (byte b in Encoding.UTF8.GetBytes(key))
        {
            hash = unchecked((hash ^ b) * 0x01000193);
        }

        return hash;
    }

    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x = unchecked(x * 0x85EBCA6B);
        x ^= x >> 13;
        x = unchecked(x * 0xC2B2AE35);
        x ^= x >> 16;
        return x;
    }

    private static JsonElement Read(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "torchvision", file);
        using FileStream stream = File.OpenRead(path);
        return JsonDocument.Parse(stream).RootElement.Clone();
    }
}
