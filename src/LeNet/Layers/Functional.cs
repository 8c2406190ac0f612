using LeNet.Graphs;
using LeNet.Graphs.Ops;

namespace LeNet.Layers;

/// <summary>
/// Layers as functions, like <c>torch.nn.functional</c> (<c>using F = LeNet.Layers.Functional;</c> then
/// <c>F.Relu(x)</c>): for a Module's forward code, where an activation or a pool has no state worth registering.
/// </summary>
/// <remarks>
/// Each call runs a fresh layer of the library (so the numbers, the backward and the ONNX export are that layer's);
/// inside a recorded forward the call is recorded like a registered child (shown as <c>(functional)</c> by
/// <see cref="Module.Summary"/>), and in an evaluation-mode graph it compiles like one (an activation after a
/// convolution fuses into it).
/// </remarks>
public static class Functional
{
    /// <summary>max(0, x), like <c>F.relu</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Relu(Tensor input) => Call(new ReLU(), input);

    /// <summary>min(max(0, x), 6), like <c>F.relu6</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Relu6(Tensor input) => Call(new ReLU6(), input);

    /// <summary>relu6(x + 3) / 6, like <c>F.hardsigmoid</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Hardsigmoid(Tensor input) => Call(new Hardsigmoid(), input);

    /// <summary>x · relu6(x + 3) / 6, like <c>F.hardswish</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Hardswish(Tensor input) => Call(new Hardswish(), input);

    /// <summary>x · sigmoid(x), like <c>F.silu</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Silu(Tensor input) => Call(new SiLU(), input);

    /// <summary>x · Φ(x), like <c>F.gelu(x, approximate)</c>: the exact erf form, or <c>"tanh"</c>'s approximation. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <param name="approximate"><c>"none"</c> or <c>"tanh"</c>.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Gelu(Tensor input, string approximate = "none") => Call(new GELU(approximate), input);

    /// <summary>
    /// Layer normalization over the last dimensions, like <c>F.layer_norm(x, normalized_shape, weight, bias, eps)</c>:
    /// <c>[*, d1, …, dk] → [*, d1, …, dk]</c>, each trailing block of <paramref name="normalizedShape"/> normalized by
    /// its own mean and (biased) variance, then scaled and shifted. Gradients flow into the given parameters.
    /// </summary>
    /// <param name="input">The input, ending in <paramref name="normalizedShape"/>.</param>
    /// <param name="normalizedShape">The trailing dimensions to normalize over.</param>
    /// <param name="weight">The scale, of <paramref name="normalizedShape"/>; null for none.</param>
    /// <param name="bias">The shift, of <paramref name="normalizedShape"/>; null for none.</param>
    /// <param name="eps">Added to the variance.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Parameter? weight = null, Parameter? bias = null, float eps = 1e-5f) =>
        Call(new LayerNorm(normalizedShape, eps, weight, bias), input);

    /// <summary>The logistic function, like <c>torch.sigmoid</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Sigmoid(Tensor input) => Call(new Sigmoid(), input);

    /// <summary>The hyperbolic tangent, like <c>torch.tanh</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Tanh(Tensor input) => Call(new Tanh(), input);

    /// <summary>softmax along <paramref name="dim"/>, like <c>F.softmax(x, dim)</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor Softmax(Tensor input, int dim) => Call(new Softmax(dim), input);

    /// <summary>log(softmax) along <paramref name="dim"/>, like <c>F.log_softmax(x, dim)</c>. <c>[any shape] → [same shape]</c>.</summary>
    /// <param name="input">The input.</param>
    /// <param name="dim">The dimension; negative counts from the end.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor LogSoftmax(Tensor input, int dim) => Call(new LogSoftmax(dim), input);

    /// <summary>Average pooling to a fixed output size, like <c>F.adaptive_avg_pool2d(x, output_size)</c>. <c>[N, C, H, W] → [N, C, size, size]</c>.</summary>
    /// <param name="input">The input, <c>[N, C, H, W]</c>.</param>
    /// <param name="outputSize">The output's height and width.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize) => Call(new AdaptiveAvgPool2d(outputSize), input);

