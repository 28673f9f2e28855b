using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TripletSharp.Tests.Reporting;

/// <summary>
/// Headless Chromium driven over the Chrome DevTools Protocol (a WebSocket, flat sessions), with no extra package:
/// enough to load a page, evaluate scripts, collect console errors and exceptions, and take screenshots.
/// </summary>
internal sealed class CdpBrowser : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task _receiveLoop = Task.CompletedTask;
    private int _nextId;

    private CdpBrowser(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Raised for every protocol event: method, params, session id.</summary>
    public event Action<string, JsonElement, string?>? EventReceived;

    /// <summary>Where a usable Chromium is, or null: CHROMIUM_PATH, then the Debian package's binary.</summary>
    public static string? FindChromium()
    {
        var env = Environment.GetEnvironmentVariable("CHROMIUM_PATH");
        if (!string.IsNullOrEmpty(env) && File.Exists(env)) return env;
        foreach (var p in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" })
            if (File.Exists(p)) return p;
        return null;
    }

    public static async Task<CdpBrowser> LaunchAsync(string chromium, TimeSpan timeout)
    {
        var profile = Path.Combine(Path.GetTempPath(), "tripletsharp-cdp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var psi = new ProcessStartInfo(chromium)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio",
            "--hide-scrollbars", "--allow-file-access-from-files", $"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
        }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {chromium}.");
        // Drain the pipes so Chromium never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new CdpBrowser(process, profile);
        try
        {
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            var sw = Stopwatch.StartNew();
            string[]? lines = null;
            while (sw.Elapsed < timeout)
            {
                if (process.HasExited) throw new InvalidOperationException($"Chromium exited early with code {process.ExitCode}.");
                if (File.Exists(portFile))
                {
                    lines = (await File.ReadAllLinesAsync(portFile)).Where(l => l.Length > 0).ToArray();
                    if (lines.Length >= 2) break;
                }
                await Task.Delay(50);
            }
            if (lines is null || lines.Length < 2) throw new TimeoutException($"Chromium wrote no DevToolsActivePort within {timeout.TotalSeconds:0} s.");
            using var cts = new CancellationTokenSource(timeout);
            await browser._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0].Trim()}{lines[1].Trim()}"), cts.Token);
            browser._receiveLoop = Task.Run(browser.ReceiveLoop);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends a command and returns its result; a protocol error throws.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, string? sessionId = null, TimeSpan? timeout = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters ?? new { }) };
        if (sessionId is not null) message["sessionId"] = sessionId;
        var tcs = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = tcs;
        var bytes = Encoding.UTF8.GetBytes(message.ToJsonString());
        await _sendLock.WaitAsync();
        try { await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, _stop.Token); }
        finally { _sendLock.Release(); }
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var done = await Task.WhenAny(tcs.Task, Task.Delay(limit));
        if (done != tcs.Task)
        {
            _pending.TryRemove(id, out _);
            throw new TimeoutException($"CDP {method} got no answer within {limit.TotalSeconds:0} s.");
        }
        return await tcs.Task;
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[1 << 16];
        var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                using var doc = JsonDocument.Parse(message.ToArray());
                message.SetLength(0);
                var root = doc.RootElement;
                if (root.TryGetProperty("id", out var idEl) && _pending.TryRemove(idEl.GetInt32(), out var tcs))
                {
                    if (root.TryGetProperty("error", out var err)) tcs.TrySetException(new InvalidOperationException("CDP error: " + err.GetRawText()));
                    else tcs.TrySetResult(root.TryGetProperty("result", out var res) ? res.Clone() : default);
                }
                else if (root.TryGetProperty("method", out var method))
                {
                    var p = root.TryGetProperty("params", out var pe) ? pe.Clone() : default;
                    string? session = root.TryGetProperty("sessionId", out var s) ? s.GetString() : null;
                    EventReceived?.Invoke(method.GetString()!, p, session);
                }
            }
        }
        catch (OperationCanceledException) { }
        catch (WebSocketException) { }
        foreach (var kv in _pending) kv.Value.TrySetException(new InvalidOperationException("The DevTools connection closed."));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        try { if (_socket.State == WebSocketState.Open) await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (Exception) { }
        try { await _receiveLoop.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        _socket.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception) { }
        _process.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
