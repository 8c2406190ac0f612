namespace LeNet.Training;

/// <summary>The <c>reduction</c> argument of the element-wise losses, checked once: "mean" or "sum", as PyTorch spells them.</summary>
internal static class LossReduction
{
    /// <summary>Returns true for "sum", false for "mean"; throws for anything else, naming the loss and the accepted values.</summary>
    public static bool IsSum(string reduction, string loss)
    {
        ArgumentNullException.ThrowIfNull(reduction);
        return reduction switch
        {
            "mean" => false,
            "sum" => true,
            _ => throw new ArgumentException($"{loss}: reduction must be \"mean\" or \"sum\", got \"{reduction}\"{(reduction == "none" ? " (\"none\" is not supported: a LossResult holds one value)" : "")}.", nameof(reduction)),
        };
    }

    /// <summary>Throws unless <paramref name="target"/> has the shape of <paramref name="input"/> (and neither is null).</summary>
    public static void SameShape(Tensor input, Tensor target, string loss)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (input.Length == 0)
        {
            throw new ArgumentException($"{loss}: expected a non-empty input, got {Tensor.FormatShape(input.Shape)}.", nameof(input));
        }

        if (!input.Shape.SequenceEqual(target.Shape))
        {
            throw new ArgumentException($"{loss}: expected a target of the input's shape {Tensor.FormatShape(input.Shape)}, got {Tensor.FormatShape(target.Shape)}.", nameof(target));
        }
    }
}
