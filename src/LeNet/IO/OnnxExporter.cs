using System.Reflection;
using Module = LeNet.Layers.Module;
using LeNet.Layers;
using static LeNet.IO.OnnxProto;

namespace LeNet.IO;

/// <summary>
/// Exports a <see cref="Sequential"/> as an ONNX model (IR version 7, opset 13) that ONNX Runtime and
/// other ONNX tools run, like <c>torch.onnx.export(net, x, path, dynamic_axes={"input": {0: "N"}, …})</c>.
/// </summary>
/// <remarks>
/// <para>
/// The graph has one input <c>input</c> [N, …] and one output <c>output</c> [N, …], N a symbolic batch
/// dimension. The model is exported as in evaluation mode. Each layer writes its own nodes: <c>Conv</c>
/// (<see cref="Conv2d"/>, any stride, padding, dilation and groups), <c>ConvTranspose</c>, <c>MaxPool</c>,
/// <c>AveragePool</c>, <c>GlobalAveragePool</c> (<see cref="AdaptiveAvgPool2d"/>), <c>BatchNormalization</c>
/// (running statistics), the activations, <c>Softmax</c>/<c>LogSoftmax</c>, <c>Pad</c>, <c>DepthToSpace</c>
/// (<see cref="PixelShuffle"/>), <c>Flatten</c>, <c>Reshape</c> (<see cref="Unflatten"/>, and <see cref="Flatten"/>
/// over other dimensions), <c>Clip</c> (<see cref="ReLU6"/>), <c>HardSigmoid</c> (<see cref="Hardsigmoid"/>,
/// <see cref="Hardswish"/>), torch.onnx's decompositions of <see cref="SiLU"/>, <see cref="GELU"/> and
/// <see cref="LayerNorm"/>, <c>Gemm</c> (<see cref="Linear"/> on a rank-2 input, transB = 1) and <c>Identity</c>
/// (<see cref="Dropout"/>, <see cref="StochasticDepth"/>);
/// nested <see cref="Sequential"/>s are inlined. The parameters and buffers become initializers named by
/// their state-dict keys (<c>0.weight</c>, …). A layer without an ONNX form throws
/// <see cref="NotSupportedException"/> naming it.
/// </para>
/// <para>
/// The protobuf encoding is written by a small internal writer: the library depends on nothing but
/// System.Numerics.Tensors. The file is written atomically (temporary file, flush, rename).
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX IR version written.</summary>
    public const int IrVersion = 7;

    /// <summary>The version of the default ONNX operator set imported.</summary>
    public const int OpsetVersion = 13;

    /// <summary>The graph input's name.</summary>
    public const string InputName = "input";

    /// <summary>The graph output's name.</summary>
    public const string OutputName = "output";

    /// <summary>The symbolic name of the batch dimension of the input and output.</summary>
    public const string BatchDimension = "N";

    /// <summary>Writes <paramref name="model"/> as an ONNX file.</summary>
    /// <param name="model">The model to export; its current parameter values are stored in the file.</param>
    /// <param name="path">The <c>.onnx</c> file to create or replace; its folder must exist.</param>
    /// <param name="inputShape">An example input shape, batch first, e.g. <c>1, 1, 28, 28</c> for LeNet; the batch size becomes the symbolic dimension N, the other sizes are fixed.</param>
    /// <exception cref="ArgumentException">The input shape is empty, has a non-positive size, or does not fit the model (the message names the layer); or the model has no layers.</exception>
    /// <exception cref="NotSupportedException">A layer has no ONNX mapping (the message names it and its position).</exception>
    /// <exception cref="IOException">The file could not be written; a previous file, if any, is unchanged.</exception>
    public static void Export(Module model, string path, params int[] inputShape) => Export(model, path, inputShape, wrap: null);

    /// <summary>The path overload with a test seam: <paramref name="wrap"/> decorates the temporary file's stream.</summary>
    internal static void Export(Module model, string path, int[] inputShape, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = Serialize(model, inputShape);
        AtomicFile.Write(path, stream => stream.Write(bytes), wrap);
    }

    /// <summary>The serialized <c>ModelProto</c>.</summary>
    internal static byte[] Serialize(Module model, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length == 0 || inputShape.Any(size => size <= 0))
        {
            throw new ArgumentException($"OnnxExporter: the input shape must have a batch dimension and positive sizes, got {Tensor.FormatShape(inputShape)}.", nameof(inputShape));
        }

        int[] outputShape = model.GetOutputShape(inputShape);
        var graph = new OnnxGraph();
        model.ExportOnnx(graph, prefix: "", inputShape);
        if (graph.Nodes.Count == 0)
        {
            throw new ArgumentException("OnnxExporter: the model has no layers to export.", nameof(model));
        }

        graph.Nodes[^1].Output = OutputName;
        var writer = new ProtoWriter();
        writer.WriteInt64(ModelIrVersion, IrVersion);
        writer.WriteString(ModelProducerName, "LeNet");
        writer.WriteString(ModelProducerVersion, ProducerVersion());
        writer.WriteMessage(ModelGraph, g => graph.Write(g, inputShape, outputShape));
        writer.WriteMessage(ModelOpsetImport, o => o.WriteInt64(OpsetIdVersion, OpsetVersion));
        return writer.WrittenSpan.ToArray();
    }

    private static string ProducerVersion()
    {
        Assembly assembly = typeof(OnnxExporter).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return version?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "";
    }
}
