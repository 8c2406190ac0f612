using System.Text.Json;
using LeNet.IO;
using LeNet.Layers;

namespace LeNet.Tests.Layers;

/// <summary>
/// The PyTorch 1.13.1 fixture Golden/torchnn/layers_b.safetensors (made by make_layers_b.py beside it):
/// builds each case's layer from its recorded config with PyTorch's parameter values, replays the
/// recorded steps and compares output, input gradient, parameter gradients and buffers at 1e-5 abs / 1e-4 rel.
/// </summary>
public static class TorchLayersB
{
    private const double Atol = 1e-5, Rtol = 1e-4;

    private static readonly Lazy<SafeTensorsFile> File = new(() =>
        SafeTensors.Read(Path.Combine(AppContext.BaseDirectory, "Golden", "torchnn", "layers_b.safetensors")));

    /// <summary>The case names whose module type is <paramref name="type"/>.</summary>
    public static TheoryData<string> Cases(string type)
    {
        var data = new TheoryData<string>();
        foreach ((string name, string config) in File.Value.Metadata)
        {
            using var document = JsonDocument.Parse(config);
            if (document.RootElement.GetProperty("type").GetString() == type)
            {
                data.Add(name);
            }
        }

        return data;
    }

    public static Tensor Get(string name) => File.Value[name];

    /// <summary>Builds the case's layer with PyTorch's arguments and parameter values.</summary>
    public static ILayer Build(string name)
    {
        using var document = JsonDocument.Parse(File.Value.Metadata[name]);
        JsonElement args = document.RootElement.GetProperty("args");
        ILayer layer = document.RootElement.GetProperty("type").GetString() switch
        {
            "Conv2d" => new Conv2d(Int(args, "in_channels"), Int(args, "out_channels"), Pair(args, "kernel_size")!.Value,
                Pair(args, "stride"), Pair(args, "padding"), Bool(args, "bias", true), Pair(args, "dilation"), Int(args, "groups", 1)),
            "ConvTranspose2d" => new ConvTranspose2d(Int(args, "in_channels"), Int(args, "out_channels"), Pair(args, "kernel_size")!.Value,
                Pair(args, "stride"), Pair(args, "padding"), Pair(args, "output_padding"), Bool(args, "bias", true), Pair(args, "dilation"), Int(args, "groups", 1)),
            "MaxPool2d" when IsRectangular(args) => new MaxPool2d(Pair(args, "kernel_size")!.Value, Pair(args, "stride"),
                Pair(args, "padding"), Pair(args, "dilation"), Bool(args, "ceil_mode", false)),
            "MaxPool2d" => new MaxPool2d(Int(args, "kernel_size"), args.TryGetProperty("stride", out JsonElement s) ? s.GetInt32() : null,
                Int(args, "padding", 0), Int(args, "dilation", 1), Bool(args, "ceil_mode", false)),
            "AvgPool2d" when IsRectangular(args) => new AvgPool2d(Pair(args, "kernel_size")!.Value, Pair(args, "stride"),
                Pair(args, "padding"), Bool(args, "ceil_mode", false), Bool(args, "count_include_pad", true)),
            "AvgPool2d" => new AvgPool2d(Int(args, "kernel_size"), args.TryGetProperty("stride", out JsonElement t) ? t.GetInt32() : null,
                Int(args, "padding", 0), Bool(args, "ceil_mode", false), Bool(args, "count_include_pad", true)),
            "AdaptiveAvgPool2d" => new AdaptiveAvgPool2d(Pair(args, "output_size")!.Value),
            "BatchNorm2d" => new BatchNorm2d(Int(args, "num_features"), Float(args, "eps", 1e-5f), Float(args, "momentum", 0.1f), Bool(args, "affine", true), Bool(args, "track_running_stats", true)),
            "BatchNorm1d" => new BatchNorm1d(Int(args, "num_features"), Float(args, "eps", 1e-5f), Float(args, "momentum", 0.1f), Bool(args, "affine", true), Bool(args, "track_running_stats", true)),
            var other => throw new InvalidOperationException($"no builder for {other}"),
        };
        foreach ((string p, Parameter parameter) in layer.NamedParameters())
        {
            Get($"{name}.{p}").AsSpan().CopyTo(parameter.Value.AsSpan());
        }

        return layer;
    }

