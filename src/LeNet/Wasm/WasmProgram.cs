namespace LeNet.Wasm;

/// <summary>
/// A compiled plan as WebAssembly: the <see cref="Module"/>'s one export, <c>forward(arena, input, output)</c>,
/// reads one image of <see cref="InputLength"/> floats ([C, H, W], row-major) at address <c>input</c>, runs
/// every stage on the arena at address <c>arena</c> (16-byte aligned, <see cref="Arena"/> copied there once:
/// the weights, then the feature maps, zero) and writes <see cref="OutputLength"/> floats at <c>output</c>.
/// The module imports its memory (<c>env.memory</c>): the caller's own, so nothing is copied per call.
/// </summary>
/// <param name="Module">The module's bytes.</param>
/// <param name="Arena">The arena's initial contents: packed weights and biases, then the feature maps (zeros).</param>
/// <param name="InputLength">Floats per input image.</param>
/// <param name="OutputLength">Floats per output.</param>
internal sealed record WasmProgram(byte[] Module, float[] Arena, int InputLength, int OutputLength)
{
    /// <summary>The arena's size in bytes.</summary>
    public int ArenaBytes => Arena.Length * sizeof(float);
}