    /// <summary>Average pooling to a fixed output size, like <c>F.adaptive_avg_pool2d(x, (h, w))</c>. <c>[N, C, H, W] → [N, C, h, w]</c>.</summary>
    /// <param name="input">The input, <c>[N, C, H, W]</c>.</param>
    /// <param name="outputSize">The output's height and width.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor AdaptiveAvgPool2d(Tensor input, (int Height, int Width) outputSize) => Call(new AdaptiveAvgPool2d(outputSize), input);

    /// <summary>Max pooling, like <c>F.max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)</c>. <c>[N, C, H, W] → [N, C, H', W']</c>.</summary>
    /// <param name="input">The input, <c>[N, C, H, W]</c>.</param>
    /// <param name="kernelSize">The window's size.</param>
    /// <param name="stride">The step; null for the kernel size (PyTorch's default).</param>
    /// <param name="padding">Implicit −∞ padding on each side.</param>
    /// <param name="dilation">Spacing between the window's elements.</param>
    /// <param name="ceilMode">Whether the output size rounds up.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false) =>
        Call(new MaxPool2d(kernelSize, stride, padding, dilation, ceilMode), input);

    /// <summary>Max pooling with a (height, width) pair for each size, like <c>F.max_pool2d(x, (kH, kW), (sH, sW), (pH, pW), (dH, dW), ceil_mode)</c>. <c>[N, C, H, W] → [N, C, H', W']</c>.</summary>
    /// <param name="input">The input, <c>[N, C, H, W]</c>.</param>
    /// <param name="kernelSize">The window's size (kH, kW).</param>
    /// <param name="stride">The step (sH, sW); null for the kernel size (PyTorch's default).</param>
    /// <param name="padding">Implicit −∞ padding (pH, pW) on both sides of each axis; null for none.</param>
    /// <param name="dilation">Spacing between the window's elements (dH, dW); null for (1, 1).</param>
    /// <param name="ceilMode">Whether the output size rounds up.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor MaxPool2d(Tensor input, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null, (int Height, int Width)? dilation = null, bool ceilMode = false) =>
        Call(new MaxPool2d(kernelSize, stride, padding, dilation, ceilMode), input);

    /// <summary>Average pooling, like <c>F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad)</c>. <c>[N, C, H, W] → [N, C, H', W']</c>.</summary>
    /// <param name="input">The input, <c>[N, C, H, W]</c>.</param>
    /// <param name="kernelSize">The window's size.</param>
    /// <param name="stride">The step; null for the kernel size.</param>
    /// <param name="padding">Implicit zero padding on each side.</param>
    /// <param name="ceilMode">Whether the output size rounds up.</param>
    /// <param name="countIncludePad">Whether the zero padding counts in the average.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        Call(new AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad), input);

