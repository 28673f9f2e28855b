namespace TripletSharp.Benchmarks;

/// <summary>Evaluates the performance targets of the issue against the rows of this run and prints whether each is met.</summary>
internal static class Targets
{
    private static readonly string[] RatioMiners = { "batch-all", "batch-hard", "semihard", "facenet-semihard", "hard" };
    private static readonly string[] NaiveMiners = { "batch-all", "semihard" };

    /// <summary>Issue 14's ratio limits (ours / floor), checked at B = 1,024 and 4,096 beside issue 4's ≤ 3.</summary>
    private static readonly (string Miner, double Limit)[] Issue14Limits =
        { ("batch-all", 2.0), ("semihard", 2.0), ("facenet-semihard", 2.0), ("hard", 2.0), ("distance-weighted", 2.5) };

    public static void Report(Reporter reporter, BenchmarkOptions options)
    {
        var rows = reporter.Rows;
        var targets = new List<Row>();
        Row T(string what, object? value, string limit, bool? met, string? note = null)
        {
            var r = new Row("targets").Set("target", what).Set("value", value).Set("limit", limit).Set("met", met).Set("note", note);
            targets.Add(r);
            return r;
        }

        var loss = rows.Where(r => (string?)r.Get("suite") == "loss").ToList();
        if (options.Runs("loss"))
        {
            Row? At(string miner, int b) => loss.FirstOrDefault(r => (string?)r.Get("miner") == miner && r.Get("batch") is int n && n == b);
            foreach (var m in RatioMiners)
            {
                var v = At(m, 1024)?.GetDouble("ratio_to_floor");
                T($"loss B=1024 {m}: ours / floor", v, "≤ 3", v is null ? null : v <= 3, v is null ? Why(At(m, 1024)) : null);
            }
            // Issue 14: the band kernels within 2x of the floor (distance-weighted 2.5x), at every B of this run among 1,024 and 4,096.
            foreach (int b in new[] { 1024, 4096 })
            {
                if (!loss.Any(r => r.Get("batch") is int n && n == b)) continue;
                foreach (var (m, limit) in Issue14Limits)
                {
                    var v = At(m, b)?.GetDouble("ratio_to_floor");
                    T($"#14 loss B={b} {m}: ours / floor", v, $"≤ {limit:0.0}", v is null ? null : v <= limit, v is null ? Why(At(m, b)) : null);
                }
            }
            foreach (var m in NaiveMiners)
            {
                var v = At(m, 1024)?.GetDouble("speedup_vs_naive");
                T($"loss B=1024 {m}: naive / ours", v, "≥ 10", v is null ? null : v >= 10, v is null ? Why(At(m, 1024), naive: true) : null);
                var stopped = loss.Where(r => (string?)r.Get("miner") == m && (string?)r.Get("naive_status") is string s && s != "ok" && (string?)r.Get("status") == "ok")
                                  .Select(r => (int)r.Get("batch")!).DefaultIfEmpty(0).Min();
                T($"loss {m}: naive stops where ours continues", stopped > 0 ? $"naive stops at B={stopped}" : null, "ours runs every B",
                  stopped > 0 ? loss.Where(r => (string?)r.Get("miner") == m && r.Get("batch") is int b && b >= stopped).All(r => (string?)r.Get("status") == "ok") : null);
            }
            var big = loss.Where(r => r.Get("batch") is int b && b == 8192).ToList();
            if (big.Count == 0) T("loss B=8192 every miner: peak extra memory", null, "< 4096 MiB", null, "B=8192 not in this run (full run only)");
            foreach (var r in big)
            {
                var v = r.GetDouble("peak_mib");
                T($"loss B=8192 {r.Get("miner")}: peak extra MiB", v, "< 4096", v is null ? null : v < 4096, v is null ? Why(r) : null);
            }
            var mismatches = loss.Count(r => (string?)r.Get("check") == "MISMATCH");
            var checkedCount = loss.Count(r => (string?)r.Get("check") == "ok");
            T("loss: ours = naive (1e-4 relative) where naive runs", $"{checkedCount} ok, {mismatches} mismatch", "0 mismatch",
              checkedCount + mismatches == 0 ? null : mismatches == 0);
        }

        var train = rows.FirstOrDefault(r => (string?)r.Get("suite") == "train");
        if (train is not null)
        {
            var ratio = train.GetDouble("throughput_ratio");
            T("train: full-step / floor throughput", ratio, "≥ 0.85", ratio is null ? null : ratio >= 0.85, ratio is null ? Why(train) : null);
            var share = train.GetDouble("data_share_pct");
            T("train: data time share of step time (%)", share, "< 5", share is null ? null : share < 5, share is null ? Why(train) : null);
            var growth = train.GetDouble("rss_settled_growth_mib");
            var raw = train.GetDouble("rss_growth_mib");
            var early = train.GetDouble("rss_settled_mib_early");
            var live = train.Get("live_tensor_growth") as long?;
            bool? flat = growth is null || early is null ? null : growth < Math.Max(16, 0.05 * early.Value) && live == 0;
            T($"train: memory flat over {train.Get("steps")} steps ({train.Get("memory_run")})",
              growth is null ? null : $"settled {growth:0.0} MiB (raw {raw:0.0}), live tensors Δ {live}",
              "settled RSS growth < max(16 MiB, 5%), no live tensor growth", flat);
            var threads = train.Get("threads") as int?;
            int want = options.Threads ?? Environment.ProcessorCount;
            T("train: torch threads", threads, options.Threads is null ? $"= cores ({want})" : $"= --threads ({want})", threads is null ? null : threads == want);
        }

        var knn = rows.FirstOrDefault(r => (string?)r.Get("suite") == "knn");
        if (knn is not null)
        {
            var ratio = knn.GetDouble("ratio_to_floor");
            T($"knn N={knn.Get("n")}: top-k / blocked mm", ratio, "≤ 1.5", ratio is null ? null : ratio <= 1.5, ratio is null ? Why(knn) : null);
            foreach (var (key, what) in new[] { ("topk_peak_mib", "top-k (streamed blocks)"), ("eval_peak_mib", "evaluate") })
            {
                var v = knn.GetDouble(key);
                T($"knn N={knn.Get("n")}: {what} peak extra MiB", v, "< 2048", v is null ? null : v < 2048, v is null ? Why(knn) : null);
            }
            var share = knn.GetDouble("eval_overhead_pct");
            T($"knn N={knn.Get("n")}: metrics share of evaluate (%), from medians", share, "< 10", share is null ? null : share < 10, share is null ? Why(knn) : null);
            var direct = knn.GetDouble("metrics_direct_pct");
            T($"knn N={knn.Get("n")}: metrics share (%), timed directly", direct, "< 10", direct is null ? null : direct < 10, direct is null ? Why(knn) : null);
        }

        if (targets.Count == 0) return;
        reporter.BeginTable("targets",
            new Column("target", "target", Width: 52, Left: true),
            new Column("value", "value", "0.00", Width: 10),
            new Column("limit", "limit", Width: 8, Left: true),
            new Column("met", "met", Width: 5, Select: r => r.Get("met") is bool b ? (b ? "yes" : "NO") : "n/a"),
            new Column("note", "note", Width: 4, Left: true));
        foreach (var r in targets) reporter.Write(r);
    }

    private static string Why(Row? row, bool naive = false)
    {
        if (row is null) return "not run";
        if (naive && row.Get("naive_status") is string ns && ns != "ok") return $"naive: {ns}";
        return row.Get("status") is string s && s != "ok" ? s : "not measured";
    }
}
