using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using LeNet.Kernels.Simd;

namespace LeNet.Tests.Kernels;

/// <summary>
/// Which rung of the dispatch ladder <see cref="SimdSupport.Best"/> picks, against what the CPU has (its
/// feature flags in <c>/proc/cpuinfo</c>) and what the runtime settings allow. The settings are checked in
/// child processes (the test assembly's own entry point, <see cref="SimdProbe"/>), so every run asserts that
/// <c>DOTNET_EnableAVX512=0</c> and <c>DOTNET_EnableHWIntrinsic=0</c> move the dispatch down, as CI's reruns rely on.
/// </summary>
public class SimdSupportTests
{
    private const string HWIntrinsic = "DOTNET_EnableHWIntrinsic";
    private const string Avx512 = "DOTNET_EnableAVX512";

    /// <summary>Settings that change the ISA the runtime uses (the child processes start without any of them).</summary>
    private static readonly string[] IsaSettingPrefixes = ["DOTNET_Enable", "COMPlus_Enable", "DOTNET_PreferredVectorBitWidth", "COMPlus_PreferredVectorBitWidth"];

    // CI runs the kernel tests with AVX-512 and with all intrinsics disabled: this shows that each run
    // took the rung its settings ask for.
    [Fact]
    public void Best_InThisProcess_IsTheWidestTheCpuAndTheSettingsAllow()
    {
        SimdWidth[] expected = Expected(Environment.GetEnvironmentVariable);

        expected.Should().Contain(SimdSupport.Best, $"the CPU has {CpuFacts.Describe()} and {Describe(Environment.GetEnvironmentVariable)}");
    }

    [Fact]
    public void Best_WithDefaultSettings_IsTheWidestTheCpuAllows()
    {
        SimdWidth best = BestInChild();

        Expected(_ => null).Should().Contain(best, $"the CPU has {CpuFacts.Describe()}");
    }

    [Fact]
    public void Best_WithAvx512Disabled_IsNotVector512()
    {
        SimdWidth best = BestInChild((Avx512, "0"));

        best.Should().NotBe(SimdWidth.Vector512);
        Expected(name => name == Avx512 ? "0" : null).Should().Contain(best, $"the CPU has {CpuFacts.Describe()} and {Avx512}=0");
    }

    [Fact]
    public void Best_WithIntrinsicsDisabled_IsScalar()
    {
        SimdWidth best = BestInChild((HWIntrinsic, "0"));

        best.Should().Be(SimdWidth.Scalar);
    }

    [Fact]
    public void Best_WithAvx512AndIntrinsicsDisabled_IsScalar()
    {
        SimdWidth best = BestInChild((Avx512, "0"), (HWIntrinsic, "0"));

        best.Should().Be(SimdWidth.Scalar);
    }

    /// <summary>
    /// The widths the runtime's documented rules give for this CPU under the settings <paramref name="setting"/>
    /// returns: none without hardware intrinsics; Vector512 needs AVX-512 F, BW, CD, DQ and VL and neither
    /// <c>DOTNET_EnableAVX512=0</c> nor a preferred vector width below 512 bits; Vector256 needs AVX2;
    /// Vector128 needs SSE or AdvSimd. Two widths where the runtime decides by CPU model (Intel's Skylake-X
    /// family, whose AVX-512 clock throttling makes .NET prefer 256 bits by default).
    /// </summary>
    private static SimdWidth[] Expected(Func<string, string?> setting)
    {
        string? Get(string name) => setting(name) ?? setting(name.Replace("DOTNET_", "COMPlus_", StringComparison.Ordinal));

        if (Get(HWIntrinsic) == "0")
        {
            return [SimdWidth.Scalar];
        }

        CpuFacts cpu = CpuFacts.Read();
        string? preferred = Get("DOTNET_PreferredVectorBitWidth");
        bool preferredAllows512 = preferred is null || int.Parse(preferred, NumberStyles.HexNumber, CultureInfo.InvariantCulture) is 0 or >= 512;
        if (cpu.HasAvx512 && Get(Avx512) != "0" && preferredAllows512)
        {
            return cpu.ThrottlesAvx512 && preferred is null ? [SimdWidth.Vector512, SimdWidth.Vector256] : [SimdWidth.Vector512];
        }

        return cpu.HasAvx2 ? [SimdWidth.Vector256] : cpu.HasVector128 ? [SimdWidth.Vector128] : [SimdWidth.Scalar];
    }

    private static string Describe(Func<string, string?> setting)
    {
        string[] set = [.. new[] { HWIntrinsic, Avx512, "DOTNET_PreferredVectorBitWidth" }.Where(n => setting(n) is not null).Select(n => $"{n}={setting(n)}")];
        return set.Length == 0 ? "no ISA settings" : string.Join(", ", set);
    }

    /// <summary>Runs <c>dotnet exec LeNet.Tests.dll simd-best</c> with only the given ISA settings and parses what it prints.</summary>
    private static SimdWidth BestInChild(params (string Name, string Value)[] settings)
    {
        string assembly = typeof(SimdProbe).Assembly.Location;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        start.ArgumentList.Add(SimdProbe.BestCommand);
        foreach (string name in start.Environment.Keys.Where(k => IsaSettingPrefixes.Any(p => k.StartsWith(p, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach ((string name, string value) in settings)
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet exec {assembly} {SimdProbe.BestCommand} did not finish in 60 s");
        }

        string printed = output.Result.Trim();
        process.ExitCode.Should().Be(0, $"the probe should run (stderr: {error.Result.Trim()})");
        Enum.TryParse(printed, out SimdWidth width).Should().BeTrue($"the probe prints a SimdWidth, got '{printed}'");
        return width;
    }

    /// <summary>The CPU's SIMD features: from /proc/cpuinfo on Linux (what the hardware has, whatever this process's settings), else the runtime's own view.</summary>
    private readonly record struct CpuFacts(bool HasVector128, bool HasAvx2, bool HasAvx512, bool ThrottlesAvx512, string Source)
    {
        public static CpuFacts Read()
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                string[] lines = File.ReadAllLines("/proc/cpuinfo");
                string? Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && l[name.Length..].TrimStart().StartsWith(':'))?.Split(':', 2)[1].Trim();
                var flags = new HashSet<string>((Field("flags") ?? Field("Features") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));
                bool avx512 = new[] { "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl" }.All(flags.Contains);
                bool skylakeX = Field("vendor_id") == "GenuineIntel" && Field("cpu family") == "6" && Field("model") == "85";
                return new(flags.Contains("sse") || flags.Contains("asimd"), flags.Contains("avx2"), avx512, skylakeX, "/proc/cpuinfo");
            }

            // Elsewhere the runtime's IsSupported: these already reflect this process's settings.
            return new(Sse.IsSupported || AdvSimd.IsSupported, Avx2.IsSupported, Avx512F.IsSupported && Avx512BW.IsSupported && Avx512CD.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported, false, RuntimeInformation.OSDescription);
        }

        public static string Describe()
        {
            CpuFacts cpu = Read();
            return $"Vector128 {cpu.HasVector128}, AVX2 {cpu.HasAvx2}, AVX-512 {cpu.HasAvx512} (from {cpu.Source})";
        }
    }
}
