namespace TripletSharp.Tests.Reference;

/// <summary>
/// Triplets selections by explicit enumeration of every (a, p, n), in double precision. The general form takes a match
/// matrix (match[a, j]: j is a positive of anchor a; the diagonal is ignored); the label form is match = same label.
/// </summary>
public static class RefTriplets
{
    /// <summary>The match matrix of single labels.</summary>
    public static bool[,] Match(long[] labels)
    {
        int b = labels.Length;
        var m = new bool[b, b];
        for (int i = 0; i < b; i++)
            for (int j = 0; j < b; j++) m[i, j] = labels[i] == labels[j];
        return m;
    }

    public static IEnumerable<(int A, int P, int N)> All(long[] labels) => All(Match(labels));

    public static IEnumerable<(int A, int P, int N)> All(bool[,] match)
    {
        int b = match.GetLength(0);
        for (int a = 0; a < b; a++)
            for (int p = 0; p < b; p++)
            {
                if (p == a || !match[a, p]) continue;
                for (int n = 0; n < b; n++)
                    if (n != a && !match[a, n]) yield return (a, p, n);
            }
    }

    /// <summary>Triplets whose Δ = E_an − E_ap satisfies <paramref name="keep"/>.</summary>
    public static List<(int A, int P, int N)> Band(double[,] e, long[] labels, Func<double, bool> keep) => Band(e, Match(labels), keep);

    public static List<(int A, int P, int N)> Band(double[,] e, bool[,] match, Func<double, bool> keep) =>
        All(match).Where(t => keep(e[t.A, t.N] - e[t.A, t.P])).ToList();

    public static List<(int A, int P, int N)> BatchHard(double[,] e, long[] labels) => BatchHard(e, Match(labels));

    public static List<(int A, int P, int N)> BatchHard(double[,] e, bool[,] match)
    {
        var result = new List<(int, int, int)>();
        int b = match.GetLength(0);
        for (int a = 0; a < b; a++)
        {
            int p = -1, n = -1;
            for (int j = 0; j < b; j++)
            {
                if (j == a) continue;
                if (match[a, j] && (p < 0 || e[a, j] > e[a, p])) p = j;
                if (!match[a, j] && (n < 0 || e[a, j] < e[a, n])) n = j;
            }
            if (p >= 0 && n >= 0) result.Add((a, p, n));
        }
        return result;
    }

    public static List<(int A, int P, int N)> FaceNetSemiHard(double[,] e, long[] labels) => FaceNetSemiHard(e, Match(labels));

    public static List<(int A, int P, int N)> FaceNetSemiHard(double[,] e, bool[,] match)
    {
        var result = new List<(int, int, int)>();
        int b = match.GetLength(0);
        for (int a = 0; a < b; a++)
            for (int p = 0; p < b; p++)
            {
                if (p == a || !match[a, p]) continue;
                int beyond = -1, farthest = -1;
                for (int n = 0; n < b; n++)
                {
                    if (n == a || match[a, n]) continue;
                    if (e[a, n] > e[a, p] && (beyond < 0 || e[a, n] < e[a, beyond])) beyond = n;
                    if (farthest < 0 || e[a, n] > e[a, farthest]) farthest = n;
                }
                if (farthest >= 0) result.Add((a, p, beyond >= 0 ? beyond : farthest));
            }
        return result;
    }
}
