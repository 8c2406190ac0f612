using System.Diagnostics;
using LeNet.Wasm;

namespace LeNet.Tests.Wasm;

/// <summary>
/// One Node.js process holding several emitted <see cref="WasmProgram"/>s (each in its own memory, its arena copied
/// once), that runs program k on one image per request: a line "k base64(input floats)" on its standard input,
/// answered by a line base64(output floats). <see cref="WasmGraph"/>'s segments run through it, the managed steps
/// between them in this process.
/// </summary>
internal sealed class NodeWasmHost : IDisposable
{
    private const string Script = """
        const fs = require("fs");
        const readline = require("readline");
        const dir = process.argv[2];
        const meta = JSON.parse(fs.readFileSync(dir + "/meta.json"));
        const programs = meta.map(([inputLength, outputLength], k) => {
          if (inputLength === 0) return null;
          const arena = new Float32Array(new Uint8Array(fs.readFileSync(dir + "/arena" + k + ".bin")).buffer);
          const base = 65536, input = base + arena.length * 4 + 64, output = input + inputLength * 4 + 64;
          const memory = new WebAssembly.Memory({ initial: Math.ceil((output + outputLength * 4 + 16) / 65536) + 1 });
          new Float32Array(memory.buffer, base, arena.length).set(arena);
          const instance = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(dir + "/module" + k + ".wasm")), { env: { memory } });
          return { memory, instance, base, input, output, inputLength, outputLength };
        });
        readline.createInterface({ input: process.stdin }).on("line", line => {
          const [k, data] = line.split(" ");
          const p = programs[+k];
          const bytes = Buffer.from(data, "base64");
          new Uint8Array(p.memory.buffer, p.input, bytes.length).set(bytes);
          p.instance.exports.forward(p.base, p.input, p.output);
          process.stdout.write(Buffer.from(new Uint8Array(p.memory.buffer, p.output, p.outputLength * 4)).toString("base64") + "\n");
        });
        """;

    private readonly TempDirectory _temp = new();
    private readonly Process _node;

    public NodeWasmHost(IReadOnlyList<WasmProgram?> programs)
    {
        for (int k = 0; k < programs.Count; k++)
        {
            if (programs[k] is { } program)
            {
                File.WriteAllBytes(System.IO.Path.Combine(_temp.Path, $"module{k}.wasm"), program.Module);
                File.WriteAllBytes(System.IO.Path.Combine(_temp.Path, $"arena{k}.bin"), Bytes(program.Arena));
            }
        }

        File.WriteAllText(System.IO.Path.Combine(_temp.Path, "meta.json"), "[" + string.Join(", ", programs.Select(p => $"[{p?.InputLength ?? 0}, {p?.OutputLength ?? 0}]")) + "]");
        string script = System.IO.Path.Combine(_temp.Path, "host.js");
        File.WriteAllText(script, Script);
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(_temp.Path);
        _node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
    }

    /// <summary>How many images the programs have run.</summary>
    public int Calls { get; private set; }

    /// <summary>Runs program <paramref name="k"/> on one image.</summary>
    public void Run(int k, ReadOnlyMemory<float> input, Memory<float> output)
    {
        Calls++;
        byte[] bytes = new byte[input.Length * sizeof(float)];
        Buffer.BlockCopy(input.ToArray(), 0, bytes, 0, bytes.Length);
        _node.StandardInput.WriteLine($"{k} {Convert.ToBase64String(bytes)}");
        _node.StandardInput.Flush();
        string line = _node.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"node answered nothing for program {k}");
        byte[] answer = Convert.FromBase64String(line);
        answer.Length.Should().Be(output.Length * sizeof(float), $"program {k} writes {output.Length} floats");
        var values = new float[output.Length];
        Buffer.BlockCopy(answer, 0, values, 0, answer.Length);
        values.CopyTo(output);
    }

    public void Dispose()
    {
        _node.StandardInput.Close();
        if (!_node.WaitForExit(10_000))
        {
            _node.Kill();
        }

        _node.Dispose();
        _temp.Dispose();
    }

    private static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
