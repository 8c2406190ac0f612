using System.Globalization;
using System.Text;
using LeNet.Training;

namespace LeNet.Cli.Output;

/// <summary>
/// Writes <c>training.svg</c>: loss (left axis) and accuracy (right axis) per epoch, train and test, as
/// a self-contained SVG a browser opens.
/// </summary>
internal static class TrainingPlot
{
    private const int Width = 760, Height = 420;
    private const int Left = 70, Right = 690, Top = 60, Bottom = 360;

    public static void Write(string path, string title, IReadOnlyList<EpochMetrics> epochs) =>
        LeNet.IO.AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(Render(title, epochs))));

    public static string Render(string title, IReadOnlyList<EpochMetrics> epochs)
    {
        var svg = new StringBuilder();
        Append(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"13\">");
        Append(svg, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        Append(svg, $"<text x=\"{Width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>");

        double maxLoss = Math.Max(1e-6, epochs.SelectMany(e => new[] { e.TrainLoss, e.TestLoss ?? 0 }).DefaultIfEmpty(1).Max());
        maxLoss = NiceCeiling(maxLoss);
        double minAccuracy = Math.Floor(epochs.SelectMany(e => new[] { e.TrainAccuracy, e.TestAccuracy ?? 1 }).DefaultIfEmpty(0).Min() * 10) / 10;
        int count = Math.Max(epochs.Count, 1);
        double X(int epoch) => count == 1 ? (Left + Right) / 2.0 : Left + ((Right - Left) * (epoch - 1.0) / (count - 1));
        double LossY(double loss) => Bottom - ((Bottom - Top) * loss / maxLoss);
        double AccuracyY(double accuracy) => Bottom - ((Bottom - Top) * (accuracy - minAccuracy) / (1 - minAccuracy));

        // Grid and axes: five horizontal divisions, loss on the left, accuracy on the right.
        for (int i = 0; i <= 5; i++)
        {
            double y = Bottom - ((Bottom - Top) * i / 5.0);
            Append(svg, $"<line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Right}\" y2=\"{F(y)}\" stroke=\"#e5e5e5\"/>");
            Append(svg, $"<text x=\"{Left - 8}\" y=\"{F(y + 4)}\" text-anchor=\"end\" fill=\"#1f5fbf\">{F(maxLoss * i / 5, "0.###")}</text>");
            Append(svg, $"<text x=\"{Right + 8}\" y=\"{F(y + 4)}\" fill=\"#2a8a3e\">{F((minAccuracy + ((1 - minAccuracy) * i / 5)) * 100, "0.#")}%</text>");
        }

        Append(svg, $"<line x1=\"{Left}\" y1=\"{Bottom}\" x2=\"{Right}\" y2=\"{Bottom}\" stroke=\"#333\"/>");
        Append(svg, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Bottom}\" stroke=\"#333\"/>");
        Append(svg, $"<line x1=\"{Right}\" y1=\"{Top}\" x2=\"{Right}\" y2=\"{Bottom}\" stroke=\"#333\"/>");
        int step = Math.Max(1, (int)Math.Ceiling(count / 10.0));
        for (int epoch = 1; epoch <= count; epoch += step)
        {
            Append(svg, $"<text x=\"{F(X(epoch))}\" y=\"{Bottom + 20}\" text-anchor=\"middle\">{epoch}</text>");
        }

        Append(svg, $"<text x=\"{(Left + Right) / 2}\" y=\"{Bottom + 44}\" text-anchor=\"middle\">epoch</text>");
        Append(svg, $"<text transform=\"translate(18 {(Top + Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\" fill=\"#1f5fbf\">loss</text>");
        Append(svg, $"<text transform=\"translate({Width - 12} {(Top + Bottom) / 2}) rotate(90)\" text-anchor=\"middle\" fill=\"#2a8a3e\">accuracy</text>");

        Series(svg, epochs.Select(e => (e.Epoch, (double?)e.TrainLoss)), X, LossY, "#1f5fbf", dashed: false);
        Series(svg, epochs.Select(e => (e.Epoch, e.TestLoss)), X, LossY, "#1f5fbf", dashed: true);
        Series(svg, epochs.Select(e => (e.Epoch, (double?)e.TrainAccuracy)), X, AccuracyY, "#e07b00", dashed: false);
        Series(svg, epochs.Select(e => (e.Epoch, e.TestAccuracy)), X, AccuracyY, "#2a8a3e", dashed: false);

        (string Label, string Colour, bool Dashed)[] legend =
            [("train loss", "#1f5fbf", false), ("test loss", "#1f5fbf", true), ("train accuracy", "#e07b00", false), ("test accuracy", "#2a8a3e", false)];
        for (int i = 0; i < legend.Length; i++)
        {
            int x = Left + 10 + (i * 150);
            Append(svg, $"<line x1=\"{x}\" y1=\"44\" x2=\"{x + 24}\" y2=\"44\" stroke=\"{legend[i].Colour}\" stroke-width=\"2.5\"{(legend[i].Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>");
            Append(svg, $"<text x=\"{x + 30}\" y=\"48\">{legend[i].Label}</text>");
        }

        Append(svg, "</svg>");
        return svg.ToString();
    }

    private static void Series(StringBuilder svg, IEnumerable<(int Epoch, double? Value)> points, Func<int, double> x, Func<double, double> y, string colour, bool dashed)
    {
        var present = points.Where(p => p.Value.HasValue).Select(p => (X: x(p.Epoch), Y: y(p.Value!.Value))).ToList();
        if (present.Count == 0)
        {
            return;
        }

        string path = string.Join(" ", present.Select(p => $"{F(p.X)},{F(p.Y)}"));
        Append(svg, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\"{(dashed ? " stroke-dasharray=\"6 4\"" : "")}/>");
        foreach ((double px, double py) in present)
        {
            Append(svg, $"<circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"3.5\" fill=\"{colour}\"/>");
        }
    }

    /// <summary>1, 2 or 5 times a power of ten, at or above <paramref name="value"/>.</summary>
    private static double NiceCeiling(double value)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double m in new[] { 1.0, 2.0, 2.5, 5.0, 10.0 })
        {
            if (m * power >= value)
            {
                return m * power;
            }
        }

        return 10 * power;
    }

    private static void Append(StringBuilder svg, string line) => svg.Append(line).Append('\n');

    private static string F(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Escape(string text) => System.Security.SecurityElement.Escape(text) ?? "";
}
