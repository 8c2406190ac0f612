using System.Runtime.InteropServices;
using System.Runtime.InteropServices.JavaScript;
using LeNet.Inference;
using LeNet.Layers;
using LeNet.Wasm;

namespace LeNet.Browser;

/// <summary>
/// A LeNet compiled to WebAssembly in the page: the library emits the compiled plan as a SIMD module
/// (<see cref="WasmPlanEmitter"/>), the page instantiates it against the .NET runtime's own linear memory
/// (classifier.js, <c>lenetWasm.load</c>), and each forward calls its <c>forward(arena, input, output)</c> on
/// memory .NET owns: the arena (weights and feature maps) allocated once outside the GC heap, the input and
/// the logits pinned where they are. Nothing is copied per call.
/// </summary>
internal sealed partial class WasmEngine
{
    private readonly int _module;
    private readonly nint _arena;

    private WasmEngine(int module, nint arena, int moduleBytes)
    {
        _module = module;
        _arena = arena;
        ModuleBytes = moduleBytes;
    }

    /// <summary>The emitted module's size in bytes.</summary>
    public int ModuleBytes { get; }

    /// <summary>Emits <paramref name="model"/> for one 28×28 image and instantiates it in the page.</summary>
    /// <exception cref="NotSupportedException">The model has a stage the emitter does not cover.</exception>
    /// <exception cref="JSException">The page could not instantiate the module.</exception>
    public static async Task<WasmEngine> CreateAsync(Sequential model)
    {
        WasmProgram program = WasmPlanEmitter.Emit(new PredictorPlan(model, [1, 28, 28]));
        nint arena = Allocate(program.Arena);
        int module = await Instantiate(program.Module);
        return new WasmEngine(module, arena, program.Module.Length);
    }

    /// <summary>The arena's copy outside the GC heap (it never moves; it lives as long as the page).</summary>
    internal static unsafe nint Allocate(float[] contents)
    {
        var arena = (float*)NativeMemory.AlignedAlloc((nuint)(contents.Length * sizeof(float)), 16);
        contents.CopyTo(new Span<float>(arena, contents.Length));
        return (nint)arena;
    }

    /// <summary>The page copies the bytes out of .NET's memory before it returns its promise: pinned for the call only.</summary>
    internal static unsafe Task<int> Instantiate(byte[] module)
    {
        fixed (byte* bytes = module)
        {
            return Load((int)bytes, module.Length);
        }
    }

    /// <summary>Logits for one image of 784 floats (white ink on black, [0, 1]).</summary>
    public unsafe void Predict(float[] image, float[] logits)
    {
        fixed (float* input = image, output = logits)
        {
            Forward(_module, (int)_arena, (int)input, (int)output);
        }
    }

    [JSImport("globalThis.lenetWasm.load")]
    [return: JSMarshalAs<JSType.Promise<JSType.Number>>]
    private static partial Task<int> Load(int address, int length);

    [JSImport("globalThis.lenetWasm.forward")]
    internal static partial void Forward(int module, int arena, int input, int output);
}
