namespace LeNet.IO;

/// <summary>
/// A Python dict (or <c>collections.OrderedDict</c>) as the restricted unpickler builds it: the entries in
/// insertion order; a repeated key replaces the earlier value in place, as in Python.
/// </summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<object, int> _index = new(PickleKeyComparer.Instance);

    /// <summary>Creates an empty dict.</summary>
    /// <param name="ordered">Whether it was an OrderedDict (a state dict is one).</param>
    public PickleDict(bool ordered) => IsOrdered = ordered;

    /// <summary>Whether it was a <c>collections.OrderedDict</c>.</summary>
    public bool IsOrdered { get; }

    /// <summary>The entries in insertion order.</summary>
    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    /// <summary>The number of entries.</summary>
    public int Count => _items.Count;

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/>, like <c>d[key] = value</c>.</summary>
    public void Set(object? key, object? value)
    {
        if (key is not null && PickleKeyComparer.IsHashable(key))
        {
            if (_index.TryGetValue(key, out int at))
            {
                _items[at] = new(key, value);
                return;
            }

            _index.Add(key, _items.Count);
        }

        _items.Add(new(key, value));
    }

    /// <summary>The value of a string key, or null when absent.</summary>
    public object? Get(string key) => _index.TryGetValue(key, out int at) ? _items[at].Value : null;
}
