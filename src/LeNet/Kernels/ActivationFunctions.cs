using System.Diagnostics;
using System.Numerics;

namespace LeNet.Kernels;

/// <summary>
/// The element-wise activations that TensorPrimitives has no single call for (LeakyReLU and PReLU, ELU and
/// SELU, Softplus), forward and backward, over spans. Vectorized over the elements with <see cref="Vector{T}"/>
/// (the widest vector the JIT supports); a scalar loop finishes the tail with the same formula.
/// </summary>
internal static class ActivationFunctions
{
    /// <summary>y = x if x &gt; 0 else slope·x (LeakyReLU, and PReLU with one channel's slope).</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, float slope, Span<float> y)
    {
        Debug.Assert(y.Length == x.Length);
        int i = 0;
        var s = new Vector<float>(slope);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, v * s).CopyTo(y[i..]);
        }

        for (; i < x.Length; i++)
        {
            y[i] = x[i] > 0f ? x[i] : slope * x[i];
        }
    }

    /// <summary>dx = dy if x &gt; 0 else slope·dy (PyTorch's convention at x = 0: the slope side).</summary>
    public static void LeakyReluBackward(ReadOnlySpan<float> x, float slope, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Debug.Assert(dy.Length == x.Length && dx.Length == x.Length);
        int i = 0;
        var s = new Vector<float>(slope);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var g = new Vector<float>(dy[i..]);
            Vector.ConditionalSelect(Vector.GreaterThan(new Vector<float>(x[i..]), Vector<float>.Zero), g, g * s).CopyTo(dx[i..]);
        }

        for (; i < x.Length; i++)
        {
            dx[i] = x[i] > 0f ? dy[i] : slope * dy[i];
        }
    }

    /// <summary>Σ dy·x over the elements with x ≤ 0: PReLU's slope gradient for one channel's run.</summary>
    public static float NegativePartDot(ReadOnlySpan<float> x, ReadOnlySpan<float> dy)
    {
        Debug.Assert(dy.Length == x.Length);
        int i = 0;
        Vector<float> sum = Vector<float>.Zero;
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            sum += Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), Vector<float>.Zero, v * new Vector<float>(dy[i..]));
        }

        float total = Vector.Sum(sum);
        for (; i < x.Length; i++)
        {
            total += x[i] > 0f ? 0f : x[i] * dy[i];
        }

        return total;
    }

    /// <summary>y = scale·(x if x &gt; 0 else alpha·(eˣ − 1)): ELU with scale 1, SELU with its constants.</summary>
    public static void Elu(ReadOnlySpan<float> x, float alpha, float scale, Span<float> y)
    {
        Debug.Assert(y.Length == x.Length);
        int i = 0;
        Vector<float> a = new(alpha), sc = new(scale);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            // exp of min(x, 0) only: the positive side is not used and must not overflow.
            Vector<float> negative = a * (Vector.Exp(Vector.Min(v, Vector<float>.Zero)) - Vector<float>.One);
            (sc * Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, negative)).CopyTo(y[i..]);
        }

        for (; i < x.Length; i++)
        {
            y[i] = scale * (x[i] > 0f ? x[i] : alpha * (MathF.Exp(x[i]) - 1f));
        }
    }

    /// <summary>dx = scale·dy·(1 if x &gt; 0 else alpha·eˣ).</summary>
    public static void EluBackward(ReadOnlySpan<float> x, float alpha, float scale, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Debug.Assert(dy.Length == x.Length && dx.Length == x.Length);
        int i = 0;
        Vector<float> a = new(alpha), sc = new(scale);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector<float> slope = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), Vector<float>.One, a * Vector.Exp(Vector.Min(v, Vector<float>.Zero)));
            (sc * slope * new Vector<float>(dy[i..])).CopyTo(dx[i..]);
        }

        for (; i < x.Length; i++)
        {
            dx[i] = scale * dy[i] * (x[i] > 0f ? 1f : alpha * MathF.Exp(x[i]));
        }
    }

    /// <summary>
    /// y = x where β·x &gt; threshold (PyTorch's linear regime), else log(1 + e^(β·x)) / β, computed as
    /// (max(z, 0) + log(1 + e^(−|z|))) / β with z = β·x so that neither side overflows.
    /// </summary>
    public static void Softplus(ReadOnlySpan<float> x, float beta, float threshold, Span<float> y)
    {
        Debug.Assert(y.Length == x.Length);
        int i = 0;
        Vector<float> b = new(beta), t = new(threshold);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            var v = new Vector<float>(x[i..]);
            Vector<float> z = v * b;
            Vector<float> soft = (Vector.Max(z, Vector<float>.Zero) + Vector.Log(Vector<float>.One + Vector.Exp(-Vector.Abs(z)))) / b;
            Vector.ConditionalSelect(Vector.GreaterThan(z, t), v, soft).CopyTo(y[i..]);
        }

        for (; i < x.Length; i++)
        {
            float z = beta * x[i];
            y[i] = z > threshold ? x[i] : (MathF.Max(z, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(z)))) / beta;
        }
    }

    /// <summary>dx = dy where β·x &gt; threshold, else dy·σ(β·x).</summary>
    public static void SoftplusBackward(ReadOnlySpan<float> x, float beta, float threshold, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Debug.Assert(dy.Length == x.Length && dx.Length == x.Length);
        int i = 0;
        Vector<float> b = new(beta), t = new(threshold);
        for (; i + Vector<float>.Count <= x.Length; i += Vector<float>.Count)
        {
            Vector<float> z = new Vector<float>(x[i..]) * b;
            var g = new Vector<float>(dy[i..]);
            Vector<float> sigmoid = Vector<float>.One / (Vector<float>.One + Vector.Exp(-z));
            Vector.ConditionalSelect(Vector.GreaterThan(z, t), g, g * sigmoid).CopyTo(dx[i..]);
        }

        for (; i < x.Length; i++)
        {
            float z = beta * x[i];
            dx[i] = z > threshold ? dy[i] : dy[i] / (1f + MathF.Exp(-z));
        }
    }
}
