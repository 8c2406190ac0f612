namespace LeNet.Wasm;

/// <summary>
/// Writes a WebAssembly module (binary format, WebAssembly Core Specification 2.0, chapter 5): functions
/// whose parameters are all i32 and that return nothing, one imported memory (<c>env.memory</c>, the
/// host's linear memory: in the browser the .NET runtime's own) and exported functions.
/// </summary>
internal sealed class WasmModuleWriter
{
    private readonly List<(int Parameters, byte[] Body)> _functions = [];
    private readonly List<(string Name, int Function)> _exports = [];

    /// <summary>Adds a function of <paramref name="code"/>.<see cref="WasmCode.Parameters"/> i32 parameters; returns its index.</summary>
    public int Add(WasmCode code)
    {
        _functions.Add((code.Parameters, code.ToBody()));
        return _functions.Count - 1;
    }

    public void Export(string name, int function) => _exports.Add((name, function));

    /// <summary>The module's bytes: magic, version, then the type, import, function, export and code sections in order.</summary>
    public byte[] ToArray()
    {
        var module = new WasmBuffer();
        module.Bytes([0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]);

        // Type section (1): one signature per parameter count, (i32 …) → ().
        int[] arities = [.. _functions.Select(f => f.Parameters).Distinct().Order()];
        Section(module, 1, s =>
        {
            s.U32((uint)arities.Length);
            foreach (int arity in arities)
            {
                s.Byte(0x60);
                s.U32((uint)arity);
                for (int i = 0; i < arity; i++)
                {
                    s.Byte(WasmCode.I32);
                }

                s.U32(0);
            }
        });

        // Import section (2): env.memory, at least one page, no maximum (the host's memory grows).
        Section(module, 2, s =>
        {
            s.U32(1);
            s.Name("env");
            s.Name("memory");
            s.Byte(0x02);
            s.Byte(0x00);
            s.U32(1);
        });

        // Function section (3): each function's type index.
        Section(module, 3, s =>
        {
            s.U32((uint)_functions.Count);
            foreach ((int parameters, _) in _functions)
            {
                s.U32((uint)Array.IndexOf(arities, parameters));
            }
        });

        // Export section (7): functions (kind 0).
        Section(module, 7, s =>
        {
            s.U32((uint)_exports.Count);
            foreach ((string name, int function) in _exports)
            {
                s.Name(name);
                s.Byte(0x00);
                s.U32((uint)function);
            }
        });

        // Code section (10).
        Section(module, 10, s =>
        {
            s.U32((uint)_functions.Count);
            foreach ((_, byte[] body) in _functions)
            {
                s.Bytes(body);
            }
        });

        return module.ToArray();
    }

    private static void Section(WasmBuffer module, byte id, Action<WasmBuffer> write)
    {
        var section = new WasmBuffer();
        write(section);
        module.Byte(id);
        module.Vector(section.ToArray());
    }
}
