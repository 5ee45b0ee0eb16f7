using System.Globalization;
using System.Text.RegularExpressions;

namespace ILGpuNet.Training.Data;

/// <summary>
/// One row of the OASIS-1 cross-sectional CSV (<c>ID,M/F,Hand,Age,Educ,SES,MMSE,CDR,eTIV,nWBV,ASF,Delay</c>,
/// the Kaggle copy adds <c>Group</c>). Blank numeric fields are null; a blank CDR means "not assessed"
/// (181 young OASIS subjects), which the labels read as healthy. <see cref="Line"/> is the row's line in
/// <see cref="File"/>, for errors found later.
/// </summary>
public sealed record OasisRecord(
    string Id, char? Sex, string? Hand, float? Age, float? Educ, float? Ses, float? Mmse, float? Cdr,
    float? Etiv, float? Nwbv, float? Asf, float? Delay, string? Group, string File, int Line)
{
    /// <summary>OAS1_xxxx: the first 9 characters of the ID.</summary>
    public string SubjectId => Id[..9];

    /// <summary>OAS1_xxxx_MRy (the first 13 characters), or null for a row that names only a subject.</summary>
    public string? SessionId => Id.Length >= 13 ? Id[..13] : null;
}

/// <summary>Reads the OASIS CSV into records, rejecting what no task could use.</summary>
public static class OasisCsv
{
    private static readonly Regex IdPattern = new(@"^OAS\d_\d{4}(_MR\d+)?$", RegexOptions.CultureInvariant);

    /// <summary>
    /// Reads every row. Errors (one line, naming file, line and column): a missing required column, an ID
    /// that is not OAS1_xxxx or OAS1_xxxx_MRy, the same ID twice, a non-numeric value in a numeric column,
    /// M/F other than M or F, a negative CDR or age.
    /// </summary>
    public static IReadOnlyList<OasisRecord> Read(string path) => Parse(CsvTable.Read(path));

    public static IReadOnlyList<OasisRecord> Parse(CsvTable table)
    {
        int id = table.Column("ID"), sex = table.Column("M/F"), age = table.Column("Age"), cdr = table.Column("CDR");
        int hand = table.OptionalColumn("Hand"), educ = table.OptionalColumn("Educ"), ses = table.OptionalColumn("SES");
        int mmse = table.OptionalColumn("MMSE"), etiv = table.OptionalColumn("eTIV"), nwbv = table.OptionalColumn("nWBV");
        int asf = table.OptionalColumn("ASF"), delay = table.OptionalColumn("Delay"), group = table.OptionalColumn("Group");

        var records = new List<OasisRecord>(table.Rows.Count);
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in table.Rows)
        {
            string rowId = row.Fields[id].Trim();
            if (!IdPattern.IsMatch(rowId))
                throw new DataFormatException(table.FilePath, row.Line, table.Header[id],
                    $"'{rowId}' is not an OASIS ID (OAS1_xxxx_MRy or OAS1_xxxx)");
            if (!firstLine.TryAdd(rowId, row.Line))
                throw new DataFormatException(table.FilePath, row.Line, table.Header[id],
                    $"duplicate ID {rowId} (first on line {firstLine[rowId]})");

            float? Number(int column, bool nonNegative = false)
            {
                if (column < 0) return null;
                string text = row.Fields[column].Trim();
                if (IsBlank(text)) return null;
                if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                    throw new DataFormatException(table.FilePath, row.Line, table.Header[column], $"'{text}' is not a number");
                if (nonNegative && v < 0)
                    throw new DataFormatException(table.FilePath, row.Line, table.Header[column], $"{text} is negative");
                return v;
            }
            string? Text(int column) => column < 0 || IsBlank(row.Fields[column].Trim()) ? null : row.Fields[column].Trim();

            records.Add(new OasisRecord(rowId, ParseSex(table, row, sex), Text(hand), Number(age, true), Number(educ),
                Number(ses), Number(mmse), Number(cdr, true), Number(etiv), Number(nwbv), Number(asf), Number(delay),
                Text(group), table.FilePath, row.Line));
        }
        return records;
    }

    private static char? ParseSex(CsvTable table, CsvRow row, int column)
    {
        string text = row.Fields[column].Trim();
        if (IsBlank(text)) return null;
        return text.ToUpperInvariant() switch
        {
            "M" or "MALE" => 'M',
            "F" or "FEMALE" => 'F',
            _ => throw new DataFormatException(table.FilePath, row.Line, table.Header[column], $"'{text}' is neither M nor F"),
        };
    }

    /// <summary>Blank, or one of the usual spellings of "not available".</summary>
    private static bool IsBlank(string text) =>
        text.Length == 0 || text.Equals("NA", StringComparison.OrdinalIgnoreCase)
        || text.Equals("N/A", StringComparison.OrdinalIgnoreCase) || text.Equals("NaN", StringComparison.OrdinalIgnoreCase);
}
