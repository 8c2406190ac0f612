namespace LeNet.IO;

/// <summary>
/// The ONNX operator set the exporter writes (<see cref="OnnxExporter.OpsetVersion"/>), for the layers whose best
/// mapping depends on it (ONNX HardSwish from opset 14, LayerNormalization from 17).
/// </summary>
/// <remarks>A property rather than the constant itself, so a layer's branch for a later opset is compiled, not folded away as unreachable.</remarks>
internal static class OnnxOpset
{
    /// <summary>The opset version of the exported model.</summary>
    public static int Version => OnnxExporter.OpsetVersion;

    /// <summary>Whether the exported model's opset has an operator introduced in <paramref name="opset"/>.</summary>
    public static bool AtLeast(int opset) => Version >= opset;
}
