using System.Diagnostics;
using System.Text.RegularExpressions;

namespace TripletSharp.Tests.Serving;

/// <summary>
/// The built <c>triplet</c> tool (triplet.dll next to the tests) as a real child process, made so that a test can never
/// hang on it: stdin is redirected and closed at once (nothing waits on console input), stdout and stderr are drained
/// continuously by the process's own readers into line lists (a child that logs a line per request never blocks on a
/// full pipe, and no test reads a stream to its end while the child lives), every wait has a deadline, and
/// <see cref="Dispose"/> kills the child (SIGKILL, whole tree) when it is still running.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _p;
    private readonly List<string> _out = [];
    private readonly List<string> _err = [];
    private readonly SemaphoreSlim _newLine = new(0);
    private readonly TaskCompletionSource _outClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CliProcess(Process p) => _p = p;

    public int Id => _p.Id;

    /// <summary>Starts <c>dotnet triplet.dll</c> with <paramref name="args"/>.</summary>
    public static CliProcess Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "triplet.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var c = new CliProcess(p);
        p.OutputDataReceived += (_, e) => c.Received(e.Data, c._out, c._outClosed);
        p.ErrorDataReceived += (_, e) => c.Received(e.Data, c._err, c._errClosed);
        if (!p.Start()) throw new InvalidOperationException("dotnet did not start");
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return c;
    }

    private void Received(string? line, List<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }
        else
        {
            lock (lines) lines.Add(line);
        }
        _newLine.Release();
    }

    public string Out
    {
        get { lock (_out) return string.Join('\n', _out); }
    }

    public string Err
    {
        get { lock (_err) return string.Join('\n', _err); }
    }

    public string[] ErrLines
    {
        get { lock (_err) return _err.ToArray(); }
    }

    /// <summary>The first stdout line matching <paramref name="pattern"/>; fails the test when the process ends first or the time runs out.</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var re = new Regex(pattern, RegexOptions.CultureInvariant);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            lock (_out)
            {
                foreach (var line in _out)
                {
                    var m = re.Match(line);
                    if (m.Success) return m;
                }
            }
            if (_p.HasExited && _outClosed.Task.IsCompleted)
                Assert.Fail($"triplet ended with {_p.ExitCode} before printing /{pattern}/; stdout: {Out}; stderr: {Err}");
            var left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero) Assert.Fail($"no stdout line /{pattern}/ within {timeout.TotalSeconds:0} s; stdout: {Out}; stderr: {Err}");
            await _newLine.WaitAsync(left < TimeSpan.FromMilliseconds(500) ? left : TimeSpan.FromMilliseconds(500));
        }
    }

    /// <summary>Sends a signal (TERM, INT, KILL) with /bin/kill.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{name}", _p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        Assert.True(kill.WaitForExit(10_000), "kill did not return");
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The exit code, once the process and both of its streams have ended; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _p.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_outClosed.Task, _errClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"triplet did not exit within {timeout.TotalSeconds:0} s; stdout: {Out}; stderr: {Err}");
        }
        return _p.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_p.HasExited)
            {
                _p.Kill(entireProcessTree: true);
                _p.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _p.Dispose();
        _newLine.Dispose();
    }
}
