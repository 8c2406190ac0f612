using LeNet.Layers;

namespace LeNet.Tests.Graphs;

/// <summary>
/// Checks a Module's Backward against central differences of its own forward (whose numbers other tests check
/// against PyTorch): L = Σ r·forward(x) with a fixed random r, so ∂L/∂output = r. The loss is summed in double;
/// the float forward's rounding (~1e-7·|L|/h) needs a large step, and Richardson's extrapolation of the central
/// differences at h and h/2, (4·D(h/2) − D(h)) / 3, removes their O(h²) error.
/// </summary>
internal static class ModuleGradients
{
    /// <summary>Checks ∂L/∂x and every parameter's gradient at up to <paramref name="samples"/> positions each.</summary>
    /// <param name="module">The module, in the mode to check.</param>
    /// <param name="x">The input.</param>
    /// <param name="seed">Seeds r and the sampled positions.</param>
    /// <param name="samples">Positions per tensor.</param>
    /// <param name="step">The central differences' step h.</param>
    /// <param name="extrapolate">
    /// Richardson's extrapolation from h and h/2 (curved functions); false for a function linear in each single value
    /// around the point (ReLU networks in evaluation mode, away from kinks), where D(h) is exact but for rounding.
    /// </param>
    /// <param name="forward">The forward to difference; null for <c>module.Forward</c>.</param>
    public static void Check(Layer module, Tensor x, int seed = 1, int samples = 24, double step = 4e-2, bool extrapolate = true, Func<Tensor, Tensor>? forward = null)
    {
        var random = new Random(seed);
        Tensor y = module.Forward(x);
        Tensor r = Reference.Arrays.Random(random, y.Shape.ToArray());
        module.ZeroGrad();
        Tensor dx = module.Backward(r);
        float[] inputGradient = dx.ToArray();
        var parameters = module.NamedParameters().ToList();
        var gradients = parameters.Select(p => p.Parameter.Gradient.ToArray()).ToList();
        double[] rd = [.. r.ToArray().Select(v => (double)v)];

        double Loss()
        {
            float[] output = (forward ?? module.Forward)(x).ToArray();
            double sum = 0;
            for (int i = 0; i < output.Length; i++)
            {
                sum += output[i] * rd[i];
            }

            return sum;
        }

        Compare(inputGradient, x, "input", Loss, random, samples, step, extrapolate);
        for (int p = 0; p < parameters.Count; p++)
        {
            Compare(gradients[p], parameters[p].Parameter.Value, parameters[p].Name, Loss, random, samples, step, extrapolate);
        }
    }

    private static void Compare(float[] analytical, Tensor values, string what, Func<double> loss, Random random, int samples, double step, bool extrapolate)
    {
        int[] indices = values.Length <= samples
            ? [.. Enumerable.Range(0, values.Length)]
            : [.. Enumerable.Range(0, samples).Select(_ => random.Next(values.Length)).Distinct()];
        var numerical = new double[indices.Length];
        var picked = new float[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            float original = values.AsSpan()[i];
            double Central(double h)
            {
                values.AsSpan()[i] = (float)(original + h);
                double plus = loss();
                values.AsSpan()[i] = (float)(original - h);
                double minus = loss();
                values.AsSpan()[i] = original;
                return (plus - minus) / (2 * h);
            }

            numerical[k] = extrapolate ? ((4 * Central(step / 2)) - Central(step)) / 3 : Central(step);
            picked[k] = analytical[i];
        }

        if (numerical.All(v => Math.Abs(v) <= 1e-3))
        {
            // Every sampled entry is (near) zero: nothing to learn from the ratio; the values must agree absolutely.
            for (int k = 0; k < picked.Length; k++)
            {
                Math.Abs(picked[k] - numerical[k]).Should().BeLessThan(1e-3, $"{what}[{indices[k]}]");
            }

            return;
        }

        picked.ShouldMatchNumerical(numerical, what);
    }
}
