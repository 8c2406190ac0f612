using LeNet.IO;

namespace LeNet.Graphs;

/// <summary>
/// A tensor operation as a graph step: a pure function of its inputs (same inputs, same output, nothing else
/// changed), its backward, and its ONNX form. The public entry points are <see cref="Tensor"/>'s operators and
/// methods, which compute and, while a <see cref="Layers.Module"/>'s forward is recorded, record.
/// </summary>
internal abstract class TensorOp
{
    /// <summary>The operation's name as PyTorch's autograd names it (<c>add</c>, <c>cat</c>, <c>permute</c>): summaries and messages.</summary>
    public abstract string Name { get; }

    /// <summary>Computes the output (validated shapes).</summary>
    public abstract Tensor Forward(Tensor[] inputs);

    /// <summary>
    /// The gradient of each input from the output's gradient, or null where <paramref name="needed"/> says the
    /// input needs none. Returned gradients have their input's shape and may be new tensors or views of
    /// <paramref name="outputGradient"/> (never written afterwards).
    /// </summary>
    public abstract Tensor?[] Backward(Tensor[] inputs, Tensor output, Tensor outputGradient, bool[] needed);

    /// <summary>Appends the ONNX nodes computing the output named <paramref name="output"/> from <paramref name="inputs"/>.</summary>
    /// <param name="graph">The graph being built.</param>
    /// <param name="prefix">A unique prefix for the nodes' and constants' names.</param>
    /// <param name="inputs">The ONNX value names of the inputs.</param>
    /// <param name="shapes">The inputs' shapes.</param>
    /// <param name="output">The name the result must have.</param>
    public abstract void ExportOnnx(OnnxGraph graph, string prefix, string[] inputs, int[][] shapes, string output);

    /// <summary>
    /// The output's shape from the inputs' shapes alone, for a trace on shapes only (<see cref="RecordingMode.PlanShapes"/>);
    /// null when the operation runs there as anywhere (views such as <c>reshape</c>, whose sharing the plan must see).
    /// </summary>
    public virtual int[]? OutputShape(Tensor[] inputs) => null;

    /// <summary>
    /// Computes the output in a training step's recording: an operation whose forward overwrites a new result in full
    /// may take its array from <paramref name="pool"/> (it comes back when the next training-mode forward starts, as the
    /// layers' results do); by default, as <see cref="Forward(Tensor[])"/>.
    /// </summary>
    public virtual Tensor Forward(Tensor[] inputs, TrainingBufferPool pool) => Forward(inputs);

    /// <summary>Runs the operation and records it on the thread's recording, if any (on shapes only when the recording is).</summary>
    public Tensor Apply(params Tensor[] inputs)
    {
        GraphRecorder? recorder = GraphRecorder.Current;
        Tensor output = recorder is { Mode: RecordingMode.PlanShapes } && OutputShape(inputs) is { } shape ? recorder.Scratch(shape)
            : recorder is { Mode: RecordingMode.Differentiate, Pool: { } pool } ? Forward(inputs, pool)
            : Forward(inputs);
        recorder?.Record(this, inputs, output);
        return output;
    }
}
