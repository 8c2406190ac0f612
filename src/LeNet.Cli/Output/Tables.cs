using Spectre.Console;

namespace LeNet.Cli.Output;

/// <summary>Tables of plain text (no Spectre markup parsing: shapes like [1, 6, 28, 28] are data, not tags).</summary>
internal static class Tables
{
    public static Table Create(CliContext context, params string[] columns)
    {
        // Rounded boxes for a person; Markdown, which scripts and READMEs read, otherwise.
        var table = new Table().Border(context.IsTerminal ? TableBorder.Rounded : TableBorder.Markdown);
        foreach (string column in columns)
        {
            table.AddColumn(new TableColumn(new Text(column)));
        }

        return table;
    }

    public static Table AddText(this Table table, params string[] cells) => table.AddRow(cells.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(c)));

    public static Table RightAlign(this Table table, int from)
    {
        for (int i = from; i < table.Columns.Count; i++)
        {
            table.Columns[i].RightAligned();
        }

        return table;
    }
}
