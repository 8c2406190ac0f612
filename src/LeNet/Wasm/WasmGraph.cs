using LeNet.Graphs;
using LeNet.Inference;
using LeNet.Layers;

namespace LeNet.Wasm;

/// <summary>
/// An evaluation-mode <see cref="Module"/> (a ResNet, a MobileNet) for the browser: its traced <see cref="GraphPlan"/>
/// with every compiled segment (a chain of layers compiled into the engine's stages) emitted as a
/// <see cref="WasmProgram"/>, the tensor operations between them (residual add, cat, mean, reshape…) and the layers
/// no stage takes left managed. A segment whose stages have no WebAssembly form keeps its managed stages
/// (its entry in <see cref="Programs"/> is null).
/// </summary>
/// <remarks>
/// The host runs a program on one image (<see cref="Run"/>'s delegate): the browser app calls the module's
/// <c>forward</c> in the .NET runtime's memory; the tests call it under Node.js.
/// </remarks>
internal sealed class WasmGraph
{
    private readonly GraphPlan _plan;
    private readonly int[][] _outputShapes;

    private WasmGraph(GraphPlan plan, WasmProgram?[] programs, int[][] outputShapes)
    {
        _plan = plan;
        Programs = programs;
        _outputShapes = outputShapes;
    }

    /// <summary>The k-th compiled segment's program (null: it runs managed), in the order the segments run.</summary>
    public WasmProgram?[] Programs { get; }

    /// <summary>
    /// Traces <paramref name="module"/> (in evaluation mode) on <paramref name="sample"/> ([N, C, H, W], the shape
    /// every later input has) and emits its compiled segments with the weights they hold now.
    /// </summary>
    /// <exception cref="InvalidOperationException">The module is in training mode, or its forward reads tensor values (data-dependent control flow), so no plan traces it.</exception>
    public static WasmGraph Emit(Module module, Tensor sample)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(sample);
        if (module.IsTraining)
        {
            throw new InvalidOperationException($"WasmGraph: {module.GetType().Name} is in training mode; call Eval() first.");
        }

        GraphRecorder recording = module.Record(sample, RecordingMode.Trace);
        if (recording.ReadValues)
        {
            throw new InvalidOperationException($"WasmGraph: {module.GetType().Name}'s forward reads tensor values while traced; it has no graph plan.");
        }

        var plan = new GraphPlan(recording, GraphPlan.Segment);
        (Sequential Segment, int[] InputShape)[] segments = plan.Segments;
        var programs = new WasmProgram?[segments.Length];
        var outputShapes = new int[segments.Length][];
        for (int k = 0; k < segments.Length; k++)
        {
            (Sequential segment, int[] shape) = segments[k];
            var compiled = new PredictorPlan(segment, shape[1..]);
            outputShapes[k] = compiled.OutputShape;
            try
            {
                programs[k] = WasmPlanEmitter.Emit(compiled);
            }
            catch (NotSupportedException)
            {
                programs[k] = null;
            }
        }

        return new WasmGraph(plan, programs, outputShapes);
    }

    /// <summary>
    /// Runs the plan on <paramref name="input"/> (the traced shape): each segment with a program image by image
    /// through <paramref name="run"/> (program index, one image's input [C·H·W floats], one image's output to fill),
    /// the rest managed.
    /// </summary>
    public Tensor Run(Tensor input, Action<int, ReadOnlyMemory<float>, Memory<float>> run)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(run);
        return _plan.Run(input, (k, x) =>
        {
            if (Programs[k] is not { } program)
            {
                return null;
            }

            int batch = x.Shape[0];
            var output = new Tensor([batch, .. _outputShapes[k]]);
            float[] images = x.ToArray(), results = new float[batch * program.OutputLength];
            for (int n = 0; n < batch; n++)
            {
                run(k, images.AsMemory(n * program.InputLength, program.InputLength), results.AsMemory(n * program.OutputLength, program.OutputLength));
            }

            results.AsSpan().CopyTo(output.AsSpan());
            return output;
        });
    }
}
