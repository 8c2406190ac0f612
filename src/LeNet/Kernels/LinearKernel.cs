using System.Diagnostics;
using System.Numerics.Tensors;

namespace LeNet.Kernels;

/// <summary>Dense layer over row-major spans: input [N, In], weight [Out, In], bias [Out] or empty; output [N, Out] = input · weightᵀ + bias.</summary>
internal static class LinearKernel
{
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, int rows, int inFeatures, int outFeatures)
    {
        Debug.Assert(input.Length == rows * inFeatures);
        Debug.Assert(weight.Length == outFeatures * inFeatures);
        Debug.Assert(output.Length == rows * outFeatures);
        for (int n = 0; n < rows; n++)
        {
            ReadOnlySpan<float> x = input.Slice(n * inFeatures, inFeatures);
            Span<float> y = output.Slice(n * outFeatures, outFeatures);
            for (int o = 0; o < outFeatures; o++)
            {
                // Both rows are contiguous: TensorPrimitives.Dot vectorizes over the input features.
                y[o] = TensorPrimitives.Dot(x, weight.Slice(o * inFeatures, inFeatures)) + (bias.IsEmpty ? 0f : bias[o]);
            }
        }
    }
}
