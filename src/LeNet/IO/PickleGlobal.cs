namespace LeNet.IO;

/// <summary>
/// A Python global that the restricted unpickler allowed (<c>collections.OrderedDict</c>, a torch rebuild
/// function, a storage class, a dtype): a name only; nothing in Python is ever imported or called.
/// </summary>
/// <param name="Module">The module, e.g. <c>torch._utils</c>.</param>
/// <param name="Name">The name in the module, e.g. <c>_rebuild_tensor_v2</c>.</param>
internal sealed record PickleGlobal(string Module, string Name)
{
    /// <summary>The dotted name, e.g. <c>torch.FloatStorage</c>.</summary>
    public string FullName => Module + "." + Name;

    /// <inheritdoc/>
    public override string ToString() => FullName;
}
