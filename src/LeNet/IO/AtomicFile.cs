namespace LeNet.IO;

/// <summary>
/// Replaces a file all at once: the content goes to a temporary file beside the target, is flushed to
/// disk, and only then renamed over the target. A crash or an exception part-way leaves the old file as
/// it was (and no temporary file behind, unless the process itself dies).
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <param name="path">The file to create or replace; its folder must exist.</param>
    /// <param name="write">Writes the whole content to the stream it is given.</param>
    /// <param name="wrap">
    /// Test seam: wraps the temporary file's stream before <paramref name="write"/> sees it (a stream
    /// that fails mid-write proves the old file survives). Null in production.
    /// </param>
    public static void Write(string path, Action<Stream> write, Func<Stream, Stream>? wrap = null)
    {
        string target = Path.GetFullPath(path);
        // Same folder as the target, so the final rename never crosses a file system (rename(2) is atomic
        // only within one); a dot and a random part keep it hidden and unique.
        string temporary = Path.Combine(
            Path.GetDirectoryName(target) ?? ".",
            $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                Stream stream = wrap is null ? file : wrap(file);
                write(stream);
                stream.Flush();
                // Flush(true) asks the OS to put the bytes on disk (fsync) before the rename makes them
                // the target: otherwise a power cut could leave a renamed but empty file.
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original exception matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
