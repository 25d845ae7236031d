namespace HyperBench.Cli.Plans;

/// <summary>
/// Checks an output path before anything is measured or opened, so that a typo fails in a second with exit code 2 instead of after
/// the work (or with a stack trace): the parent must be an existing directory, and the path itself must not be the wrong kind.
/// </summary>
public static class OutputPath
{
    /// <summary>A file to write (a report, a plot).</summary>
    public static void CheckFile(string option, string? path)
    {
        if (path is null) return;
        string full = Full(option, path);
        if (Directory.Exists(full)) throw new PlanException($"{option}: '{path}' is a directory; name a file.");
        CheckParent(option, path, full);
        if (File.Exists(full))
        {
            try
            {
                // Opened for writing without truncating: proves it is writable and changes no byte.
                using var _ = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new PlanException($"{option}: '{path}' cannot be written ({e.Message}).");
            }
        }
    }

    /// <summary>A directory to create or fill (tensor dumps, kept PTX).</summary>
    public static void CheckDirectory(string option, string? path)
    {
        if (path is null) return;
        string full = Full(option, path);
        if (File.Exists(full)) throw new PlanException($"{option}: '{path}' is a file, not a directory.");
        if (!Directory.Exists(full)) CheckParent(option, path, full);
    }

    /// <summary>
    /// Writes through a temporary file in the same directory and renames it: a failed write leaves no partial file. A link or a
    /// device (`/dev/null`, `/dev/stdout`) is written in place: renaming over it would replace the link or the device node itself,
    /// which as root removes /dev/null for every process on the machine.
    /// </summary>
    public static void WriteAllText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        if (WritesInPlace(full))
        {
            File.WriteAllText(full, text);
            return;
        }
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static bool WritesInPlace(string full) =>
        full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal) ||
        (File.Exists(full) && new FileInfo(full).LinkTarget is not null);

    private static string Full(string option, string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new PlanException($"{option}: no path given.");
        try
        {
            return Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new PlanException($"{option}: '{path}' is not a valid path ({e.Message}).");
        }
    }

    private static void CheckParent(string option, string path, string full)
    {
        string? parent = Path.GetDirectoryName(full);
        if (string.IsNullOrEmpty(parent) || Directory.Exists(parent)) return;
        if (File.Exists(parent)) throw new PlanException($"{option}: '{path}' cannot be written: '{parent}' is a file, not a directory.");
        throw new PlanException($"{option}: '{path}' cannot be written: the directory '{parent}' does not exist.");
    }
}
