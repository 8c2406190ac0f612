using LeNet.Training;

namespace LeNet.Tests.Training;

/// <summary>
/// Three steps on f(p) = p₀² + 2·p₁² from p = (1, −2), so ∇f = (2p₀, 4p₁). Expected values are PyTorch's
/// update rules worked by hand (first step); every step's literals are printed by PyTorch 1.13.1 itself
/// (torch.optim.SGD / Adam / AdamW in float64) by the generator beside this file, optimizer_steps.py
/// (<c>/usr/bin/python3 tests/LeNet.Tests/Training/optimizer_steps.py</c>), not by this library.
/// </summary>
public class OptimizerTests
{
    [Fact]
    public void Sgd_Momentum_FirstThreeSteps_MatchTorch()
    {
        // buf₁ = g₁ = (2, −8) → p = (0.8, −1.2); buf₂ = 0.9·buf₁ + (1.6, −4.8) = (3.4, −12) → p = (0.46, 0);
        // buf₃ = 0.9·buf₂ + (0.92, 0) = (3.98, −10.8) → p = (0.062, 1.08).
        float[][] steps = Run(p => new Sgd(p, lr: 0.1f, momentum: 0.9f));

        steps[0].Should().BeCloseTo([0.8f, -1.2f], atol: 1e-6);
        steps[1].Should().BeCloseTo([0.46f, 0f], atol: 1e-6);
        steps[2].Should().BeCloseTo([0.062f, 1.08f], atol: 1e-6);
    }

    [Fact]
    public void Sgd_NesterovWithWeightDecay_FirstThreeSteps_MatchTorch()
    {
        // g₁ = (2.01, −8.04); buf = g₁; d = g₁ + 0.9·buf = (3.819, −15.276) → p = (0.6181, −0.4762).
        float[][] steps = Run(p => new Sgd(p, lr: 0.1f, momentum: 0.9f, weightDecay: 0.01f, nesterov: true));

        steps[0].Should().BeCloseTo([0.6181f, -0.4762f], atol: 1e-6);
        steps[1].Should().BeCloseTo([0.21923761f, 0.53623678f], atol: 2e-6);
        steps[2].Should().BeCloseTo([-0.11165109f, 0.86701050f], atol: 2e-6);
    }

    [Fact]
    public void Sgd_Plain_IsParameterMinusLrTimesGradient()
    {
        float[][] steps = Run(p => new Sgd(p, lr: 0.25f));

        // p − 0.25·(2p₀, 4p₁) = (0.5·p₀, 0·p₁).
        steps[0].Should().Equal(0.5f, 0f);
        steps[1].Should().Equal(0.25f, 0f);
    }

    [Fact]
    public void Adam_FirstThreeSteps_MatchTorch()
    {
        // Step 1 of Adam moves each coordinate by lr·sign(g): (0.9, −1.9).
        float[][] steps = Run(p => new Adam(p, lr: 0.1f));

        steps[0].Should().BeCloseTo([0.9f, -1.9f], atol: 1e-6);
        steps[1].Should().BeCloseTo([0.80041223f, -1.80016649f], atol: 2e-6);
        steps[2].Should().BeCloseTo([0.70158627f, -1.70062339f], atol: 2e-6);
    }

