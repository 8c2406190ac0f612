using LeNet.Compiler;
using LeNet.Kernels.Tiles;
using LeNet.Layers;
using LeNet.Models;
using LeNet.Tests.Reference;
using LeNet.Training;
using LeNet.Training.Tiled;

namespace LeNet.Tests.Inference;

/// <summary>
/// The one compiler behind the predictor, evaluation-mode Forward and the fused training step: the same
/// stages and maps for inference and training, the layers answering for themselves, and where inference
/// and training part (BatchNorm folding, Dropout).
/// </summary>
public class StageCompilerTests
{
    [Fact]
    public void Compile_LeNet_InferenceAndTrainingShareStagesAndMaps()
    {
        Sequential net = LeNetFactory.Create(seed: 1);

        StageCompiler inference = StageCompiler.Compile(net, [1, 28, 28], training: false);
        StageCompiler training = StageCompiler.Compile(net, [1, 28, 28], training: true);

        inference.Unsupported.Should().BeNull();
        training.Unsupported.Should().BeNull();
        inference.Specs.Select(s => s.GetType().Name).Should().Equal(
            nameof(ConvStageSpec), nameof(ConvStageSpec), nameof(LinearStageSpec), nameof(LinearStageSpec), nameof(LinearStageSpec));
        training.Specs.Select(s => s.GetType()).Should().Equal(inference.Specs.Select(s => s.GetType()));
        training.Maps.Should().Equal(inference.Maps);

        // d2l's LeNet: conv1 pads its 28×28 input by 2; 6×14×14 after the first pool, 16×5×5 after the second.
        inference.Maps.Should().Equal(
            new TileMap(1, 28, 28, 2), new TileMap(6, 14, 14, 0), new TileMap(16, 5, 5, 0),
            new TileMap(120, 1, 1, 0), new TileMap(84, 1, 1, 0), new TileMap(10, 1, 1, 0));
        inference.Specs.Select(s => (s.Input, s.Output)).Should().Equal((0, 1), (1, 2), (2, 3), (3, 4), (4, 5));
    }

    [Fact]
    public void Compile_BatchNormLeNet_FoldsForInferenceButNotForTraining()
    {
        Sequential net = LeNetFactory.CreateBatchNorm(seed: 1);

        StageCompiler inference = StageCompiler.Compile(net, [1, 28, 28], training: false);
        StageCompiler training = StageCompiler.Compile(net, [1, 28, 28], training: true);

        inference.Unsupported.Should().BeNull();
        inference.Specs.Should().HaveCount(5, "each BatchNorm folds into the convolution or dense layer before it");

        // In training the norm needs the whole batch's statistics: no tile stage takes it.
        training.Unsupported.Should().NotBeNull();
        training.Unsupported!.Value.Layer.Should().BeOfType<BatchNorm2d>();
        training.Unsupported.Value.Index.Should().Be(1);
        TiledTrainingStep.TryCreate(net, [1, 28, 28], new CrossEntropyLoss()).Should().BeNull();
    }

    [Fact]
    public void Compile_Dropout_IsSkippedForInferenceAndStopsTraining()
    {
        var random = new Random(2);
        var net = new Sequential(new Conv2d(1, 4, 3, random: random), new ReLU(), new Dropout(0.25f), new Flatten(), new Linear(4 * 6 * 6, 3, random: random));

        StageCompiler.Compile(net, [1, 8, 8], training: false).Specs.Should().HaveCount(2);
        StageCompiler training = StageCompiler.Compile(net, [1, 8, 8], training: true);
        training.Unsupported!.Value.Layer.Should().BeOfType<Dropout>();
        training.Unsupported.Value.Index.Should().Be(2);
    }

    [Fact]
    public void Compile_NestedSequentials_ReportTheTopLevelIndex()
    {
        var random = new Random(3);
        var net = new Sequential(
            new Sequential(new Conv2d(1, 2, 3, random: random), new ReLU()),
            new Sequential(new Flatten(), new Tanh()),
            new Linear(2 * 4 * 4, 2, random: random));

        StageCompiler compiled = StageCompiler.Compile(net, [1, 6, 6], training: false);

        compiled.Unsupported!.Value.Layer.Should().BeOfType<Tanh>();
        compiled.Unsupported.Value.Index.Should().Be(1);
        compiled.Maps.Should().BeEmpty("a compilation that stopped has no maps");
    }

    [Fact]
    public void Compile_ALayerThatIsTheIdentityInThePlan_JoinsByItself()
    {
        // A layer outside the library joins the compiler by answering for itself: no switch to edit.
        var random = new Random(4);
        var net = new Sequential(new Conv2d(1, 3, 3, random: random), new Marker(), new ReLU(), new MaxPool2d(2), new Flatten(), new Marker(), new Linear(3 * 3 * 3, 4, random: random));
        net.Eval();

        StageCompiler compiled = StageCompiler.Compile(net, [1, 8, 8], training: false);

        compiled.Unsupported.Should().BeNull();
        compiled.Specs.Should().HaveCount(2, "the convolution still fuses the ReLU and pool after the marker");
        Tensor x = Arrays.Random(random, 5, 1, 8, 8);
        net.Forward(x).ToArray().Should().BeCloseTo(net.ForwardLayers(x).ToArray(), atol: 1e-5);
        net.Engine!.RunnerCount(1, 8, 8).Should().Be(1, "the call ran the compiled plan, not the layers");
    }

    /// <summary>Forward is the identity; it tells the compiler so.</summary>
    private sealed class Marker : Layer
    {
        public override string Name => nameof(Marker);

        protected override Tensor ForwardCore(Tensor input) => input;

        public override Tensor Backward(Tensor outputGradient) => outputGradient;

        public override int[] GetOutputShape(ReadOnlySpan<int> inputShape) => inputShape.ToArray();

        internal override bool IsIdentityIn(bool training) => true;
    }
}
