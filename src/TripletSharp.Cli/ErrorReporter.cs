using TripletSharp.Data;
using TripletSharp.Evaluation;
using TripletSharp.Search;
using TripletSharp.Models;
using TripletSharp.Training;

namespace TripletSharp.Cli;

/// <summary>Turns an exception into one clear line on stderr and a distinct exit code; never a stack trace (unless TRIPLET_DEBUG=1).</summary>
internal static class ErrorReporter
{
    /// <summary>Writes the one-line message of <paramref name="e"/>, naming options through the command's <paramref name="options"/>, and returns the exit code.</summary>
    public static int Report(Exception e, TextWriter err, string command, OptionTable? options = null)
    {
        var (code, message) = Classify(e, options);
        err.WriteLine($"{command}: {message}");
        if (Environment.GetEnvironmentVariable("TRIPLET_DEBUG") == "1") err.WriteLine(e.ToString());
        return code;
    }

    internal static (int Code, string Message) Classify(Exception e, OptionTable? options = null)
    {
        if (IsNativeLoadFailure(e))
            return (ExitCodes.NativeLibrary,
                "TorchSharp's native library (libtorch) could not be loaded; run 'dotnet build -c Release' in the repository so that the libtorch-cpu package is restored and patched, on Linux x64 with glibc 2.28 or newer" +
                $" (cause: {CliApp.OneLine(Innermost(e).Message)}).");
        return e switch
        {
            NativeLibraryException n => (ExitCodes.NativeLibrary, CliApp.OneLine(n.Message)),
            NonFiniteLossException n => (ExitCodes.NonFiniteLoss, n.Message),
            // Memory is short: the options ask for more than the machine has (a usage error); disk is short: an I/O one.
            InsufficientResourcesException r => (r.Disk ? ExitCodes.Io : ExitCodes.Usage, CliApp.OneLine(r.Message) + "."),
            DataFormatException d => (ExitCodes.Data, CliApp.OneLine(d.Message) + "."),
            ModelFormatException m => (ExitCodes.Model, CliApp.OneLine(m.Message) + "."),
            ModelInputMismatchException m => (ExitCodes.Model, CliApp.OneLine(m.Message) + "."),
            // An index from another model, dimension or measure is mismatched input, as data of another shape for a model is.
            IndexMismatchException m => (ExitCodes.Model, CliApp.OneLine(m.Message) + "."),
            // A truncated or corrupted index file is damaged input data, like a damaged dataset file.
            IndexFormatException f => (ExitCodes.Data, CliApp.OneLine(f.Message) + "."),
            CalibrationException c => (ExitCodes.Data, CliApp.OneLine(c.Message) + "."),
            ArgumentException a => (ExitCodes.Usage, ArgumentMessage(a, options)),
            FileNotFoundException f => (ExitCodes.Io, $"{f.FileName ?? "file"}: not found."),
            DirectoryNotFoundException d => (ExitCodes.Io, CliApp.OneLine(d.Message) + "."),
            UnauthorizedAccessException u => (ExitCodes.Io, $"{CliApp.OneLine(u.Message)} (check the folder's permissions)."),
            IOException io => (ExitCodes.Io, $"{CliApp.OneLine(io.Message)}{(IsDiskFull(io) ? DiskFullNote(io) : "")}."),
            NotImplementedException => (ExitCodes.Failure, "this part of TripletSharp is not implemented yet."),
            OutOfMemoryException => (ExitCodes.Failure, "out of memory; try a smaller batch (--classes-per-batch, --samples-per-class) or fewer items."),
            _ => (ExitCodes.Failure, $"unexpected error ({e.GetType().Name}): {CliApp.OneLine(FirstLine(e.Message))}. Set TRIPLET_DEBUG=1 for details."),
        };
    }

    /// <summary>
    /// "'ClassesPerBatch' must be > 0, got 0." → "--classes-per-batch must be > 0, got 0.": every property of the command's
    /// table quoted in the message becomes its option, and a message that still does not name the option of the exception's
    /// parameter gets it in front.
    /// </summary>
    internal static string ArgumentMessage(ArgumentException a, OptionTable? options)
    {
        var message = a.Message;
        if (a.ParamName is { } p) message = message.Replace($" (Parameter '{p}')", "");
        message = message.Split('\n')[0].Trim();
        foreach (var row in options ?? [])
            message = message.Replace($"'{row.Property}'", row.Option.Name);
        if (a.ParamName is { } param && options?.OptionFor(param) is { } named && !message.Contains(named.Name, StringComparison.Ordinal))
            message = $"{named.Name}: {message}";
        return CliApp.OneLine(message) + ".";
    }

    /// <summary>libtorch errors carry the whole C++ stack after the first line; keep the sentence.</summary>
    private static string FirstLine(string message)
    {
        var line = message.Split('\n')[0];
        int at = line.IndexOf("Exception raised from", StringComparison.Ordinal);
        return at > 0 ? line[..at] : line;
    }

    private static bool IsNativeLoadFailure(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is DllNotFoundException or BadImageFormatException or EntryPointNotFoundException) return true;
            if (x is TypeInitializationException t && (t.TypeName ?? "").StartsWith("TorchSharp", StringComparison.Ordinal)) return true;
        }
        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>A failed file write (AtomicFile) leaves the previous version, the checkpoint's included; any other write (such as standard output to a full device) has no checkpoint to speak of.</summary>
    private static string DiskFullNote(IOException e) =>
        e.Data.Contains(AtomicFile.FailedWriteKey) || e.Message.Contains("checkpoint", StringComparison.Ordinal)
            ? " (the disk is full; the previous checkpoint is intact)"
            : " (the disk is full)";

    private static bool IsDiskFull(IOException e) =>
        (e.HResult & 0xFFFF) == 28 || (e.HResult & 0xFFFF) == 0x70 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);
}
