namespace ILGpuNet.Cli;

/// <summary>Writes through a temporary file and a rename, so a crash never leaves a half-written result.</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }
}