    public static int Steps(string name)
    {
        using var document = JsonDocument.Parse(File.Value.Metadata[name]);
        return document.RootElement.GetProperty("steps").GetInt32();
    }

    /// <summary>Replays the case: each training step's forward and backward, then (BatchNorm) the buffers and an evaluation-mode forward.</summary>
    public static void Replay(string name)
    {
        ILayer layer = Build(name);
        int steps = Steps(name);
        for (int k = 1; k <= steps; k++)
        {
            string suffix = steps == 1 ? "" : $"{k}";
            Tensor y = layer.Forward(Get($"{name}.x{suffix}"));
            y.Shape.ToArray().Should().Equal(Get($"{name}.y{suffix}").Shape.ToArray(), $"{name} output shape, step {k}");
            y.ToArray().Should().BeCloseTo(Get($"{name}.y{suffix}").ToArray(), Atol, Rtol, $"{name} output, step {k}");
            Tensor dx = layer.Backward(Get($"{name}.dy{suffix}"));
            dx.ToArray().Should().BeCloseTo(Get($"{name}.dx{suffix}").ToArray(), Atol, Rtol, $"{name} input gradient, step {k}");
        }

        foreach ((string p, Parameter parameter) in layer.NamedParameters())
        {
            parameter.Gradient.ToArray().Should().BeCloseTo(Get($"{name}.{p}.grad").ToArray(), Atol, Rtol, $"{name} {p} gradient");
        }

        var buffers = layer.NamedBuffers().ToList();
        buffers.Select(b => b.Name).Should().Equal(File.Value.Keys.Where(k => k.StartsWith(name + ".", StringComparison.Ordinal)).Select(k => k[(name.Length + 1)..])
            .Where(k => k is "running_mean" or "running_var" or "num_batches_tracked"), $"{name} buffers");
        foreach ((string b, Tensor buffer) in buffers)
        {
            buffer.Shape.ToArray().Should().Equal(Get($"{name}.{b}").Shape.ToArray(), $"{name} {b} shape");
            buffer.ToArray().Should().BeCloseTo(Get($"{name}.{b}").ToArray(), Atol, Rtol, $"{name} {b}");
        }

        if (File.Value.ContainsKey($"{name}.x_eval"))
        {
            layer.Eval();
            layer.Forward(Get($"{name}.x_eval")).ToArray().Should().BeCloseTo(Get($"{name}.y_eval").ToArray(), Atol, Rtol, $"{name} evaluation-mode output");
        }
    }

    private static int Int(JsonElement args, string key, int fallback = -1) =>
        args.TryGetProperty(key, out JsonElement value) ? value.GetInt32() : fallback >= 0 ? fallback : throw new KeyNotFoundException(key);

    private static float Float(JsonElement args, string key, float fallback) =>
        args.TryGetProperty(key, out JsonElement value) ? value.GetSingle() : fallback;

    private static bool Bool(JsonElement args, string key, bool fallback) =>
        args.TryGetProperty(key, out JsonElement value) ? value.GetBoolean() : fallback;

    /// <summary>Whether any argument is a (height, width) list: then the pooling layers' pair constructors build the case.</summary>
    private static bool IsRectangular(JsonElement args) =>
        args.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.Array);

    private static (int, int)? Pair(JsonElement args, string key) =>
        !args.TryGetProperty(key, out JsonElement value) ? null
        : value.ValueKind == JsonValueKind.Array ? (value[0].GetInt32(), value[1].GetInt32())
        : (value.GetInt32(), value.GetInt32());
}
