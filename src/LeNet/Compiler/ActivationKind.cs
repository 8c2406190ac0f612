namespace LeNet.Compiler;

/// <summary>The activation a stage applies in its epilogue.</summary>
internal enum ActivationKind
{
    None,
    Sigmoid,
    Relu,

    /// <summary>min(max(x, 0), 6): MobileNetV2's activation; fused by the stages that opt in (<see cref="StageCompiler.TakeActivation(bool)"/>).</summary>
    Relu6,

    /// <summary>x · min(max(x + 3, 0), 6) / 6: MobileNetV3's; not monotone, so never fused with a max pool.</summary>
    Hardswish,

    /// <summary>min(max(x + 3, 0), 6) / 6.</summary>
    Hardsigmoid,
}
