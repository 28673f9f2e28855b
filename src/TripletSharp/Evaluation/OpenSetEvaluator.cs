using TripletSharp.Search;

namespace TripletSharp.Evaluation;

/// <summary>Scores a <see cref="Matcher"/>'s decisions against the queries' true classes (matched by class name).</summary>
public static class OpenSetEvaluator
{
    /// <summary>The open-set figures of <paramref name="results"/>.</summary>
    /// <param name="index">The index the results came from: a query is known when the index holds an item of its class.</param>
    /// <param name="results">One decision per query.</param>
    /// <param name="trueClassNames">The true class name of every query.</param>
    public static OpenSetMetrics Evaluate(EmbeddingIndex index, IReadOnlyList<MatchResult> results, IReadOnlyList<string> trueClassNames)
    {
        Guard.NotNull(index, nameof(index));
        Guard.NotNull(results, nameof(results));
        Guard.NotNull(trueClassNames, nameof(trueClassNames));
        if (results.Count != trueClassNames.Count)
            throw new ArgumentException($"'{nameof(trueClassNames)}' has {trueClassNames.Count} entries but there are {results.Count} results.", nameof(trueClassNames));
        if (results.Count == 0) throw new ArgumentException($"'{nameof(results)}' is empty: there are no queries to evaluate.", nameof(results));
        var held = index.Labels.Distinct().Select(l => index.ClassNames[(int)l]).ToHashSet(StringComparer.Ordinal);
        int known = 0, correct = 0, wrong = 0, rejected = 0, unknown = 0, unknownRejected = 0, closed = 0;
        var knownScores = new List<double>();
        var unknownScores = new List<double>();
        bool inverted = index.Measure.IsInverted;
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var truth = trueClassNames[i] ?? throw new ArgumentException($"'{nameof(trueClassNames)}'[{i}] is null.", nameof(trueClassNames));
            double score = inverted ? -r.NearestDistance : r.NearestDistance;
            if (held.Contains(truth))
            {
                known++;
                knownScores.Add(score);
                if (index.ClassNames[(int)r.NearestLabel] == truth) closed++;
                if (!r.IsKnown) rejected++;
                else if (r.ClassName == truth) correct++;
                else wrong++;
            }
            else
            {
                unknown++;
                unknownScores.Add(score);
                if (!r.IsKnown) unknownRejected++;
            }
        }
        return new OpenSetMetrics(
            results.Count, known, unknown,
            known == 0 ? null : (double)correct / known,
            unknown == 0 ? null : (double)unknownRejected / unknown,
            known == 0 || unknown == 0 ? null : Auroc(unknownScores, knownScores),
            known == 0 ? null : (double)closed / known,
            (double)(correct + unknownRejected) / results.Count,
            correct, wrong, rejected, unknownRejected);
    }

    /// <summary>P(positive score &gt; negative score) + ½ P(equal), by ranks (Mann–Whitney U) with ties averaged.</summary>
    internal static double Auroc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        var all = positives.Select(s => (s, true)).Concat(negatives.Select(s => (s, false))).OrderBy(t => t.s).ToArray();
        double rankSum = 0;
        for (int i = 0; i < all.Length;)
        {
            int j = i;
            while (j < all.Length && all[j].s == all[i].s) j++;
            double rank = (i + 1 + j) / 2.0;
            for (int t = i; t < j; t++) if (all[t].Item2) rankSum += rank;
            i = j;
        }
        double p = positives.Count, n = negatives.Count;
        return (rankSum - p * (p + 1) / 2) / (p * n);
    }
}
