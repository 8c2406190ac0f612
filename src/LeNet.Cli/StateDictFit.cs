using System.Globalization;
using System.Text;

namespace LeNet.Cli;

/// <summary>
/// How a file's state dict fits a model: the model's keys the file lacks, the file's keys the model lacks, and
/// the keys whose shapes differ; described briefly (counts, the first few of each kind, what the file holds)
/// rather than as a wall of every key.
/// </summary>
internal sealed class StateDictFit
{
    /// <summary>How many keys of each kind a message names before "and N more".</summary>
    public const int Shown = 5;

    private readonly IReadOnlyDictionary<string, Tensor> _model;
    private readonly IReadOnlyDictionary<string, Tensor> _file;

    private StateDictFit(IReadOnlyDictionary<string, Tensor> model, IReadOnlyDictionary<string, Tensor> file)
    {
        (_model, _file) = (model, file);
        Missing = [.. model.Where(e => !file.ContainsKey(e.Key)).Select(e => e.Key)];
        Unexpected = [.. file.Where(e => !model.ContainsKey(e.Key)).Select(e => e.Key)];
        Mismatched = [.. model.Where(e => file.TryGetValue(e.Key, out Tensor? t) && !t.Shape.SequenceEqual(e.Value.Shape)).Select(e => e.Key)];
    }

    /// <summary>The model's keys the file lacks, in the model's order.</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>The file's keys the model lacks, in the file's order.</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>The keys both have with different shapes, in the model's order.</summary>
    public IReadOnlyList<string> Mismatched { get; }

    /// <summary>Whether the file loads strictly: the same keys, each with the model's shape.</summary>
    public bool Fits => Missing.Count == 0 && Unexpected.Count == 0 && Mismatched.Count == 0;

    /// <summary>Compares a model's state dict with a file's.</summary>
    /// <param name="model">The model's <c>StateDict()</c>.</param>
    /// <param name="file">The state dict read from the file.</param>
    /// <returns>The comparison.</returns>
    public static StateDictFit Compare(IReadOnlyDictionary<string, Tensor> model, IReadOnlyDictionary<string, Tensor> file) => new(model, file);

    /// <summary>
    /// The file's class count when the only difference is the classifier's: every key is there, and each
    /// mismatched tensor has the model's shape but for its first dimension, which is <paramref name="numClasses"/>
    /// in the model and the same other number K in the file (<c>fc.weight</c> [K, 512], <c>fc.bias</c> [K]). Null otherwise.
    /// </summary>
    /// <param name="numClasses">The class count the model was built with.</param>
    /// <returns>K, or null.</returns>
    public int? FileClasses(int numClasses)
    {
        if (Missing.Count > 0 || Unexpected.Count > 0 || Mismatched.Count == 0)
        {
            return null;
        }

        int? classes = null;
        foreach (string key in Mismatched)
        {
            ReadOnlySpan<int> expected = _model[key].Shape, got = _file[key].Shape;
            if (expected.Length == 0 || got.Length != expected.Length || expected[0] != numClasses || !got[1..].SequenceEqual(expected[1..]) || (classes is not null && got[0] != classes))
            {
                return null;
            }

            classes = got[0];
        }

        return classes;
    }

    /// <summary>
    /// One line: each kind of problem counted with its first few keys and shapes, then what the file holds (its
    /// tensor and value counts, its first and last keys), and a hint when the file is a colour-image model.
    /// </summary>
    /// <returns>The description, e.g. <c>10 missing keys: '0.weight' [6, 1, 5, 5], … and 5 more; 122 unexpected keys: …</c>.</returns>
    public string Describe()
    {
        var parts = new List<string>();
        if (Missing.Count > 0)
        {
            parts.Add(Count(Missing.Count, "missing key") + ": " + List(Missing, key => $"'{key}' {Tensor.FormatShape(_model[key].Shape)}"));
        }

        if (Unexpected.Count > 0)
        {
            parts.Add(Count(Unexpected.Count, "unexpected key") + ": " + List(Unexpected, key => $"'{key}' {Tensor.FormatShape(_file[key].Shape)}"));
        }

        if (Mismatched.Count > 0)
        {
            parts.Add(Count(Mismatched.Count, "size mismatch", "size mismatches") + ": " + List(Mismatched, key => $"'{key}' is {Tensor.FormatShape(_file[key].Shape)} in the file, {Tensor.FormatShape(_model[key].Shape)} in the model"));
        }

        var text = new StringBuilder(string.Join("; ", parts)).Append(". ");
        text.Append(CultureInfo.InvariantCulture, $"The file holds {Count(_file.Count, "tensor")} ({_file.Values.Sum(t => (long)t.Length):N0} values)");
        if (_file.Count > 0)
        {
            text.Append(": ").Append(string.Join(", ", _file.Take(3).Select(e => $"'{e.Key}' {Tensor.FormatShape(e.Value.Shape)}")));
            if (_file.Count > 4)
            {
                text.Append(", …");
            }

            if (_file.Count > 3)
            {
                KeyValuePair<string, Tensor> last = _file.Last();
                text.Append(CultureInfo.InvariantCulture, $", '{last.Key}' {Tensor.FormatShape(last.Value.Shape)}");
            }
        }

        text.Append(CultureInfo.InvariantCulture, $"; the model has {_model.Count} ({_model.Values.Sum(t => (long)t.Length):N0} values).");
        if (InputChannels(_file) == 3 && InputChannels(_model) == 1)
        {
            text.Append(" The file's first convolution takes 3 channels: it looks like a colour-image classifier, which `lenet predict --model torchvision:NAME --weights FILE` runs.");
        }

        return text.ToString();
    }

    /// <summary>The input channels of the first 4-D tensor (a convolution's weight [out, in, kH, kW]), or null.</summary>
    private static int? InputChannels(IReadOnlyDictionary<string, Tensor> state) =>
        state.Values.FirstOrDefault(t => t.Rank == 4) is { } weight ? weight.Shape[1] : null;

    private static string Count(int count, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? singular : plural ?? singular + "s")}");

    private static string List(IReadOnlyList<string> keys, Func<string, string> describe) =>
        string.Join(", ", keys.Take(Shown).Select(describe)) + (keys.Count > Shown ? string.Create(CultureInfo.InvariantCulture, $" and {keys.Count - Shown:N0} more") : "");
}
