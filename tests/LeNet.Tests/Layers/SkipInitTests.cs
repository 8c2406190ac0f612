using LeNet.Layers;

namespace LeNet.Tests.Layers;

/// <summary>Module.SkipInit, like <c>torch.nn.utils.skip_init</c>: no drawn initial values inside the scope, and only there.</summary>
public class SkipInitTests
{
    [Fact]
    public void SkipInit_DefaultInitialisedLayers_AreLeftZero()
    {
        (Conv2d conv, Linear linear, ConvTranspose2d transposed) = Module.SkipInit(() =>
            (new Conv2d(3, 8, 3), new Linear(16, 4), new ConvTranspose2d(4, 2, 3)));

        conv.Weight.Value.ToArray().Should().OnlyContain(v => v == 0f);
        conv.Bias!.Value.ToArray().Should().OnlyContain(v => v == 0f);
        linear.Weight.Value.ToArray().Should().OnlyContain(v => v == 0f);
        linear.Bias!.Value.ToArray().Should().OnlyContain(v => v == 0f);
        transposed.Weight.Value.ToArray().Should().OnlyContain(v => v == 0f);
        transposed.Bias!.Value.ToArray().Should().OnlyContain(v => v == 0f);
    }

    [Fact]
    public void SkipInit_InitMethodsAndResetParameters_LeaveTheValuesUntouched()
    {
        Tensor tensor = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var conv = new Conv2d(2, 2, 1);
        float[] convBefore = conv.Weight.Value.ToArray();
        var seeded = new Random(5);

        Module.SkipInit(() =>
        {
            Init.Uniform(tensor, -1, 1);
            Init.XavierUniform(tensor, seeded);
            conv.ResetParameters();
            conv.ResetParameters(seeded);
            return 0;
        });

        tensor.ToArray().Should().Equal(1f, 2f, 3f, 4f, 5f, 6f);
        conv.Weight.Value.ToArray().Should().Equal(convBefore);
    }

    [Fact]
    public void SkipInit_AfterTheScope_DrawsAgain()
    {
        Module.SkipInit(() => new Linear(8, 8));

        Init.IsSkipped.Should().BeFalse();
        new Linear(8, 8).Weight.Value.ToArray().Should().Contain(v => v != 0f);
    }

    [Fact]
    public void SkipInit_BuildThrows_ScopeEndsAndTheExceptionPropagates()
    {
        Action act = () => Module.SkipInit<Linear>(() => throw new InvalidOperationException("boom"));

        act.Should().Throw<InvalidOperationException>().WithMessage("boom");
        Init.IsSkipped.Should().BeFalse();
        new Linear(8, 8).Weight.Value.ToArray().Should().Contain(v => v != 0f);
    }

    [Fact]
    public void SkipInit_Nested_InnerEndKeepsTheOuterScope()
    {
        (bool insideInner, bool afterInner, Linear built) = Module.SkipInit(() =>
        {
            bool inner = Module.SkipInit(() => Init.IsSkipped);
            bool after = Init.IsSkipped;
            return (inner, after, new Linear(8, 8));
        });

        insideInner.Should().BeTrue();
        afterInner.Should().BeTrue("the outer scope is still open");
        built.Weight.Value.ToArray().Should().OnlyContain(v => v == 0f);
        Init.IsSkipped.Should().BeFalse();
    }

    [Fact]
    public void SkipInit_OtherThreads_StillDraw()
    {
        float[] other = [];
        bool otherSkipped = true;
        Module.SkipInit(() =>
        {
            // A dedicated thread (a Task could run inline on this one).
            var thread = new Thread(() =>
            {
                otherSkipped = Init.IsSkipped;
                other = new Linear(8, 8).Weight.Value.ToArray();
            });
            thread.Start();
            thread.Join();
            return 0;
        });

        otherSkipped.Should().BeFalse();
        other.Should().Contain(v => v != 0f);
    }

    [Fact]
    public void SkipInit_NullBuild_Throws()
    {
        Action act = () => Module.SkipInit<Linear>(null!);

        act.Should().Throw<ArgumentNullException>().WithParameterName("build");
    }
}
