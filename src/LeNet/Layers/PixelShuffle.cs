using LeNet.IO;
using LeNet.Kernels;

namespace LeNet.Layers;

/// <summary>
/// Rearranges channels into space, like <c>torch.nn.PixelShuffle(upscale_factor)</c>:
/// out[n, c, h·r + i, w·r + j] = in[n, c·r² + i·r + j, h, w].
/// </summary>
/// <remarks><c>input [*, C·r², H, W] → output [*, C, H·r, W·r]</c>; the leading dimensions (usually N) are kept.</remarks>
public sealed class PixelShuffle : Layer
{
    private int[]? _inputShape;
    private int[] _outputShape = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="upscaleFactor">r, the factor by which height and width grow (PyTorch's <c>upscale_factor</c>); positive.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="upscaleFactor"/> is not positive.</exception>
    public PixelShuffle(int upscaleFactor)
    {
        LayerGuard.AtLeast(upscaleFactor, 1, nameof(PixelShuffle), nameof(upscaleFactor));
        UpscaleFactor = upscaleFactor;
    }

    /// <summary>r, the factor by which height and width grow.</summary>
    public int UpscaleFactor { get; }

    /// <inheritdoc/>
    public override string Name => nameof(PixelShuffle);

    /// <inheritdoc/>
    /// <remarks><c>[*, C·r², H, W] → [*, C, H·r, W·r]</c>.</remarks>
    public override int[] GetOutputShape(ReadOnlySpan<int> inputShape)
    {
        LayerGuard.MinRank(inputShape, 3, "[*, C·r², H, W]", this);
        int r = UpscaleFactor, channels = inputShape[^3];
        if (channels % (r * r) != 0)
        {
            LayerGuard.Throw(this, $"expected the channels (dimension −3) to be divisible by the square of the upscale factor {r * r}, got {channels} (input {Tensor.FormatShape(inputShape)})");
        }

        int[] output = inputShape.ToArray();
        output[^3] = channels / (r * r);
        output[^2] = checked(inputShape[^2] * r);
        output[^1] = checked(inputShape[^1] * r);
        return output;
    }

    /// <inheritdoc/>
    internal override bool IsRepeatable => true;

    /// <inheritdoc/>
    /// <remarks><c>input [*, C·r², H, W] → output [*, C, H·r, W·r]</c>.</remarks>
    protected override Tensor ForwardCore(Tensor input)
    {
        LayerGuard.NotNull(input, this);
        int[] outputShape = GetOutputShape(input.Shape);
        Tensor output = OutputTensor(outputShape);
        (int batch, int channels, int h, int w) = Layout(input.Shape);
        PixelShuffleKernel.Shuffle(input.AsSpan(), output.AsSpan(), batch, channels, UpscaleFactor, h, w);
        if (KeepsForBackward)
        {
            (_inputShape, _outputShape) = (input.Shape.ToArray(), outputShape);
        }

        return output;
    }

    /// <inheritdoc/>
    /// <remarks><c>outputGradient [*, C, H·r, W·r] → input gradient [*, C·r², H, W]</c>: the inverse permutation.</remarks>
    public override Tensor Backward(Tensor outputGradient)
    {
        CheckBackward(_inputShape, outputGradient, _outputShape);
        Tensor inputGradient = InputGradientTensor(_inputShape);
        (int batch, int channels, int h, int w) = Layout(_inputShape);
        PixelShuffleKernel.Unshuffle(outputGradient.AsSpan(), inputGradient.AsSpan(), batch, channels, UpscaleFactor, h, w);
        return inputGradient;
    }

    /// <summary>The input as [batch, C (output channels), H, W], batch the product of the leading dimensions.</summary>
    private (int Batch, int Channels, int H, int W) Layout(ReadOnlySpan<int> shape) =>
        ((int)Product(shape[..^3]), shape[^3] / (UpscaleFactor * UpscaleFactor), shape[^2], shape[^1]);

    /// <summary>Returns <c>PixelShuffle(upscale_factor=2)</c>.</summary>
    /// <returns>The layer's description.</returns>
    public override string ToString() => $"PixelShuffle(upscale_factor={UpscaleFactor})";

    /// <remarks>ONNX DepthToSpace in mode CRD (column, row, depth: PyTorch's channel order); a rank-4 input only.</remarks>
    internal override void ExportOnnx(OnnxGraph graph, string prefix, int[] inputShape)
    {
        if (inputShape.Length != 4)
        {
            OnnxGraph.ThrowUnsupported(this, prefix, $"gets a rank-{inputShape.Length} input {Tensor.FormatShape(inputShape)}; it is exported as ONNX DepthToSpace, which takes [N, C, H, W] only.");
        }

        graph.AddLayerNode("DepthToSpace", this, prefix).Int("blocksize", UpscaleFactor).String("mode", "CRD");
    }
}
