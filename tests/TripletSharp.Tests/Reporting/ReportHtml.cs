using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TripletSharp.Tests.Reporting;

/// <summary>Reads back what a report page shows: its embedded JSON and the data attributes of its server-rendered parts.</summary>
internal static partial class ReportHtml
{
    internal static JsonElement Json(string html)
    {
        var m = JsonBlock().Match(html);
        Assert.True(m.Success, "the page has no script#report-data");
        return JsonDocument.Parse(m.Groups[1].Value).RootElement.Clone();
    }

    internal static double ParseNum(string s) => s == "NaN" ? double.NaN : double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    internal static List<(string Key, double Value, string Text)> Metrics(string html) =>
        MetricTile().Matches(html).Select(m => (WebUtility.HtmlDecode(m.Groups[1].Value), ParseNum(m.Groups[2].Value), m.Groups[3].Value)).ToList();

    internal static List<(string Key, string Value)> Summary(string html) =>
        SummaryRow().Matches(html).Select(m => (WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value))).ToList();

    internal static List<(int Epoch, List<(string Col, double Value, string Text)> Cells)> History(string html) =>
        HistoryRow().Matches(html).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            HistoryCell().Matches(m.Groups[2].Value).Select(c => (c.Groups[1].Value, ParseNum(c.Groups[2].Value), c.Groups[3].Value)).ToList())).ToList();

    internal static List<(int Query, List<(string Kind, int Item, double? Distance, string? Img)> Thumbs)> Gallery(string html) =>
        GalleryRow().Matches(html).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            GalleryThumb().Matches(m.Groups[2].Value).Select(t => (t.Groups[1].Value, int.Parse(t.Groups[2].Value, CultureInfo.InvariantCulture),
                t.Groups[3].Success ? ParseNum(t.Groups[3].Value) : (double?)null, t.Groups[4].Success ? t.Groups[4].Value : null)).ToList())).ToList();

    [GeneratedRegex("<script type=\"application/json\" id=\"report-data\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex("<div class=\"metric\" data-metric=\"([^\"]*)\" data-value=\"([^\"]*)\"><span class=\"metric-name\">[^<]*</span><span class=\"metric-value\">([^<]*)</span>")]
    private static partial Regex MetricTile();

    [GeneratedRegex("<tr data-key=\"[^\"]*\"><th>([^<]*)</th><td>([^<]*)</td></tr>")]
    private static partial Regex SummaryRow();

    [GeneratedRegex("<tr data-epoch=\"(\\d+)\">(.*?)</tr>")]
    private static partial Regex HistoryRow();

    [GeneratedRegex("<td data-col=\"([^\"]*)\" data-value=\"([^\"]*)\">([^<]*)</td>")]
    private static partial Regex HistoryCell();

    [GeneratedRegex("<div class=\"gallery-row\" data-query=\"(\\d+)\">(.*?)</div>\n")]
    private static partial Regex GalleryRow();

    [GeneratedRegex("<figure class=\"gallery-thumb (\\w+)\" data-item=\"(\\d+)\" data-class=\"\\d+\"(?: data-distance=\"([^\"]*)\" data-rank=\"\\d+\")?[^>]*>(?:<img src=\"([^\"]*)\")?")]
    private static partial Regex GalleryThumb();
}
