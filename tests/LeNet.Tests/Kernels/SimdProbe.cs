using LeNet.Kernels.Simd;

namespace LeNet.Tests.Kernels;

/// <summary>
/// The test assembly's entry point, in place of the test SDK's empty one (<c>GenerateProgramFile</c> is off):
/// <c>dotnet exec LeNet.Tests.dll simd-best</c> prints <see cref="SimdSupport.Best"/>, so a test can see what
/// the default dispatch picks in a process started with other <c>DOTNET_</c> settings. The test runner never
/// calls it.
/// </summary>
internal static class SimdProbe
{
    public const string BestCommand = "simd-best";

    public static int Main(string[] args)
    {
        if (args is [BestCommand])
        {
            Console.WriteLine(SimdSupport.Best);
            return 0;
        }

        Console.Error.WriteLine($"LeNet.Tests is a test assembly; run it with dotnet test. The only command is '{BestCommand}'.");
        return 2;
    }
}
