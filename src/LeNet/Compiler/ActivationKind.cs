namespace LeNet.Compiler;

/// <summary>The activation a stage applies in its epilogue.</summary>
internal enum ActivationKind
{
    None,
    Sigmoid,
    Relu,
}
