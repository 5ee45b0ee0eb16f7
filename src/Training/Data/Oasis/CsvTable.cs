using System.Text;
using ILGpuNet.Tensors;

namespace ILGpuNet.Training.Data;

/// <summary>
/// An input file that cannot be used as it is. The message is one line naming the file, the line
/// (1-based, 0 when the problem is the file as a whole) and the column, so a user can fix it in an editor.
/// </summary>
public sealed class DataFormatException(string file, int line, string? column, string problem)
    : UserErrorException(Describe(file, line, column, problem))
{
    public string FilePath { get; } = file;
    public int Line { get; } = line;
    public string? Column { get; } = column;
    public string Problem { get; } = problem;

    private static string Describe(string file, int line, string? column, string problem) =>
        file + (line > 0 ? $":{line}" : "") + (column is null ? "" : $", column '{column}'") + ": " + problem;
}

/// <summary>One data row of a CSV file: its fields and the line where it starts.</summary>
public sealed record CsvRow(int Line, string[] Fields);

/// <summary>
/// A CSV file read whole (RFC 4180 with the leniencies real exports need): quoted fields with doubled
/// quotes, commas and line breaks inside quotes; CRLF, LF or CR line ends; a UTF-8 byte-order mark;
/// blank lines skipped; spaces around unquoted fields trimmed; short rows padded with blank fields.
/// Header names are matched case-insensitively.
/// </summary>
public sealed class CsvTable
{
    public string FilePath { get; }
    public string[] Header { get; }
    public IReadOnlyList<CsvRow> Rows { get; }
    private readonly Dictionary<string, int> columns = new(StringComparer.OrdinalIgnoreCase);

    private CsvTable(string path, string[] header, List<CsvRow> rows, int headerLine)
    {
        FilePath = path;
        Header = header;
        Rows = rows;
        for (int i = 0; i < header.Length; i++)
        {
            if (header[i].Length == 0) continue;
            if (!columns.TryAdd(header[i], i))
                throw new DataFormatException(path, headerLine, header[i], "the column appears twice in the header");
        }
    }

    public static CsvTable Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        return Parse(path, File.ReadAllText(path));
    }

    /// <summary>Parses CSV text; <paramref name="path"/> only names the source in errors.</summary>
    public static CsvTable Parse(string path, string text)
    {
        var records = Split(path, text);
        if (records.Count == 0) throw new DataFormatException(path, 0, null, "the file is empty (no header line)");
        var (headerLine, header) = (records[0].Line, records[0].Fields);
        var rows = new List<CsvRow>(records.Count - 1);
        foreach (var r in records.Skip(1))
        {
            var fields = r.Fields;
            if (fields.Length > header.Length)
            {
                if (fields.Skip(header.Length).Any(f => f.Length > 0))
                    throw new DataFormatException(path, r.Line, null,
                        $"{fields.Length} fields but the header has {header.Length} columns");
                fields = fields[..header.Length];
            }
            else if (fields.Length < header.Length)
            {
                Array.Resize(ref fields, header.Length);
                for (int i = 0; i < fields.Length; i++) fields[i] ??= "";
            }
            rows.Add(new CsvRow(r.Line, fields));
        }
        return new CsvTable(path, header, rows, headerLine);
    }

    /// <summary>The index of a column; a missing one is an error that names the file and its header line.</summary>
    public int Column(string name) =>
        columns.TryGetValue(name, out int i) ? i
            : throw new DataFormatException(FilePath, 1, name,
                $"required column missing (header: {string.Join(",", Header)})");

    /// <summary>The index of a column, or -1.</summary>
    public int OptionalColumn(string name) => columns.TryGetValue(name, out int i) ? i : -1;

    private static List<CsvRow> Split(string path, string text)
    {
        var records = new List<CsvRow>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int pos = 0, line = 1;
        if (text.Length > 0 && text[0] == '\uFEFF') pos = 1;
        while (pos < text.Length)
        {
            int recordLine = line;
            fields.Clear();
            bool endOfRecord = false;
            while (!endOfRecord)
            {
                field.Clear();
                while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t')) pos++;
                if (pos < text.Length && text[pos] == '"')
                {
                    int quoteLine = line;
                    pos++;
                    while (true)
                    {
                        if (pos >= text.Length)
                            throw new DataFormatException(path, quoteLine, null, "a quoted field is never closed");
                        char c = text[pos++];
                        if (c == '"')
                        {
                            if (pos < text.Length && text[pos] == '"') { field.Append('"'); pos++; }
                            else break;
                        }
                        else
                        {
                            if (c == '\n' || (c == '\r' && (pos >= text.Length || text[pos] != '\n'))) line++;
                            field.Append(c);
                        }
                    }
                    while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t')) pos++;
                    if (pos < text.Length && text[pos] != ',' && text[pos] != '\r' && text[pos] != '\n')
                        throw new DataFormatException(path, line, null, $"unexpected '{text[pos]}' after a closing quote");
                    fields.Add(field.ToString());
                }
                else
                {
                    while (pos < text.Length && text[pos] != ',' && text[pos] != '\r' && text[pos] != '\n')
                        field.Append(text[pos++]);
                    fields.Add(field.ToString().TrimEnd(' ', '\t'));
                }
                if (pos >= text.Length) endOfRecord = true;
                else if (text[pos] == ',') pos++;
                else
                {
                    if (text[pos] == '\r' && pos + 1 < text.Length && text[pos + 1] == '\n') pos++;
                    pos++;
                    line++;
                    endOfRecord = true;
                }
            }
            if (fields.Count == 1 && fields[0].Length == 0) continue;
            records.Add(new CsvRow(recordLine, fields.ToArray()));
        }
        return records;
    }
}
