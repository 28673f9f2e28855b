namespace TripletSharp.Tests.Models;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TestFolder : IDisposable
{
    public TestFolder(string prefix = "ts")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
