using System.Globalization;

namespace LeNet.Layers;

/// <summary>Python's <c>repr</c> of the values that appear in PyTorch's module reprs, for the layers' <c>ToString</c>.</summary>
internal static class PythonRepr
{
    /// <summary>
    /// A float as Python prints it: the shortest digits that round-trip, positional between 1e-4 and 1e16
    /// (<c>0.2</c>, <c>0.001</c>, <c>1.0</c>) and scientific outside (<c>1e-05</c>, <c>1.5e+16</c>).
    /// </summary>
    public static string Float(float value)
    {
        if (float.IsNaN(value))
        {
            return "nan";
        }

        if (float.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        // The shortest round-trip digits, e.g. "-1.5E-05", "0.001", "1E+15", split into digits and a decimal point position.
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        string sign = text.StartsWith('-') ? "-" : "";
        text = text.TrimStart('-');
        int exponent = 0;
        int e = text.IndexOf('E');
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        int dot = text.IndexOf('.');
        string digits = text.Replace(".", "", StringComparison.Ordinal);
        int point = (dot < 0 ? text.Length : dot) + exponent;
        int leading = digits.Length - digits.TrimStart('0').Length;
        (digits, point) = (digits[leading..].TrimEnd('0'), point - leading);
        if (digits.Length == 0)
        {
            return sign + "0.0";
        }

        int scientific = point - 1;
        string body = scientific < -4 || scientific >= 16
            ? $"{digits[0]}{(digits.Length > 1 ? "." + digits[1..] : "")}e{(scientific < 0 ? '-' : '+')}{Math.Abs(scientific):00}"
            : point <= 0 ? "0." + new string('0', -point) + digits
            : point >= digits.Length ? digits + new string('0', point - digits.Length) + ".0"
            : digits[..point] + "." + digits[point..];
        return sign + body;
    }

    /// <summary>A tuple of ints as Python prints it: <c>(4,)</c>, <c>(3, 4)</c>.</summary>
    public static string Tuple(IReadOnlyList<int> values) =>
        values.Count == 1 ? $"({values[0].ToString(CultureInfo.InvariantCulture)},)" : $"({string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))})";

    /// <summary>Python's <c>True</c> / <c>False</c>.</summary>
    public static string Bool(bool value) => value ? "True" : "False";
}
