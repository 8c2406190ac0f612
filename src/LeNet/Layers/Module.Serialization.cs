using System.Globalization;
using LeNet.IO;

namespace LeNet.Layers;

/// <summary>Saving and loading a model's parameters: safetensors, and PyTorch's torch.save files (.pt/.pth), under PyTorch's state-dict names.</summary>
public abstract partial class Module
{
    /// <summary>
    /// The parameters and buffers by PyTorch state-dict name, in PyTorch's order, like <c>net.state_dict()</c>:
    /// child by child, each child's parameters then its buffers (<c>0.weight</c>, <c>0.bias</c>,
    /// <c>0.running_mean</c>, <c>0.running_var</c>, <c>0.num_batches_tracked</c>, <c>1.weight</c>, …).
    /// The tensors are the model's own (as in PyTorch): writing to them changes the model.
    /// </summary>
    /// <returns>Name → tensor, e.g. <c>0.weight</c> → [6, 1, 5, 5] for LeNet.</returns>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, Tensor tensor) in StateEntries(this, ""))
        {
            state.Add(name, tensor);
        }

        return state;
    }

    /// <summary>A layer's state in PyTorch's order: a module's own parameters, its own buffers, then each child in turn; a leaf's parameters then its buffers.</summary>
    private static IEnumerable<(string Name, Tensor Tensor)> StateEntries(ILayer layer, string prefix)
    {
        if (layer is Module module)
        {
            foreach ((string name, Parameter parameter) in module._parameters)
            {
                yield return (prefix + name, parameter.Value);
            }

            foreach ((string name, Tensor buffer) in module._buffers)
            {
                yield return (prefix + name, buffer);
            }

            foreach ((string name, ILayer child) in module._children)
            {
                foreach ((string key, Tensor tensor) in StateEntries(child, prefix + name + "."))
                {
                    yield return (key, tensor);
                }
            }

            yield break;
        }

        foreach ((string name, Parameter parameter) in layer.NamedParameters())
        {
            yield return (prefix + name, parameter.Value);
        }

        foreach ((string name, Tensor buffer) in layer.NamedBuffers())
        {
            yield return (prefix + name, buffer);
        }
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into the model's parameters and buffers, like
    /// <c>net.load_state_dict(state_dict, strict)</c>. All checks run first: on any problem nothing is changed.
    /// </summary>
    /// <param name="stateDict">Name → tensor, with PyTorch's names.</param>
    /// <param name="strict">When true, a missing or an unexpected key is an error; a shape mismatch is always one.</param>
    /// <exception cref="ArgumentException">A key is missing or unexpected (strict), a tensor is null or has the wrong shape; the message names every offending key.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateEntries(this, "").ToList();
        var problems = new List<string>();
        var ownNames = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, Tensor target) in own)
        {
            ownNames.Add(name);
            if (!stateDict.TryGetValue(name, out Tensor? value))
            {
                if (strict)
                {
                    problems.Add($"missing key '{name}' (expected shape {Tensor.FormatShape(target.Shape)})");
                }
            }
            else if (value is null)
            {
                problems.Add($"key '{name}' has a null tensor");
            }
            else if (!value.Shape.SequenceEqual(target.Shape))
            {
                problems.Add($"size mismatch for '{name}': expected {Tensor.FormatShape(target.Shape)}, got {Tensor.FormatShape(value.Shape)}");
            }
        }

        if (strict)
        {
            foreach (string key in stateDict.Keys)
            {
                if (!ownNames.Contains(key))
                {
                    problems.Add($"unexpected key '{key}'");
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"{Name}.LoadStateDict: {problems.Count} problem{(problems.Count == 1 ? "" : "s")}, nothing was loaded: " + Brief(problems) + $" The model has {own.Count} entries, the state dict {stateDict.Count}.", nameof(stateDict));
        }

        foreach ((string name, Tensor target) in own)
        {
            if (stateDict.TryGetValue(name, out Tensor? value))
            {
                value!.AsSpan().CopyTo(target.AsSpan());
            }
        }
    }


    /// <summary>The problems of a state dict that does not fit, briefly: each kind counted, its first few named.</summary>
    private static string Brief(List<string> problems)
    {
        const int Shown = 5;
        var parts = new List<string>();
        foreach (IGrouping<string, string> kind in problems.GroupBy(p => p.StartsWith("missing", StringComparison.Ordinal) ? "missing" : p.StartsWith("unexpected", StringComparison.Ordinal) ? "unexpected" : "other"))
        {
            List<string> all = [.. kind];
            parts.Add(string.Join("; ", all.Take(Shown)) + (all.Count > Shown ? $"; … and {all.Count - Shown} more {kind.Key} key{(all.Count - Shown == 1 ? "" : "s")}" : ""));
        }

        return string.Join("; ", parts) + ".";
    }


    /// <summary>
    /// Saves <see cref="StateDict"/> to a safetensors file (F32, PyTorch's names and order, metadata
    /// <c>format → pt</c>), atomically: a failure part-way leaves any previous file intact. PyTorch reads
    /// it with <c>net.load_state_dict(safetensors.torch.load_file(path))</c>.
    /// </summary>
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <exception cref="IOException">The file could not be written.</exception>
    public void Save(string path) =>
        SafeTensors.Write(path, StateDict(), new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>
    /// Loads parameters from a file, recognised by its content: a safetensors file (such as
    /// <c>safetensors.torch.save_file(net.state_dict(), path)</c> writes) or a PyTorch <c>torch.save</c> file
    /// (<c>.pt</c>/<c>.pth</c>, zip or legacy format). A torch.save checkpoint that holds the state dict inside
    /// (<c>{'epoch': …, 'model_state_dict': …, 'optimizer_state_dict': …}</c>) works too: the one nested dict
    /// of tensors whose keys fit the model is taken. The file is read and checked in full, then passed to
    /// <see cref="LoadStateDict"/>, so on any problem the model is left unchanged. Float16, bfloat16 and
    /// float64 tensors are converted to float32, and integer and bool tensors (BatchNorm's int64
    /// <c>num_batches_tracked</c>) when float32 holds their values exactly.
    /// </summary>
    /// <param name="path">The safetensors or torch.save file.</param>
    /// <param name="strict">When true, a missing or an unexpected key is an error; a shape mismatch always is.</param>
    /// <param name="stripPrefix">
    /// A prefix removed from every key that starts with it before loading, e.g. <c>"module."</c> for a model
    /// saved from <c>torch.nn.DataParallel</c> (as PyTorch's <c>consume_prefix_in_state_dict_if_present</c>); null for none.
    /// </param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is neither format, is corrupt, refers to Python code (a pickled class or function: only state
    /// dicts are accepted), or holds no single state dict that fits; the message names the problem.
    /// </exception>
    /// <exception cref="ArgumentException">The file's tensors do not fit the model (missing or unexpected key when strict, wrong shape); the message names every offending key.</exception>
    public void Load(string path, bool strict = true, string? stripPrefix = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IReadOnlyDictionary<string, Tensor> state = ReadStateDict(path, strict, stripPrefix);
        LoadStateDict(state, strict);
    }

    /// <summary>Reads the state dict of a safetensors or torch.save file for this model (see <see cref="Load"/>), prefix stripped.</summary>
    internal IReadOnlyDictionary<string, Tensor> ReadStateDict(string path, bool strict, string? stripPrefix)
    {
        byte[] prefix = new byte[16];
        int got;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        }

        ReadOnlySpan<byte> head = prefix.AsSpan(0, got);
        if (TorchFile.IsTorchFile(head))
        {
            return FindStateDict(TorchFile.ReadObject(path), path, strict, stripPrefix);
        }

        if (LooksLikeSafeTensors(head))
        {
            return StateDictOf(SafeTensors.Read(path), path, stripPrefix);
        }

        throw NotAWeightsFile(path, head);
    }

    /// <summary>
    /// The state dict of a safetensors file already read (<paramref name="path"/> names it in messages), prefix
    /// stripped, refused with the prefix advice when every key carries a prefix the model's keys lack.
    /// </summary>
    internal IReadOnlyDictionary<string, Tensor> StateDictOf(SafeTensorsFile file, string path, string? stripPrefix) =>
        Checked(Strip(file, stripPrefix), path, stripPrefix);

    /// <summary>Whether the file's first bytes look like safetensors: an 8-byte length, then the JSON header's '{'.</summary>
    internal static bool LooksLikeSafeTensors(ReadOnlySpan<byte> head) => head.Length > 8 && head[8] == (byte)'{';

    /// <summary>The error for a file in neither format, saying which formats are accepted.</summary>
    internal static InvalidDataException NotAWeightsFile(string path, ReadOnlySpan<byte> head) => new(
        $"'{path}' is not a weights file this library reads: it is neither a safetensors file (an 8-byte header length, then JSON) " +
        "nor a PyTorch torch.save file (.pt/.pth: a zip archive starting with PK, or the legacy format's pickle). " +
        $"Its first bytes are {Convert.ToHexString(head[..Math.Min(head.Length, 8)])}.");

    /// <summary>Picks the state dict in a torch.save object tree: the root, or the one nested dict of tensors that fits the model.</summary>
    private IReadOnlyDictionary<string, Tensor> FindStateDict(object? root, string path, bool strict, string? stripPrefix)
    {
        var candidates = new List<(string Where, IReadOnlyDictionary<string, Tensor> State)>();
        Collect(root, "", 0);
        if (candidates.Count == 0)
        {
            throw new InvalidDataException($"'{path}' holds no state dict (no dict of tensors): it holds {Describe(root)}.");
        }

        HashSet<string> own = [.. StateEntries(this, "").Select(e => e.Name)];
        var stripped = candidates.Select(c => (c.Where, State: Strip(c.State, stripPrefix))).ToList();
        var fits = stripped.Where(c => Fits(c.State, own, strict)).ToList();
        if (fits.Count == 1)
        {
            return fits[0].State;
        }

        if (stripped.Count == 1 && fits.Count == 0)
        {
            // One state dict: its own mismatch (named keys) is the best message, unless a known prefix explains it.
            return Checked(stripped[0].State, path, stripPrefix);
        }

        string holds = Describe(root);
        if (fits.Count > 1)
        {
            throw new InvalidDataException($"'{path}' holds {fits.Count} state dicts that fit the model ({string.Join(", ", fits.Select(f => Where(f.Where)))}), so which to load is ambiguous; the file holds {holds}. Load the one you mean with TorchFile.Read and LoadStateDict.");
        }

        foreach ((_, IReadOnlyDictionary<string, Tensor> state) in stripped)
        {
            ThrowIfPrefixed(state, own, path, stripPrefix);
        }

        throw new InvalidDataException($"'{path}' holds {candidates.Count} dicts of tensors ({string.Join(", ", candidates.Select(c => $"{Where(c.Where)} with {c.State.Count} tensors"))}) but none has the model's keys ({string.Join(", ", own.Take(4))}{(own.Count > 4 ? ", …" : "")}); the file holds {holds}.");

        void Collect(object? node, string where, int depth)
        {
            if (depth > 16 || candidates.Count > 64)
            {
                return;
            }

            if (node is PickleDict dict)
            {
                if (dict.Count > 0 && dict.Items.All(item => item.Key is string && item.Value is Tensor))
                {
                    var state = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
                    foreach ((object? key, object? value) in dict.Items)
                    {
                        state.Add((string)key!, (Tensor)value!);
                    }

                    candidates.Add((where, state));
                    return;
                }

                foreach ((object? key, object? value) in dict.Items)
                {
                    Collect(value, where.Length == 0 ? $"'{key}'" : $"{where}['{key}']", depth + 1);
                }
            }
        }
    }

    private static string Where(string where) => where.Length == 0 ? "the file itself" : where;

    private static bool Fits(IReadOnlyDictionary<string, Tensor> state, HashSet<string> own, bool strict) =>
        strict ? own.SetEquals(state.Keys) : state.Keys.Any(own.Contains);

    /// <summary>The state with a DataParallel-style prefix checked: a <c>module.</c> prefix that explains a mismatch gets a message saying how to load it.</summary>
    private IReadOnlyDictionary<string, Tensor> Checked(IReadOnlyDictionary<string, Tensor> state, string path, string? stripPrefix)
    {
        HashSet<string> own = [.. StateEntries(this, "").Select(e => e.Name)];
        if (!state.Keys.Any(own.Contains))
        {
            ThrowIfPrefixed(state, own, path, stripPrefix);
        }

        return state;
    }

    private static void ThrowIfPrefixed(IReadOnlyDictionary<string, Tensor> state, HashSet<string> own, string path, string? stripPrefix)
    {
        string? first = state.Keys.FirstOrDefault();
        int dot = first?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        if (first is null || dot <= 0)
        {
            return;
        }

        string prefix = first[..(dot + 1)];
        if (state.Keys.All(k => k.StartsWith(prefix, StringComparison.Ordinal)) && state.Keys.Any(k => own.Contains(k[prefix.Length..])))
        {
            string why = prefix == "module." ? " (a model saved from torch.nn.DataParallel or DistributedDataParallel)" : "";
            throw new InvalidDataException(
                $"'{path}': every key starts with '{prefix}'{why}, e.g. '{first}', while the model's keys do not; " +
                $"load it with Load(path, strict, stripPrefix: \"{prefix}\")" + (prefix == "module." ? ", or in PyTorch save model.module.state_dict() instead." : "."));
        }
    }

    private static IReadOnlyDictionary<string, Tensor> Strip(IReadOnlyDictionary<string, Tensor> state, string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
        {
            return state;
        }

        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string key, Tensor tensor) in state)
        {
            string name = key.StartsWith(prefix, StringComparison.Ordinal) ? key[prefix.Length..] : key;
            if (!result.TryAdd(name, tensor))
            {
                throw new InvalidDataException($"stripping the prefix '{prefix}' makes two keys '{name}'.");
            }
        }

        return result;
    }

    /// <summary>What a torch.save object holds, for messages: <c>a dict of 'epoch' (int), 'model_state_dict' (dict of 8 tensors), …</c>.</summary>
    private static string Describe(object? node) => node switch
    {
        PickleDict dict => dict.Count == 0 ? "an empty dict" :
            "a dict of " + string.Join(", ", dict.Items.Take(8).Select(item => $"'{item.Key}' ({Kind(item.Value)})")) + (dict.Count > 8 ? $", … ({dict.Count} entries)" : ""),
        _ => Kind(node),
    };

    private static string Kind(object? value) => value switch
    {
        null => "None",
        Tensor t => "tensor " + Tensor.FormatShape(t.Shape),
        PickleDict d when d.Count > 0 && d.Items.All(i => i.Value is Tensor) => $"dict of {d.Count} tensors",
        PickleDict d => $"dict of {d.Count} entries",
        List<object?> l => $"list of {l.Count}",
        object?[] t => $"tuple of {t.Length}",
        long l => "int " + l.ToString(CultureInfo.InvariantCulture),
        double d => "float " + d.ToString(CultureInfo.InvariantCulture),
        string s => "str",
        bool b => b ? "True" : "False",
        _ => PickleReader.Describe(value),
    };
}
