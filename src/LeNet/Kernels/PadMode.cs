namespace LeNet.Kernels;

/// <summary>How <see cref="Pad2dKernel"/> fills the border: a constant, the mirror image without the edge (reflect), or the edge repeated (replicate).</summary>
internal enum PadMode
{
    Constant,
    Reflect,
    Replicate,
}
