using System.Diagnostics;
using LeNet.Wasm;

namespace LeNet.Tests.Wasm;

/// <summary>
/// Runs an emitted <see cref="WasmProgram"/> under Node.js (WebAssembly SIMD is on by default since Node 16):
/// a fresh memory as the module's <c>env.memory</c>, the arena copied at a 16-byte-aligned address, then
/// <c>forward</c> once per image, each image written at its own address as the browser app does.
/// </summary>
internal static class NodeWasm
{
    private const string Script = """
        const fs = require("fs");
        const dir = process.argv[2];
        const bytes = fs.readFileSync(dir + "/module.wasm");
        const arena = new Float32Array(new Uint8Array(fs.readFileSync(dir + "/arena.bin")).buffer);
        const images = new Float32Array(new Uint8Array(fs.readFileSync(dir + "/input.bin")).buffer);
        const [inputLength, outputLength] = JSON.parse(fs.readFileSync(dir + "/meta.json"));
        const count = images.length / inputLength;
        const base = 65536;
        const input = base + arena.length * 4 + 64;
        const output = input + inputLength * 4 + 64;
        const memory = new WebAssembly.Memory({ initial: Math.ceil((output + outputLength * 4 + 16) / 65536) + 1 });
        new Float32Array(memory.buffer, base, arena.length).set(arena);
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
        const results = new Float32Array(count * outputLength);
        for (let i = 0; i < count; i++) {
          new Float32Array(memory.buffer, input, inputLength).set(images.subarray(i * inputLength, (i + 1) * inputLength));
          instance.exports.forward(base, input, output);
          results.set(new Float32Array(memory.buffer, output, outputLength), i * outputLength);
        }
        fs.writeFileSync(dir + "/output.bin", new Uint8Array(results.buffer));
        """;

    /// <summary>The outputs of <paramref name="program"/> for each image of <paramref name="images"/> (image after image).</summary>
    public static float[] Run(WasmProgram program, float[] images)
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(System.IO.Path.Combine(temp.Path, "module.wasm"), program.Module);
        File.WriteAllBytes(System.IO.Path.Combine(temp.Path, "arena.bin"), Bytes(program.Arena));
        File.WriteAllBytes(System.IO.Path.Combine(temp.Path, "input.bin"), Bytes(images));
        File.WriteAllText(System.IO.Path.Combine(temp.Path, "meta.json"), $"[{program.InputLength}, {program.OutputLength}]");
        string script = System.IO.Path.Combine(temp.Path, "run.js");
        File.WriteAllText(script, Script);
        var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(temp.Path);
        using Process node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        string error = node.StandardError.ReadToEnd();
        node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        node.ExitCode.Should().Be(0, $"node runs the emitted module:\n{error}");
        byte[] output = File.ReadAllBytes(System.IO.Path.Combine(temp.Path, "output.bin"));
        var result = new float[output.Length / sizeof(float)];
        Buffer.BlockCopy(output, 0, result, 0, output.Length);
        return result;
    }

    private static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