    /// <summary>Average pooling with a (height, width) pair for each size, like <c>F.avg_pool2d(x, (kH, kW), (sH, sW), (pH, pW), ceil_mode, count_include_pad)</c>. <c>[N, C, H, W] → [N, C, H', W']</c>.</summary>
    /// <param name="input">The input, <c>[N, C, H, W]</c>.</param>
    /// <param name="kernelSize">The window's size (kH, kW).</param>
    /// <param name="stride">The step (sH, sW); null for the kernel size.</param>
    /// <param name="padding">Implicit zero padding (pH, pW) on both sides of each axis; null for none.</param>
    /// <param name="ceilMode">Whether the output size rounds up.</param>
    /// <param name="countIncludePad">Whether the zero padding counts in the average.</param>
    /// <returns>A new tensor.</returns>
    public static Tensor AvgPool2d(Tensor input, (int Height, int Width) kernelSize, (int Height, int Width)? stride = null, (int Height, int Width)? padding = null, bool ceilMode = false, bool countIncludePad = true) =>
        Call(new AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad), input);

    /// <summary>
    /// Constant padding, like <c>F.pad(x, pad, mode="constant", value)</c>: <paramref name="pad"/> lists (before, after)
    /// pairs starting from the LAST dimension, so <c>[1, 2]</c> pads the last dimension with 1 value before and 2 after,
    /// and <c>[0, 0, 0, 0, 4, 4]</c> on <c>[N, C, H, W]</c> adds 4 channels on each side. Dimensions the list does not
    /// reach are unchanged. <c>[d0, …, dk] → [d0 + before0 + after0, …, dk + beforek + afterk]</c>. Recorded as one
    /// operation: its gradient is the slice of the output's gradient the input was copied to, and it exports as an ONNX
    /// <c>Pad</c> node (mode constant), the batch kept symbolic.
    /// </summary>
    /// <param name="input">The input, of any rank.</param>
    /// <param name="pad">(before, after) pairs from the last dimension backwards: even length, at most 2 · rank, non-negative.</param>
    /// <param name="value">The value of the added elements.</param>
    /// <returns>A new tensor.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="pad"/> has an odd length, more pairs than the input has dimensions, or a negative entry (PyTorch
    /// crops there; this library does not); the message names the expected and actual values.
    /// </exception>
    public static Tensor Pad(Tensor input, int[] pad, float value = 0f)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(pad);
        int rank = input.Rank;
        if (pad.Length % 2 != 0)
        {
            throw new ArgumentException($"Functional.Pad: expected an even number of pad entries ((before, after) pairs), got {pad.Length}: [{string.Join(", ", pad)}].", nameof(pad));
        }

        if (pad.Length > 2 * rank)
        {
            throw new ArgumentException(
                $"Functional.Pad: expected at most {2 * rank} pad entries (2 · rank) for an input of shape {Tensor.FormatShape(input.Shape)}, got {pad.Length}: [{string.Join(", ", pad)}].",
                nameof(pad));
        }

        int[] before = new int[rank];
        int[] after = new int[rank];
        for (int i = 0; i < pad.Length; i++)
        {
            if (pad[i] < 0)
            {
                throw new ArgumentException(
                    $"Functional.Pad: expected non-negative pad entries (negative padding, cropping, is not supported), got {pad[i]} at index {i} of [{string.Join(", ", pad)}].",
                    nameof(pad));
            }

            int dim = rank - 1 - (i / 2);
            if (i % 2 == 0)
            {
                before[dim] = pad[i];
            }
            else
            {
                after[dim] = pad[i];
            }
        }

        return new PadOp(before, after, value).Apply(input);
    }

    /// <summary>
    /// Dropout, like <c>F.dropout(x, p, training)</c>: with <paramref name="training"/> true each element is zeroed
    /// with probability p and the rest scaled by 1/(1 − p); false returns the input. Pass the module's
    /// <see cref="Layer.IsTraining"/>. <c>[any shape] → [same shape]</c>.
    /// </summary>
    /// <param name="input">The input.</param>
    /// <param name="p">The probability of zeroing an element.</param>
    /// <param name="training">Whether to drop (training) or pass the input on (evaluation).</param>
    /// <returns>The input, or a new tensor.</returns>
    public static Tensor Dropout(Tensor input, float p = 0.5f, bool training = true)
    {
        var dropout = new Dropout(p);
        dropout.Train(training);
        return dropout.Forward(input);
    }

    /// <summary>
    /// Runs a fresh layer. These layers compute the same in both modes (Dropout, which does not, sets its own); made
    /// while an evaluation-mode forward is traced into its plan, the layer is put in evaluation mode like the module
    /// around it, so the plan compiles it with its neighbours: a training-mode layer (which keeps its input for a
    /// backward) would make its whole chain run layer by layer (the CIFAR ResNet's <c>F.Relu</c> after each
    /// convolution did).
    /// </summary>
    private static Tensor Call(Layer layer, Tensor input)
    {
        if (GraphRecorder.Current is { Mode: RecordingMode.Trace })
        {
            layer.Eval();
        }

        return layer.Forward(input);
    }
}