    [Fact]
    public void AdamW_DecoupledDecay_FirstThreeSteps_MatchTorch()
    {
        // Step 1: p·(1 − 0.1·0.1) − 0.1·sign(g) = (0.99 − 0.1, −1.98 + 0.1) = (0.89, −1.88).
        float[][] steps = Run(p => new AdamW(p, lr: 0.1f, weightDecay: 0.1f));

        steps[0].Should().BeCloseTo([0.89f, -1.88f], atol: 1e-6);
        steps[1].Should().BeCloseTo([0.78157186f, -1.76140895f], atol: 2e-6);
        steps[2].Should().BeCloseTo([0.67510122f, -1.64436868f], atol: 2e-6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamAndAdamW_LongParameter_EveryElementFollowsTheTwoParameterSteps(bool decoupled)
    {
        // 37 elements alternating the problem's two coordinates: the vectorized body and the scalar tail
        // must both produce the hand-checked steps above, bit for bit the same per coordinate.
        var p = new Parameter(Tensor.FromArray([.. Enumerable.Range(0, 37).Select(i => i % 2 == 0 ? 1f : -2f)], 37));
        Optimizer optimizer = decoupled ? new AdamW([p], lr: 0.1f, weightDecay: 0.1f) : new Adam([p], lr: 0.1f);
        for (int step = 0; step < 3; step++)
        {
            Span<float> value = p.Value.AsSpan();
            optimizer.ZeroGrad();
            for (int i = 0; i < value.Length; i++)
            {
                p.Gradient.AsSpan()[i] = (i % 2 == 0 ? 2 : 4) * value[i];
            }

            optimizer.Step();
        }

        float[] result = p.Value.ToArray();
        float[] expected = decoupled ? [0.67510122f, -1.64436868f] : [0.70158627f, -1.70062339f];
        result[..2].Should().BeCloseTo(expected, atol: 2e-6);
        for (int i = 2; i < result.Length; i++)
        {
            result[i].Should().Be(result[i % 2], $"element {i} holds coordinate {i % 2}");
        }
    }

    [Theory]
    [MemberData(nameof(LeNet.Tests.Kernels.KernelWidths.All), MemberType = typeof(LeNet.Tests.Kernels.KernelWidths))]
    public void AdamUpdate_EveryWidth_GivesTheScalarLoopsResultBitForBit(int width)
    {
        // 1,001 elements (a tail at every width), three steps with coupled weight decay: each width's vectors
        // and tail must reproduce the one-lane computation exactly (same operations, same order, no FMA).
        var random = new Random(7);
        float[] Make() => [.. Enumerable.Range(0, 1001).Select(_ => (random.NextSingle() * 2f) - 1f)];
        float[] p0 = Make(), g0 = Make();
        (float[] P, float[] M, float[] V) Run(LeNet.Kernels.Simd.SimdWidth w)
        {
            float[] p = (float[])p0.Clone(), m = new float[p.Length], v = new float[p.Length];
            for (int step = 1; step <= 3; step++)
            {
                AdamUpdate.Apply(p, g0, m, v, step, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.05f, w);
            }

            return (p, m, v);
        }

        (float[] P, float[] M, float[] V) scalar = Run(LeNet.Kernels.Simd.SimdWidth.Scalar);
        (float[] P, float[] M, float[] V) vector = Run((LeNet.Kernels.Simd.SimdWidth)width);

        vector.P.Should().Equal(scalar.P);
        vector.M.Should().Equal(scalar.M);
        vector.V.Should().Equal(scalar.V);
    }

    [Fact]
    public void ZeroGrad_ClearsEveryGradient()
    {
        var a = new Parameter(Tensor.FromArray([1f, 2f], 2));
        var b = new Parameter(Tensor.FromArray([3f], 1));
        a.Gradient.AsSpan().Fill(5f);
        b.Gradient.AsSpan().Fill(5f);

        new Sgd([a, b], 0.1f).ZeroGrad();

        a.Gradient.ToArray().Should().Equal(0f, 0f);
        b.Gradient.ToArray().Should().Equal(0f);
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        var p = new Parameter(new Tensor(1));

        ((Action)(() => _ = new Sgd([p], 0f))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*learning rate*");
        ((Action)(() => _ = new Sgd([p], 0.1f, momentum: -0.1f))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*momentum*");
        ((Action)(() => _ = new Sgd([p], 0.1f, nesterov: true))).Should().Throw<ArgumentException>().WithMessage("*Nesterov*");
        ((Action)(() => _ = new Adam([p], beta1: 1f))).Should().Throw<ArgumentOutOfRangeException>().WithMessage("*beta1*");
        ((Action)(() => _ = new Adam([]))).Should().Throw<ArgumentException>().WithMessage("*empty*");
        ((Action)(() => _ = new Adam([p, p]))).Should().Throw<ArgumentException>().WithMessage("*repeated*");
    }

    [Fact]
    public void StepLR_DecaysEveryStepSizeEpochs()
    {
        var optimizer = new Sgd([new Parameter(new Tensor(1))], 1f);
        var schedule = new StepLR(optimizer, stepSize: 2, gamma: 0.5f);
        var rates = new List<float> { optimizer.LearningRate };

        for (int epoch = 0; epoch < 5; epoch++)
        {
            schedule.Step();
            rates.Add(optimizer.LearningRate);
        }

        rates.Should().Equal(1f, 1f, 0.5f, 0.5f, 0.25f, 0.25f);
    }

    [Fact]
    public void CosineAnnealingLR_FollowsHalfCosine()
    {
        var optimizer = new Adam([new Parameter(new Tensor(1))], lr: 0.1f);
        var schedule = new CosineAnnealingLR(optimizer, maxEpochs: 4, minLearningRate: 0.01f);
        var rates = new List<float>();

        for (int epoch = 0; epoch < 4; epoch++)
        {
            schedule.Step();
            rates.Add(optimizer.LearningRate);
        }

        // 0.01 + 0.09·(1 + cos(πe/4))/2 for e = 1..4.
        rates.ToArray().Should().BeCloseTo([0.0868198f, 0.055f, 0.0231802f, 0.01f], atol: 1e-6);
    }

    private static float[][] Run(Func<Parameter[], Optimizer> create)
    {
        var p = new Parameter(Tensor.FromArray([1f, -2f], 2));
        Optimizer optimizer = create([p]);
        var steps = new float[3][];
        for (int step = 0; step < 3; step++)
        {
            Span<float> value = p.Value.AsSpan();
            optimizer.ZeroGrad();
            p.Gradient.AsSpan()[0] = 2 * value[0];
            p.Gradient.AsSpan()[1] = 4 * value[1];
            optimizer.Step();
            steps[step] = p.Value.ToArray();
        }

        return steps;
    }
}
