using System.Collections.Concurrent;
using System.Text.Json;
using TripletSharp.Reporting;
using Xunit.Abstractions;

namespace TripletSharp.Tests.Reporting;

/// <summary>
/// End to end: writes a report, opens it in headless Chromium at a laptop and a phone viewport, and checks what a
/// person would see: no console errors or exceptions, no network requests, every section drawn with the expected
/// number of marks, thumbnails decoded, no overlapping chart labels, no horizontal overflow, and a working hover.
/// Screenshots go to the test output folder (bin/.../report-screenshots).
/// </summary>
[Collection(TripletSharp.Tests.Cli.InProcessTrainingCollection.Name)]
public class BrowserReportTests(ITestOutputHelper output)
{
    internal const string CheckScript = """
        (() => {
          const count = s => document.querySelectorAll(s).length;
          const overlaps = [];
          document.querySelectorAll('svg').forEach(svg => {
            const boxes = [...svg.querySelectorAll('text')].map(t => ({ t: t.textContent, r: t.getBoundingClientRect() })).filter(b => b.r.width > 0);
            for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
              const a = boxes[i].r, b = boxes[j].r;
              const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
              if (w > 1 && h > 1) overlaps.push(svg.id + ': "' + boxes[i].t + '" overlaps "' + boxes[j].t + '"');
            }
          });
          const imgs = [...document.querySelectorAll('img')];
          const sections = ['summary', 'curves', 'distances', 'map', 'gallery', 'confusion', 'roc'].filter(id => {
            const s = document.getElementById(id); return s && s.getBoundingClientRect().height > 40;
          });
          const curvePoints = {};
          document.querySelectorAll('svg[id^="curve-"]').forEach(s => curvePoints[s.id.slice(6)] = s.querySelectorAll('circle.pt').length);
          const hist = {};
          document.querySelectorAll('svg[id^="hist-epoch-"]').forEach(s => hist[s.id.slice(11)] = {
            ap: s.querySelectorAll('rect.bar.ap').length, an: s.querySelectorAll('rect.bar.an').length, margin: s.querySelectorAll('.margin-line').length });
          return JSON.stringify({
            rendered: document.body.getAttribute('data-rendered'),
            sections,
            undrawn: [...document.querySelectorAll('svg.plot')].filter(s => s.getAttribute('data-drawn') !== 'true').map(s => s.id),
            curvePoints, hist,
            pca: count('#map-pca circle.pt'), tsne: count('#map-tsne circle.pt'), legend: count('#legend li'),
            galleryRows: count('.gallery-row'), galleryThumbs: count('.gallery-thumb'), galleryImgs: count('.gallery-thumb img'),
            labelCards: count('.gallery-thumb .label-card'), matches: count('.gallery-thumb.match'), misses: count('.gallery-thumb.miss'),
            brokenImages: imgs.filter(i => !i.complete || i.naturalWidth === 0).length,
            cells: count('#confusion-matrix rect.cell'), rocCurve: count('#roc-curve path.roc-curve'), rocPoint: count('#roc-curve circle.roc-point'),
            overlaps,
            scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
            metricText: [...document.querySelectorAll('.metric')].map(m => [m.dataset.metric, m.querySelector('.metric-value').textContent])
          });
        })()
        """;

    internal sealed record PageResult(JsonElement Checks, List<string> Errors, List<string> Requests);

