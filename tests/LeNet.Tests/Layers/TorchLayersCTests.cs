using LeNet.Layers;
using Xunit.Abstractions;

namespace LeNet.Tests.Layers;

/// <summary>Every case of layers_c.safetensors, each with its layer, printing the largest difference from PyTorch (absolute, and relative to max(1, |torch|)).</summary>
public class TorchLayersCTests(ITestOutputHelper output)
{
    /// <summary>The layer of each case of make_layers_c.py.</summary>
    private static Layer Build(string name) => name switch
    {
        "relu6" or "relu6_kinks" => new ReLU6(),
        "hardsigmoid" or "hardsigmoid_kinks" => new Hardsigmoid(),
        "hardswish" or "hardswish_kinks" => new Hardswish(),
        "silu" or "silu_wide" => new SiLU(),
        "gelu" or "gelu_wide" => new GELU(),
        "gelu_tanh" or "gelu_tanh_wide" => new GELU("tanh"),
        "layer_norm_5" => new LayerNorm(5),
        "layer_norm_34" => new LayerNorm([3, 4]),
        "layer_norm_no_affine" => new LayerNorm(6, elementwiseAffine: false),
        "layer_norm_eps" => new LayerNorm(7, eps: 1e-3f),
        "layer_norm_offset" => new LayerNorm(64),
        "layer_norm_wide" => new LayerNorm(300),
        "stochastic_depth_row_eval" => new StochasticDepth(0.5f, "row"),
        "stochastic_depth_batch_eval" => new StochasticDepth(0.3f, "batch"),
        "stochastic_depth_p0" => new StochasticDepth(0f, "row"),
        "flatten_0" => new Flatten(0),
        "flatten_2_3" => new Flatten(2, 3),
        "flatten_-3_-2" => new Flatten(-3, -2),
        "flatten_1_1" => new Flatten(1, 1),
        "flatten_rank1" => new Flatten(0, -1),
        _ => throw new ArgumentException($"no layer for case {name}", nameof(name)),
    };

    [Fact]
    public void EveryCase_MatchesPyTorch_ReportingTheLargestDifference()
    {
        foreach (string name in TorchLayersC.Fixture.Metadata.Keys.Order(StringComparer.Ordinal))
        {
            Layer layer = Build(name);

            (double absolute, double scaled) = layer.ShouldMatchTorchC(name);

            layer.ToString().Should().Be(TorchLayersC.Fixture.Metadata[name].Replace(" (eval)", "", StringComparison.Ordinal) switch
            {
                "Flatten(start_dim=1, end_dim=-1)" => "Flatten()", // LeNet keeps its short form for the defaults
                var torch => torch,
            }, "the layer prints PyTorch's repr");
            output.WriteLine($"{name,-28} {layer,-55} max |LeNet − torch| = {absolute:E2}, / max(1, |torch|) = {scaled:E2}");
        }
    }
}
