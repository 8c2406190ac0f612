using LeNet.IO;
using LeNet.Layers;
using LeNet.Tests;
using Xunit.Abstractions;
using static LeNet.OnnxTests.OnnxImportTests;

namespace LeNet.OnnxTests;

/// <summary>
/// All 46 two-dimensional module cases of the ONNX project's <c>pytorch-converted/</c> backend set (Debian's
/// libonnx-testdata; CI installs it): every case whose module is not 1-D or 3-D (and not Embedding or a loss),
/// imported as a Module and compared with the output PyTorch stored beside it.
/// </summary>
public class PyTorchConvertedTests(ITestOutputHelper output)
{
    private static readonly string[] TwoDCases =
    [
        "test_AvgPool2d",
        "test_AvgPool2d_stride",
        "test_BatchNorm2d_eval",
        "test_BatchNorm2d_momentum_eval",
        "test_ConstantPad2d",
        "test_Conv2d",
        "test_Conv2d_depthwise",
        "test_Conv2d_depthwise_padded",
        "test_Conv2d_depthwise_strided",
        "test_Conv2d_depthwise_with_multiplier",
        "test_Conv2d_dilated",
        "test_Conv2d_groups",
        "test_Conv2d_groups_thnn",
        "test_Conv2d_no_bias",
        "test_Conv2d_padding",
        "test_Conv2d_strided",
        "test_ConvTranspose2d",
        "test_ConvTranspose2d_no_bias",
        "test_ELU",
        "test_GLU",
        "test_GLU_dim",
        "test_LeakyReLU",
        "test_LeakyReLU_with_negval",
        "test_Linear",
        "test_Linear_no_bias",
        "test_LogSoftmax",
        "test_MaxPool2d",
        "test_MaxPool2d_stride_padding_dilation",
        "test_PReLU_2d",
        "test_PReLU_2d_multiparam",
        "test_PixelShuffle",
        "test_ReLU",
        "test_ReflectionPad2d",
        "test_ReplicationPad2d",
        "test_SELU",
        "test_Sigmoid",
        "test_Softmax",
        "test_Softmin",
        "test_Softplus",
        "test_Softsign",
        "test_Tanh",
        "test_ZeroPad2d",
        "test_log_softmax_dim3",
        "test_log_softmax_lastdim",
        "test_softmax_functional_dim3",
        "test_softmax_lastdim",
    ];

    public static TheoryData<string> Cases() => new(TwoDCases);

    [Fact]
    public void TwoDCases_AreTheSetsEveryCaseNotOneOrThreeDimensional()
    {
        string root = "/usr/share/libonnx-testdata/data/pytorch-converted";
        string[] onDisk = [.. Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.Contains("1d", StringComparison.Ordinal) && !n.Contains("3d", StringComparison.Ordinal) && !n.Contains("Embedding", StringComparison.Ordinal) && !n.Contains("Loss", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

        TwoDCases.Should().HaveCount(46).And.Equal(onDisk);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Import_TwoDCase_MatchesPyTorchOutput(string testCase)
    {
        string folder = Path.Combine("/usr/share/libonnx-testdata/data/pytorch-converted", testCase);
        Tensor input = ReadTensor(Path.Combine(folder, "test_data_set_0", "input_0.pb"));
        Tensor expected = ReadTensor(Path.Combine(folder, "test_data_set_0", "output_0.pb"));

        Module net = OnnxImporter.Import(Path.Combine(folder, "model.onnx"));
        Tensor actual = net.Forward(input);

        actual.Shape.ToArray().Should().Equal(expected.Shape.ToArray());
        output.WriteLine($"{testCase}: max diff {MaxAbsDifference(actual.ToArray(), expected.ToArray()):E2}");
        actual.ToArray().Should().BeCloseTo(expected.ToArray(), atol: 1e-5, rtol: 1e-4);
    }
}