    [ChromiumFact]
    public async Task ReportRendersInChromiumOnLaptopAndPhone()
    {
        var chromium = CdpBrowser.FindChromium()
            ?? throw new InvalidOperationException("CI=true but Chromium is missing: .ci/run must install the Debian package 'chromium'.");
        var dir = Path.Combine(AppContext.BaseDirectory, "report-screenshots");
        Directory.CreateDirectory(dir);

        var sw = System.Diagnostics.Stopwatch.StartNew();
        // Overlapping blobs, so the gallery shows misses (red) as well as matches (green).
        var (x, labels) = ReportTestData.Blobs(50, 6, 3, spread: 1.1);
        using var images = ReportTestData.Images(labels, 3, 16, 4);
        var data = ReportTestData.Build(x, labels, 6, images);
        var options = new ReportOptions { Seed = 1, Tsne = new TsneOptions { Iterations = 250, ExaggerationIterations = 100 } };
        var imagePage = Path.Combine(dir, "report-images.html");
        HtmlReportWriter.Write(imagePage, data, options);

        // Vector data with 30 classes: label cards instead of images, the many-class palette, thinned matrix labels.
        var (xv, labelsV) = ReportTestData.Blobs(8, 30, 5, spread: 1.1);
        var vectorData = ReportTestData.Build(xv, labelsV, 30, images: null, distance: "cosine");
        var vectorPage = Path.Combine(dir, "report-vectors.html");
        HtmlReportWriter.Write(vectorPage, vectorData, new ReportOptions { ComputeTsne = false });

        output.WriteLine($"reports written in {sw.Elapsed.TotalSeconds:0.0} s");
        await using var browser = await CdpBrowser.LaunchAsync(chromium, TimeSpan.FromSeconds(30));
        var laptop = await LoadAsync(browser, imagePage, 1280, 800, mobile: false, Path.Combine(dir, "report-laptop.png"), hover: true);
        var phone = await LoadAsync(browser, imagePage, 390, 844, mobile: true, Path.Combine(dir, "report-phone.png"), hover: false);
        var vectors = await LoadAsync(browser, vectorPage, 1280, 800, mobile: false, Path.Combine(dir, "report-vectors.png"), hover: false);

        output.WriteLine($"browser checks done at {sw.Elapsed.TotalSeconds:0.0} s");
        foreach (var (name, page, shown) in new[] { ("laptop", laptop, data), ("phone", phone, data), ("vectors", vectors, vectorData) })
        {
            int n = shown.Labels.Length, classes = shown.ClassNames.Count;
            output.WriteLine($"{name}: {page.Checks}");
            Assert.True(page.Errors.Count == 0, $"{name}: console errors or exceptions:\n" + string.Join("\n", page.Errors));
            Assert.True(page.Requests.Count == 0, $"{name}: the page made network requests:\n" + string.Join("\n", page.Requests));
            var c = page.Checks;
            Assert.Equal("true", c.GetProperty("rendered").GetString());
            Assert.Equal(["summary", "curves", "distances", "map", "gallery", "confusion", "roc"], c.GetProperty("sections").EnumerateArray().Select(e => e.GetString()!).ToArray());
            Assert.Empty(c.GetProperty("undrawn").EnumerateArray());
            Assert.True(c.GetProperty("overlaps").GetArrayLength() == 0, $"{name}: overlapping labels: " + c.GetProperty("overlaps").GetRawText());
            Assert.True(c.GetProperty("scrollWidth").GetInt32() <= c.GetProperty("innerWidth").GetInt32(), $"{name}: the page scrolls sideways ({c.GetProperty("scrollWidth")} > {c.GetProperty("innerWidth")}).");
            foreach (var (key, _) in HtmlReportWriter.CurveColumns)
            {
                int expected = shown.History.Count(r => r.Values.TryGetValue(key, out var v) && double.IsFinite(v));
                Assert.Equal(expected, c.GetProperty("curvePoints").GetProperty(key).GetInt32());
            }
            foreach (var e in shown.Distances)
            {
                var h = c.GetProperty("hist").GetProperty(e.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Assert.Equal(options.HistogramBins, h.GetProperty("ap").GetInt32());
                Assert.Equal(options.HistogramBins, h.GetProperty("an").GetInt32());
                Assert.Equal(1, h.GetProperty("margin").GetInt32());
            }
            Assert.Equal(n, c.GetProperty("pca").GetInt32());
            Assert.Equal(name == "vectors" ? 0 : n, c.GetProperty("tsne").GetInt32());
            Assert.Equal(classes, c.GetProperty("legend").GetInt32());
            Assert.Equal(12, c.GetProperty("galleryRows").GetInt32());
            Assert.Equal(12 * 9, c.GetProperty("galleryThumbs").GetInt32());
            Assert.Equal(name == "vectors" ? 0 : 12 * 9, c.GetProperty("galleryImgs").GetInt32());
            Assert.Equal(name == "vectors" ? 12 * 9 : 0, c.GetProperty("labelCards").GetInt32());
            Assert.Equal(12 * 8, c.GetProperty("matches").GetInt32() + c.GetProperty("misses").GetInt32());
            Assert.True(c.GetProperty("misses").GetInt32() > 0 && c.GetProperty("matches").GetInt32() > 0, $"{name}: expected both green and red frames.");
            Assert.Equal(0, c.GetProperty("brokenImages").GetInt32());
            Assert.Equal(classes * classes, c.GetProperty("cells").GetInt32());
            Assert.Equal(1, c.GetProperty("rocCurve").GetInt32());
            Assert.Equal(1, c.GetProperty("rocPoint").GetInt32());
            foreach (var m in c.GetProperty("metricText").EnumerateArray())
                Assert.Equal(HtmlReportWriter.Show(shown.Metrics[m[0].GetString()!]), m[1].GetString());
        }
        Assert.True(File.Exists(Path.Combine(dir, "report-laptop.png")) && File.Exists(Path.Combine(dir, "report-phone.png")));
    }

    internal async Task<PageResult> LoadAsync(CdpBrowser browser, string file, int width, int height, bool mobile, string screenshot, bool hover)
    {
        var target = await browser.SendAsync("Target.createTarget", new { url = "about:blank" });
        var targetId = target.GetProperty("targetId").GetString()!;
        var attach = await browser.SendAsync("Target.attachToTarget", new { targetId, flatten = true });
        var session = attach.GetProperty("sessionId").GetString()!;
        var errors = new ConcurrentQueue<string>();
        var requests = new ConcurrentQueue<string>();
        var loaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnEvent(string method, JsonElement p, string? sid)
        {
            if (sid != session) return;
            switch (method)
            {
                case "Runtime.exceptionThrown":
                    errors.Enqueue("exception: " + p.GetProperty("exceptionDetails").GetRawText());
                    break;
                case "Runtime.consoleAPICalled" when p.GetProperty("type").GetString() is "error" or "assert":
                    errors.Enqueue("console." + p.GetProperty("type").GetString() + ": " + p.GetProperty("args").GetRawText());
                    break;
                case "Log.entryAdded" when p.GetProperty("entry").GetProperty("level").GetString() == "error":
                    errors.Enqueue("log: " + p.GetProperty("entry").GetProperty("text").GetString());
                    break;
                case "Network.requestWillBeSent":
                    var url = p.GetProperty("request").GetProperty("url").GetString() ?? "";
                    if (!url.StartsWith("file:", StringComparison.Ordinal) && !url.StartsWith("data:", StringComparison.Ordinal) && url != "about:blank")
                        requests.Enqueue(url);
                    break;
                case "Page.loadEventFired":
                    loaded.TrySetResult();
                    break;
            }
        }
        browser.EventReceived += OnEvent;
        try
        {
            foreach (var domain in new[] { "Page.enable", "Runtime.enable", "Log.enable", "Network.enable" })
                await browser.SendAsync(domain, null, session);
            await browser.SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile }, session);
            await browser.SendAsync("Page.navigate", new { url = new Uri(file).AbsoluteUri }, session);
            await loaded.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await WaitForAsync(browser, session, "document.body.getAttribute('data-rendered') === 'true'", TimeSpan.FromSeconds(30));
            var checks = JsonDocument.Parse(await EvaluateStringAsync(browser, session, CheckScript)).RootElement.Clone();

            if (hover)
            {
                // A real mouse move over a plotted point must open the tooltip with the item's thumbnail and id.
                var pos = JsonDocument.Parse(await EvaluateStringAsync(browser, session,
                    "(() => { const c = document.querySelector('#map-tsne circle.pt'); c.scrollIntoView({block: 'center'}); const r = c.getBoundingClientRect(); return JSON.stringify({x: r.left + r.width / 2, y: r.top + r.height / 2, i: +c.dataset.i}); })()")).RootElement;
                await browser.SendAsync("Input.dispatchMouseEvent", new { type = "mouseMoved", x = pos.GetProperty("x").GetDouble(), y = pos.GetProperty("y").GetDouble() }, session);
                var tip = JsonDocument.Parse(await EvaluateStringAsync(browser, session,
                    "JSON.stringify({hidden: document.getElementById('tooltip').hidden, img: document.querySelectorAll('#tooltip img').length, text: document.getElementById('tooltip').textContent})")).RootElement;
                output.WriteLine("hover: " + tip.GetRawText());
                Assert.False(tip.GetProperty("hidden").GetBoolean(), "hovering a map point did not show the tooltip");
                Assert.Equal(1, tip.GetProperty("img").GetInt32());
                Assert.Contains("item-", tip.GetProperty("text").GetString());
                await browser.SendAsync("Input.dispatchMouseEvent", new { type = "mouseMoved", x = 1, y = 1 }, session);
                await EvaluateStringAsync(browser, session, "(() => { window.scrollTo(0, 0); return ''; })()");
            }

            await SaveScreenshotAsync(browser, session, screenshot, width);
            if (file.EndsWith("report-images.html", StringComparison.Ordinal))
                await SaveSectionShotsAsync(browser, session, Path.GetDirectoryName(screenshot)!, width, mobile ? "phone" : "laptop");
            return new PageResult(checks, errors.ToList(), requests.ToList());
        }
        finally
        {
            browser.EventReceived -= OnEvent;
            await browser.SendAsync("Target.closeTarget", new { targetId });
        }
    }

    private static async Task<string> EvaluateStringAsync(CdpBrowser browser, string session, string expression)
    {
        var r = await browser.SendAsync("Runtime.evaluate", new { expression, returnByValue = true }, session);
        if (r.TryGetProperty("exceptionDetails", out var ex)) throw new InvalidOperationException("In-page script failed: " + ex.GetRawText());
        return r.GetProperty("result").GetProperty("value").GetString() ?? "";
    }

    private static async Task WaitForAsync(CdpBrowser browser, string session, string condition, TimeSpan timeout)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var r = await browser.SendAsync("Runtime.evaluate", new { expression = condition, returnByValue = true }, session);
            if (r.GetProperty("result").TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.True) return;
            if (sw.Elapsed > timeout) throw new TimeoutException($"'{condition}' was still false after {timeout.TotalSeconds:0} s.");
            await Task.Delay(50);
        }
    }

    private static async Task SaveScreenshotAsync(CdpBrowser browser, string session, string path, int width)
    {
        var metrics = await browser.SendAsync("Page.getLayoutMetrics", null, session);
        double height = Math.Min(16000, metrics.GetProperty("cssContentSize").GetProperty("height").GetDouble());
        var shot = await browser.SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true, clip = new { x = 0, y = 0, width, height, scale = 1 } }, session, TimeSpan.FromSeconds(60));
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    private static async Task SaveSectionShotsAsync(CdpBrowser browser, string session, string dir, int width, string prefix)
    {
        var boxes = JsonDocument.Parse(await EvaluateStringAsync(browser, session,
            "JSON.stringify([...document.querySelectorAll('main > section')].map(s => { const r = s.getBoundingClientRect(); return {id: s.id, y: r.top + window.scrollY, h: r.height}; }))")).RootElement;
        foreach (var b in boxes.EnumerateArray())
        {
            var clip = new { x = 0, y = b.GetProperty("y").GetDouble(), width, height = Math.Min(4000, b.GetProperty("h").GetDouble()), scale = 1 };
            var shot = await browser.SendAsync("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true, clip }, session, TimeSpan.FromSeconds(60));
            await File.WriteAllBytesAsync(Path.Combine(dir, $"{prefix}-{b.GetProperty("id").GetString()}.png"), Convert.FromBase64String(shot.GetProperty("data").GetString()!));
        }
    }
}
