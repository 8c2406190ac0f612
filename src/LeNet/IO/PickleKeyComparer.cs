namespace LeNet.IO;

/// <summary>Equality of the dict keys a state dict uses (strings and integers), as Python compares them.</summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>
{
    public static readonly PickleKeyComparer Instance = new();

    /// <summary>Whether the key is of a kind compared by value (others are kept without de-duplication).</summary>
    public static bool IsHashable(object key) => key is string or long or bool or double;

    public new bool Equals(object? x, object? y) => (x, y) switch
    {
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (long a, long b) => a == b,
        (bool a, bool b) => a == b,
        (double a, double b) => a.Equals(b),
        _ => false,
    };

    public int GetHashCode(object obj) => obj switch
    {
        string s => StringComparer.Ordinal.GetHashCode(s),
        _ => obj.GetHashCode(),
    };
}
