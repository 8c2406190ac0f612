using LeNet.Layers;

namespace LeNet.IO;

/// <summary>
/// Reads an ONNX model into a <see cref="Module"/>: a graph that is a chain of supported operators becomes a named
/// <see cref="Sequential"/> (like the files <c>torch.onnx.export</c> writes for a <c>nn.Sequential</c>), any other
/// graph of supported operators — residual adds, concatenations, squeeze-and-excitation, channel shuffles, the shape
/// arithmetic of a dynamic batch — a module whose forward runs the graph's nodes as layers and tensor operations.
/// </summary>
/// <remarks>
/// <para><b>Graphs</b> (anything that is not a chain): one input and one output; the operators Conv, ConvTranspose,
/// BatchNormalization, Gemm, MatMul (constant B), the activations below and HardSigmoid, HardSwish, Clip, the pools,
/// Pad (any constant padding), Dropout, Identity, Constant, Add/Sub/Mul/Div/Neg with ONNX broadcasting, Concat, Split,
/// Slice (positive steps on data), Gather (constant indices), Transpose, Reshape, Flatten, Squeeze, Unsqueeze,
/// ReduceMean, ReduceSum, and Shape, Cast and ConstantOfShape on shapes. Shape arithmetic is computed from the input's
/// shape on each forward (any batch size), as ONNX Runtime resolves it; a graph whose shapes would depend on data is
/// refused. Nodes may come in any order (they are sorted). State-dict keys are the initializers' names where they
/// can be paths (<c>features.0.weight</c>); see the module's remarks for the rest.</para>
/// <para><b>Chains</b>: 
/// Supported: opsets 6 to 21 of the default domain; initializers inline (raw or typed fields) or in external
/// data files beside the model; the operators Conv, ConvTranspose, BatchNormalization (inference), Gemm (transA = 0), MatMul (+ Add), Relu, Sigmoid,
/// Tanh, LeakyRelu, Elu, Selu, PRelu, Softplus, Softsign, Softmax, LogSoftmax, Neg + Softmax (Softmin),
/// DepthToSpace (CRD: PixelShuffle), MaxPool, AveragePool, GlobalAveragePool, Pad, Flatten, Reshape (a
/// constant shape, or the Shape → Gather → Unsqueeze → Concat chain PyTorch emits for
/// <c>x.view(x.size(0), -1)</c>: it becomes Flatten or Unflatten), Dropout, Identity, Constant. Other
/// operators, or supported ones with attributes the layers cannot express, throw
/// <see cref="NotSupportedException"/> naming the operator and the node.
/// </para>
/// <para>
/// Children are named after the model (the rule, in order): a layer with weights takes its weight
/// initializer's name without the final <c>.weight</c> (<c>conv1.weight</c> → <c>conv1</c>); otherwise the
/// node's name without its last <c>/</c> part (<c>/relu1/Relu</c> → <c>relu1</c>, <c>/Relu_1</c> →
/// <c>Relu_1</c>); otherwise the operator in lower case. Characters other than letters, digits and
/// <c>_</c> (dots included) become <c>_</c> (<c>features.0.weight</c> → <c>features_0</c>), and a name
/// already taken gets <c>_2</c>, <c>_3</c>, …
/// </para>
/// <para>The model is returned in evaluation mode (<see cref="Layer.Eval"/>), as ONNX models are inference graphs; call <c>Train()</c> to fine-tune it.</para>
/// </remarks>
public static partial class OnnxImporter
{
    /// <summary>The lowest default-domain opset version imported.</summary>
    public const int MinOpset = 6;

    /// <summary>The highest default-domain opset version imported.</summary>
    public const int MaxOpset = 21;

    /// <summary>Reads an ONNX model file; external data files are looked up in the file's folder.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <returns>The model in evaluation mode (a named <see cref="Sequential"/> for a chain); input and output shapes as in the ONNX graph (e.g. <c>[N, 1, 28, 28] → [N, 10]</c>).</returns>
    /// <exception cref="FileNotFoundException">The model file, or an external data file it names, does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a well-formed ONNX model (the message names the file and the problem).</exception>
    /// <exception cref="NotSupportedException">The graph uses an operator, attribute or structure the importer does not map; the message names the operator and node, and lists the supported operators.</exception>
    public static Module Import(string path) => Import(path, out _);

    /// <summary>As <see cref="Import(string)"/>, also handing out the parsed model (its declared input shape, for the CLI) so the file is read and parsed once.</summary>
    internal static Module Import(string path, out OnnxModelData model)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        byte[] bytes = File.ReadAllBytes(full);
        return Import(bytes, Path.GetDirectoryName(full), Path.GetFileName(full), out model);
    }

    /// <summary>Reads an ONNX model from a stream.</summary>
    /// <param name="stream">The model's bytes, read to the end.</param>
    /// <param name="externalDataDirectory">The folder holding the model's external data files, if it has any.</param>
    /// <returns>The model in evaluation mode (a named <see cref="Sequential"/> for a chain).</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ONNX model.</exception>
    /// <exception cref="NotSupportedException">The graph uses an operator or structure the importer does not map, or it has external data and no folder was given.</exception>
    public static Module Import(Stream stream, string? externalDataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return Import(memory.GetBuffer().AsMemory(0, (int)memory.Length), externalDataDirectory, "stream", out _);
    }

    /// <summary>Parses and maps the model; every problem's message names <paramref name="source"/>.</summary>
    internal static Module Import(ReadOnlyMemory<byte> bytes, string? directory, string source, out OnnxModelData model)
    {
        try
        {
            model = OnnxModelData.Parse(bytes);
            OnnxExternalData? external = directory is null ? null : new OnnxExternalData(directory);
            Module net;
            try
            {
                net = new OnnxChainBuilder(model, external).Build();
            }
            catch (NotSupportedException)
            {
                // Not a chain (or a chain of operators only the graph importer maps): the graph importer says why not, if it cannot either.
                net = new OnnxGraphBuilder(model, external, bytes.Length).Build();
            }

            net.Eval();
            return net;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"OnnxImporter: '{source}' is not a valid ONNX model: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"OnnxImporter: '{source}': {e.Message}", e);
        }
    }
}
