namespace LeNet.Kernels.Simd;

/// <summary>The vector width a kernel runs at: the dispatch ladder Vector512 → Vector256 → Vector128 → scalar.</summary>
internal enum SimdWidth
{
    /// <summary>One float at a time: the path without hardware intrinsics (<c>DOTNET_EnableHWIntrinsic=0</c>).</summary>
    Scalar = 1,

    /// <summary>4 floats (SSE, AdvSimd).</summary>
    Vector128 = 4,

    /// <summary>8 floats (AVX2).</summary>
    Vector256 = 8,

    /// <summary>16 floats (AVX-512).</summary>
    Vector512 = 16,
}
