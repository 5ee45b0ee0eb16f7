namespace ILGpuNet.Training.IO;

/// <summary>
/// Writes through a temporary file in the target's folder and a rename, so a reader never sees a
/// half-written file and a crash or an exception midway leaves the previous file (if any) intact.
/// The temporary name is unique per call, so concurrent writers never share one.
/// </summary>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a fresh temporary file, flushes it and renames it over
    /// <paramref name="path"/>; on any exception the temporary file is deleted and the exception propagates.
    /// <paramref name="durable"/> flushes through the OS cache before the rename (a power cut then leaves
    /// either file whole); data that can be regenerated may skip that cost.</summary>
    public static void Write(string path, Action<Stream> write, bool durable = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: durable);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s =>
        {
            using var writer = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(text);
        });
}
