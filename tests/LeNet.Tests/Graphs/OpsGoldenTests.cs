using System.Text.Json;
using LeNet.Layers;
using F = LeNet.Layers.Functional;

namespace LeNet.Tests.Graphs;

/// <summary>
/// Every tensor operation, Functional and new layer against real PyTorch 1.13.1 (Golden/graphs/ops.json, made by
/// make_ops.py): forward values, and the gradient of every operand for the recorded upstream gradient. Each case
/// runs inside a Module in training mode: input "a" is the module's input; further operands ("b", "c") are its
/// registered parameters, so their gradients flow through the recording to <see cref="Parameter.Gradient"/>.
/// </summary>
public class OpsGoldenTests
{
    private static readonly Lazy<JsonElement[]> Cases = new(() =>
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Golden", "graphs", "ops.json");
        using FileStream stream = File.OpenRead(path);
        return [.. JsonDocument.Parse(stream).RootElement.Clone().GetProperty("cases").EnumerateArray()];
    });

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (JsonElement c in Cases.Value)
        {
            string name = c.GetProperty("name").GetString()!;

            // F.adaptive_max_pool2d is not in the library (torchvision's classifiers do not use it).
            if (!name.StartsWith("adaptive_max", StringComparison.Ordinal))
            {
                data.Add(name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Case_ForwardAndBackward_MatchPyTorch(string name)
    {
        JsonElement c = Cases.Value.First(e => e.GetProperty("name").GetString() == name);
        JsonElement attrs = c.GetProperty("attrs");
        Tensor[] inputs = [.. c.GetProperty("inputs").EnumerateArray().Select(ReadTensor)];
        Tensor[] parameters = c.TryGetProperty("params", out JsonElement ps) ? [ReadTensor(ps.GetProperty("weight")), ReadTensor(ps.GetProperty("bias"))] : [];
        Func<Probe, Tensor, Tensor> expression = Expression(name, attrs, inputs, parameters);

        // A convolution's operands are its layer's weight and bias; the other cases' are the probe's parameters.
        bool conv = name.StartsWith("conv_", StringComparison.Ordinal);
        var probe = new Probe(conv ? [] : inputs.Skip(1).ToArray(), expression);

        Tensor output = probe.Forward(inputs[0]);
        bool multi = c.TryGetProperty("outputs", out JsonElement outputs);
        Tensor expected = multi ? Flat(outputs) : ReadTensor(c.GetProperty("output"));
        Tensor upstream = multi ? Flat(c.GetProperty("upstreams")) : ReadTensor(c.GetProperty("upstream"));
        output.Shape.ToArray().Should().Equal(expected.Shape.ToArray(), $"{name}: output shape");
        output.ToArray().Should().BeCloseTo(expected.ToArray(), 2e-6, 2e-6, $"{name}: output");

        Tensor dx = probe.Backward(upstream.Reshape(output.Shape.ToArray()));

        JsonElement[] grads = [.. c.GetProperty("grads").EnumerateArray()];
        dx.ToArray().Should().BeCloseTo(ReadTensor(grads[0]).ToArray(), 2e-5, 2e-5, $"{name}: gradient of a");
        Parameter[] operands = conv ? [.. probe.Layer!.NamedParameters().Select(p => p.Parameter)] : probe.Operands;
        for (int i = 1; i < grads.Length; i++)
        {
            operands[i - 1].Gradient.ToArray().Should().BeCloseTo(ReadTensor(grads[i]).ToArray(), 2e-5, 2e-5, $"{name}: gradient of operand {i}");
        }

        if (c.TryGetProperty("param_grads", out JsonElement paramGrads))
        {
            foreach (JsonProperty p in paramGrads.EnumerateObject())
            {
                Parameter parameter = probe.Layer!.NamedParameters().Single(n => n.Name == p.Name).Parameter;
                parameter.Gradient.ToArray().Should().BeCloseTo(ReadTensor(p.Value).ToArray(), 2e-5, 2e-5, $"{name}: gradient of {p.Name}");
            }
        }
    }

    /// <summary>The C# expression of each case (the PyTorch one is in its "expr").</summary>
    private static Func<Probe, Tensor, Tensor> Expression(string name, JsonElement attrs, Tensor[] inputs, Tensor[] parameters)
    {
        string kind = name.Split('_')[0];
        int Int(string key) => attrs.GetProperty(key).GetInt32();
        int[] Ints(string key) => [.. attrs.GetProperty(key).EnumerateArray().Select(e => e.GetInt32())];
        float scalar = attrs.TryGetProperty("scalar", out JsonElement s) ? s.GetSingle() : 0;
        return kind switch
        {
            "add" => (p, a) => a + p.B,
            "sub" => (p, a) => a - p.B,
            "mul" => (p, a) => a * p.B,
            "div" => (p, a) => a / p.B,
            "scalar" => name switch
            {
                "scalar_aplus2.5" => (_, a) => a + scalar,
                "scalar_2.5plusa" => (_, a) => scalar + a,
                "scalar_aminus2.5" => (_, a) => a - scalar,
                "scalar_2.5minusa" => (_, a) => scalar - a,
                "scalar_atimes2.5" => (_, a) => a * scalar,
                "scalar_2.5timesa" => (_, a) => scalar * a,
                "scalar_aover2.5" => (_, a) => a / scalar,
                _ => (_, a) => scalar / a,
            },
            "cat" => (p, a) => Tensor.Cat([a, .. p.Operands.Select(o => o.Value)], Int("dim")),
            "chunk2" or "chunk3" or "chunk4" => (_, a) => Joined(a.Chunk(Int("chunks"), Int("dim"))),
            "split2" => (_, a) => Joined(a.Split(Int("split_size"), Int("dim"))),
            "split" => (_, a) => Joined(a.Split(Ints("split_sizes"), Int("dim"))),
            "reshape" => (_, a) => a.Reshape(Ints("shape")),
            "view" => (_, a) => a.ViewAs(Ints("shape")),
            "transpose" => name == "transpose_1_2_contiguous_add" ? (_, a) => a.Transpose(1, 2) + 0f : (_, a) => a.Transpose(Int("dim0"), Int("dim1")),
            "permute" => name == "permute_0_2_3_1" ? (_, a) => a.Permute(Ints("dims")) : (_, a) => a.Permute(0, 2, 3, 1).Permute(0, 3, 1, 2),
            "flatten" => (_, a) => a.Flatten(Int("start_dim"), Int("end_dim")),
            "channel" => (_, a) => a.Reshape(2, 2, 3, 4, 5).Transpose(1, 2).Reshape(2, 6, 4, 5),
            "mean" => attrs.GetProperty("dim").ValueKind == JsonValueKind.Null ? (_, a) => a.Mean() : (_, a) => a.Mean(Ints("dim"), attrs.GetProperty("keepdim").GetBoolean()),
            "sum" => attrs.GetProperty("dim").ValueKind == JsonValueKind.Null ? (_, a) => a.Sum() : (_, a) => a.Sum(Ints("dim"), attrs.GetProperty("keepdim").GetBoolean()),
            "relu" => (_, a) => F.Relu(a),
            "sigmoid" => (_, a) => F.Sigmoid(a),
            "tanh" => (_, a) => F.Tanh(a),
            "softmax" => (_, a) => F.Softmax(a, name.EndsWith("-1", StringComparison.Ordinal) ? -1 : 1),
            "log" => (_, a) => F.LogSoftmax(a, name.EndsWith("-1", StringComparison.Ordinal) ? -1 : 1),
            "nn.ReLU" => (p, a) => p.Use(new ReLU()).Forward(a),
            "adaptive" when name.StartsWith("adaptive_avg", StringComparison.Ordinal) => attrs.GetProperty("output_size").ValueKind == JsonValueKind.Number
                ? (_, a) => F.AdaptiveAvgPool2d(a, Int("output_size"))
                : (_, a) => F.AdaptiveAvgPool2d(a, (Ints("output_size")[0], Ints("output_size")[1])),
            "max" => (_, a) => F.MaxPool2d(a, Int("kernel_size"), Int("stride"), Int("padding"), ceilMode: attrs.GetProperty("ceil_mode").GetBoolean()),
            "avg" => (_, a) => F.AvgPool2d(a, Int("kernel_size"), attrs.GetProperty("stride").ValueKind == JsonValueKind.Null ? null : Int("stride"), Int("padding"),
                attrs.GetProperty("ceil_mode").GetBoolean(), attrs.GetProperty("count_include_pad").GetBoolean()),
            "dropout" => (_, a) => F.Dropout(a, attrs.GetProperty("p").GetSingle(), training: false),
            "nn.Dropout" => (p, a) => p.Use(Evaluated(new Dropout(attrs.GetProperty("p").GetSingle()))).Forward(a),
            "conv" => (p, a) => p.Use(ConvFrom(inputs[1], inputs[2], attrs)).Forward(a),
            _ => MoreExpressions(name, kind, attrs, parameters),
        };
    }

    /// <summary>The cases of the layers added beside the Module work (ReLU6 … LayerNorm, StochasticDepth, Flatten's dimensions).</summary>
    private static Func<Probe, Tensor, Tensor> MoreExpressions(string name, string kind, JsonElement attrs, Tensor[] parameters)
    {
        int Int(string key) => attrs.GetProperty(key).GetInt32();
        int[] Ints(string key) => [.. attrs.GetProperty(key).EnumerateArray().Select(e => e.GetInt32())];
        float Eps() => attrs.GetProperty("eps").GetSingle();
        return kind switch
        {
            "relu6" => (_, a) => F.Relu6(a),
            "hardsigmoid" => (_, a) => F.Hardsigmoid(a),
            "hardswish" => (_, a) => F.Hardswish(a),
            "silu" => (_, a) => F.Silu(a),
            "gelu" => name == "gelu_tanh" ? (_, a) => F.Gelu(a, "tanh") : (_, a) => F.Gelu(a),
            "nn.ReLU6" => (p, a) => p.Use(new ReLU6()).Forward(a),
            "nn.Hardswish" => (p, a) => p.Use(new Hardswish()).Forward(a),
            "nn.Hardsigmoid" => (p, a) => p.Use(new Hardsigmoid()).Forward(a),
            "nn.SiLU" => (p, a) => p.Use(new SiLU()).Forward(a),
            "nn.GELU" => (p, a) => p.Use(new GELU()).Forward(a),
            "layer" => attrs.GetProperty("affine").GetBoolean()
                ? (p, a) => F.LayerNorm(a, Ints("normalized_shape"), p.Operands[0], p.Operands[1], Eps())
                : (_, a) => F.LayerNorm(a, Ints("normalized_shape"), eps: Eps()),
            "nn.LayerNorm" => (p, a) => p.Use(Loaded(new LayerNorm(Ints("normalized_shape"), Eps()), parameters)).Forward(a),
            "convnext.LayerNorm2d" => (p, a) => p.Use(Loaded(new LayerNorm([3], Eps()), parameters)).Forward(a.Permute(0, 2, 3, 1)).Permute(0, 3, 1, 2),
            "StochasticDepth" => (p, a) => p.Use(Moded(new StochasticDepth(attrs.GetProperty("p").GetSingle(), attrs.GetProperty("mode").GetString()!), attrs.GetProperty("training").GetBoolean())).Forward(a),
            "nn.Flatten" => (p, a) => p.Use(new Flatten(Int("start_dim"), Int("end_dim"))).Forward(a),
            "pad" => (_, a) => F.Pad(a, Ints("pad"), attrs.GetProperty("value").GetSingle()),
            _ => throw new NotSupportedException($"ops.json case '{name}' ({kind}) has no C# expression in this test."),
        };
    }

    private static LayerNorm Loaded(LayerNorm norm, Tensor[] parameters)
    {
        parameters[0].AsReadOnlySpan().CopyTo(norm.Weight!.Value.AsSpan());
        parameters[1].AsReadOnlySpan().CopyTo(norm.Bias!.Value.AsSpan());
        return norm;
    }

    private static T Moded<T>(T layer, bool training)
        where T : Layer
    {
        layer.Train(training);
        return layer;
    }

    private static Tensor Joined(Tensor[] pieces) => Tensor.Cat([.. pieces.Select(t => t.Flatten())]);

    private static T Evaluated<T>(T layer)
        where T : Layer
    {
        layer.Eval();
        return layer;
    }

    private static Conv2d ConvFrom(Tensor weight, Tensor bias, JsonElement attrs)
    {
        int Get(string key, int fallback) => attrs.TryGetProperty(key, out JsonElement v) ? v.GetInt32() : fallback;
        int groups = Get("groups", 1);
        int[] w = weight.Shape.ToArray();
        var conv = new Conv2d(w[1] * groups, w[0], (w[2], w[3]), stride: (Get("stride", 1), Get("stride", 1)), padding: (Get("padding", 0), Get("padding", 0)),
            dilation: (Get("dilation", 1), Get("dilation", 1)), groups: groups);
        weight.AsReadOnlySpan().CopyTo(conv.Weight.Value.AsSpan());
        bias.AsReadOnlySpan().CopyTo(conv.Bias!.Value.AsSpan());
        return conv;
    }

    private static Tensor ReadTensor(JsonElement e) =>
        Tensor.FromArray([.. e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle())], [.. e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32())]);

    private static Tensor Flat(JsonElement list)
    {
        float[] values = [.. list.EnumerateArray().SelectMany(e => e.GetProperty("values").EnumerateArray().Select(v => v.GetSingle()))];
        return Tensor.FromArray(values, values.Length);
    }

    /// <summary>A Module whose forward is one case's expression; operands after the first are its parameters, a layer its child.</summary>
    private sealed class Probe : Module
    {
        private readonly Func<Probe, Tensor, Tensor> _expression;

        public Probe(Tensor[] operands, Func<Probe, Tensor, Tensor> expression)
        {
            _expression = expression;
            Operands = [.. operands.Select((t, i) => RegisterParameter(((char)('b' + i)).ToString(), t))];
        }

        public Parameter[] Operands { get; }

        public Tensor B => Operands[0].Value;

        public Layer? Layer { get; private set; }

        /// <summary>Registers the case's layer on first use (so its parameters' gradients are checked) and returns it.</summary>
        public Layer Use(Layer layer)
        {
            if (Layer is null)
            {
                Layer = Register("layer", layer);
            }

            return Layer;
        }

        protected override Tensor ForwardCore(Tensor input) => _expression(this, input);
    }
}
