namespace LeNet.Layers;

/// <summary>Building a model without drawing the initial values a state-dict load is about to overwrite.</summary>
public abstract partial class Module
{
    /// <summary>
    /// Builds a model without drawing its initial values, like <c>torch.nn.utils.skip_init</c>: for when a strict
    /// <see cref="LoadStateDict(IReadOnlyDictionary{string, Tensor}, bool)"/> (or <see cref="Load(string, bool, string?)"/>) overwrites every
    /// parameter next. While <paramref name="build"/> runs on this thread, every initialisation that draws values —
    /// <see cref="Conv2d"/>'s, <see cref="Linear"/>'s and <see cref="ConvTranspose2d"/>'s defaults, the <see cref="Init"/>
    /// methods, the torchvision models' own schemes (Kaiming, normal, truncated normal) — leaves its tensor as it is.
    /// </summary>
    /// <remarks>
    /// <para>The values that would have been drawn are left <b>zero</b> (PyTorch leaves them uninitialized memory);
    /// constant initialisations (a BatchNorm's weight 1, bias 0 and running statistics, a PReLU's slope, a layer scale)
    /// are still applied, since they cost nothing. A model built this way is meant to be loaded before use: a
    /// non-strict load that leaves a parameter out leaves it zero.</para>
    /// <para>The scope is this thread's alone (other threads keep initialising normally), nests, and ends when
    /// <paramref name="build"/> returns or throws; <see cref="Init.IsSkipped"/> tells whether it is on. Building resnet18
    /// (11.7 million drawn values) took ~400 ms in a cold process and takes ~50–65 ms under it.</para>
    /// <code>
    /// ResNet model = Module.SkipInit(() => TorchVision.ResNet18());
    /// model.LoadStateDict(TorchFile.Read("resnet18.pth"));   // strict: every parameter and buffer overwritten
    /// model.Eval();
    /// </code>
    /// </remarks>
    /// <typeparam name="T">The model's type (or whatever <paramref name="build"/> returns: a model with its input shape, say).</typeparam>
    /// <param name="build">Builds the model, e.g. <c>() =&gt; TorchVision.ResNet18()</c>.</param>
    /// <returns>What <paramref name="build"/> returned, its drawn parameters zero.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="build"/> is null.</exception>
    public static T SkipInit<T>(Func<T> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        bool outer = Init.SetSkipped(true);
        try
        {
            return build();
        }
        finally
        {
            Init.SetSkipped(outer);
        }
    }
}
