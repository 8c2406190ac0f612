namespace LeNet.Layers;

/// <summary>Parameter initialisation, following <c>torch.nn.init</c>.</summary>
public static class Init
{
    [ThreadStatic]
    private static bool _skipped;

    /// <summary>
    /// Whether this thread is inside <see cref="Module.SkipInit{T}(Func{T})"/>: every initialisation that draws values
    /// (the layers' defaults, the <see cref="Init"/> methods, torchvision models' own schemes) then leaves the tensor as
    /// it is. A custom layer that draws its own initial values should skip them too when this is true.
    /// </summary>
    public static bool IsSkipped => _skipped;

    /// <summary>Sets <see cref="IsSkipped"/> on this thread and returns its previous value (for <see cref="Module.SkipInit{T}(Func{T})"/> to restore).</summary>
    internal static bool SetSkipped(bool skipped)
    {
        bool previous = _skipped;
        _skipped = skipped;
        return previous;
    }

    /// <summary>Fills <paramref name="tensor"/> from U(<paramref name="low"/>, <paramref name="high"/>), like <c>nn.init.uniform_</c>; nothing inside <see cref="Module.SkipInit{T}(Func{T})"/>.</summary>
    /// <param name="tensor">The tensor to overwrite.</param>
    /// <param name="low">The lower bound.</param>
    /// <param name="high">The upper bound.</param>
    /// <param name="random">The source of the values; <see cref="Random.Shared"/> when null.</param>
    public static void Uniform(Tensor tensor, double low, double high, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (_skipped)
        {
            return;
        }

        random ??= Random.Shared;
        Span<float> values = tensor.AsSpan();
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(low + ((high - low) * random.NextDouble()));
        }
    }

    /// <summary>Sets every element to zero, like <c>nn.init.zeros_</c>.</summary>
    /// <param name="tensor">The tensor to overwrite.</param>
    public static void Zeros(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.AsSpan().Clear();
    }

    /// <summary>
    /// Glorot/Xavier uniform, like <c>nn.init.xavier_uniform_(tensor, gain)</c>: U(−a, a) with
    /// a = gain·√(6 / (fan_in + fan_out)); for a weight [out, in, k…], fan_in = in·k… and fan_out = out·k….
    /// </summary>
    /// <param name="tensor">A weight of rank 2 or more.</param>
    /// <param name="random">The source of the values; <see cref="Random.Shared"/> when null.</param>
    /// <param name="gain">The scaling factor (1 for sigmoid and linear layers).</param>
    /// <exception cref="ArgumentException">The tensor has fewer than two dimensions.</exception>
    public static void XavierUniform(Tensor tensor, Random? random = null, double gain = 1.0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Rank < 2)
        {
            throw new ArgumentException($"Init.XavierUniform: fan in and fan out need a tensor of rank 2 or more, got {Tensor.FormatShape(tensor.Shape)}.", nameof(tensor));
        }

        int receptive = tensor.Length / (tensor.Shape[0] * tensor.Shape[1]);
        double fanIn = (double)tensor.Shape[1] * receptive;
        double fanOut = (double)tensor.Shape[0] * receptive;
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        Uniform(tensor, -bound, bound, random);
    }

    /// <summary>
    /// The d2l recipe's initialisation: Xavier-uniform weights and zero biases for every
    /// <see cref="Conv2d"/> and <see cref="Linear"/> in <paramref name="model"/> (nested containers included), in state-dict order.
    /// Other layers (a BatchNorm's weight and bias, a PReLU's slopes) keep their values.
    /// </summary>
    /// <param name="model">The model to initialise.</param>
    /// <param name="random">The source of the values; <see cref="Random.Shared"/> when null.</param>
    public static void XavierUniformWeightsZeroBiases(ILayer model, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        switch (model)
        {
            case Sequential sequential:
                for (int i = 0; i < sequential.Count; i++)
                {
                    XavierUniformWeightsZeroBiases(sequential[i], random);
                }

                break;
            case Conv2d conv:
                XavierUniform(conv.Weight.Value, random);
                ZerosUnlessNull(conv.Bias);
                break;
            case Linear linear:
                XavierUniform(linear.Weight.Value, random);
                ZerosUnlessNull(linear.Bias);
                break;
        }

        static void ZerosUnlessNull(Parameter? bias)
        {
            if (bias is not null)
            {
                Zeros(bias.Value);
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="values"/> from U(−bound, bound). With bound = 1/√fan_in this is what
    /// <c>Conv2d.reset_parameters</c> and <c>Linear.reset_parameters</c> do for both weight
    /// (<c>kaiming_uniform_(a=√5)</c> reduces to it) and bias.
    /// </summary>
    /// <remarks>
    /// An unseeded draw (<see cref="Random.Shared"/>) takes <see cref="InitRandom.FillUniform"/>'s faster generator (its
    /// values were never reproducible); a seeded <see cref="Random"/> gives the values it always gave.
    /// </remarks>
    internal static void Uniform(Span<float> values, double bound, Random random)
    {
        if (_skipped)
        {
            return;
        }

        if (ReferenceEquals(random, Random.Shared))
        {
            InitRandom.FillUniform(values, bound, random);
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2.0) - 1.0) * bound);
        }
    }

    /// <summary>torch's default bound for a layer with <paramref name="fanIn"/> inputs per output: 1/√fan_in.</summary>
    internal static double DefaultBound(int fanIn) => 1.0 / Math.Sqrt(fanIn);
}
