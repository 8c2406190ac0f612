using System.Collections;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;

namespace LeNet.IO;

/// <summary>
/// What <see cref="SafeTensors.Read(string)"/> returns: the tensors by name, in the order the file's
/// header lists them, and the header's optional <c>__metadata__</c> map. It is itself the name → tensor
/// dictionary, so it can be passed straight to <see cref="Layers.Module.LoadStateDict"/>.
/// </summary>
[SuppressMessage("Naming", "CA1710:Identifiers should have correct suffix", Justification = "It is a file's content, which happens to be usable as a dictionary; 'SafeTensorsDictionary' would hide the metadata.")]
public sealed class SafeTensorsFile : IReadOnlyDictionary<string, Tensor>
{
    internal SafeTensorsFile(OrderedDictionary<string, Tensor> tensors, OrderedDictionary<string, string> metadata)
    {
        Tensors = new ReadOnlyDictionary<string, Tensor>(tensors);
        Metadata = new ReadOnlyDictionary<string, string>(metadata);
    }

    /// <summary>The tensors by name (e.g. <c>0.weight</c> → [6, 1, 5, 5]), all float32, in header order.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> entries (string → string); empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The number of tensors.</summary>
    public int Count => Tensors.Count;

    /// <summary>The tensor names, in header order.</summary>
    public IEnumerable<string> Keys => Tensors.Keys;

    /// <summary>The tensors, in header order.</summary>
    public IEnumerable<Tensor> Values => Tensors.Values;

    /// <summary>The tensor named <paramref name="key"/>.</summary>
    /// <param name="key">A tensor name.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="KeyNotFoundException">The file has no tensor of that name.</exception>
    public Tensor this[string key] => Tensors[key];

    /// <summary>Whether the file has a tensor named <paramref name="key"/>.</summary>
    /// <param name="key">A tensor name.</param>
    /// <returns>True when present.</returns>
    public bool ContainsKey(string key) => Tensors.ContainsKey(key);

    /// <summary>Gets the tensor named <paramref name="key"/>, if present.</summary>
    /// <param name="key">A tensor name.</param>
    /// <param name="value">The tensor, or null.</param>
    /// <returns>True when present.</returns>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Tensor value) => Tensors.TryGetValue(key, out value);

    /// <summary>Enumerates name → tensor pairs in header order.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() => Tensors.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
