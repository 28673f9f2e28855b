namespace TripletSharp.Tests.Reference;

/// <summary>Triplet selections by explicit enumeration of every (a, p, n), in double precision.</summary>
public static class RefTriplets
{
    public static IEnumerable<(int A, int P, int N)> All(long[] labels)
    {
        int b = labels.Length;
        for (int a = 0; a < b; a++)
            for (int p = 0; p < b; p++)
            {
                if (p == a || labels[p] != labels[a]) continue;
                for (int n = 0; n < b; n++)
                    if (labels[n] != labels[a]) yield return (a, p, n);
            }
    }

    /// <summary>Triplets whose Δ = E_an − E_ap satisfies <paramref name="keep"/>.</summary>
    public static List<(int A, int P, int N)> Band(double[,] e, long[] labels, Func<double, bool> keep) =>
        All(labels).Where(t => keep(e[t.A, t.N] - e[t.A, t.P])).ToList();

    public static List<(int A, int P, int N)> BatchHard(double[,] e, long[] labels)
    {
        var result = new List<(int, int, int)>();
        int b = labels.Length;
        for (int a = 0; a < b; a++)
        {
            int p = -1, n = -1;
            for (int j = 0; j < b; j++)
            {
                if (j != a && labels[j] == labels[a] && (p < 0 || e[a, j] > e[a, p])) p = j;
                if (labels[j] != labels[a] && (n < 0 || e[a, j] < e[a, n])) n = j;
            }
            if (p >= 0 && n >= 0) result.Add((a, p, n));
        }
        return result;
    }

    public static List<(int A, int P, int N)> FaceNetSemiHard(double[,] e, long[] labels)
    {
        var result = new List<(int, int, int)>();
        int b = labels.Length;
        for (int a = 0; a < b; a++)
            for (int p = 0; p < b; p++)
            {
                if (p == a || labels[p] != labels[a]) continue;
                int beyond = -1, farthest = -1;
                for (int n = 0; n < b; n++)
                {
                    if (labels[n] == labels[a]) continue;
                    if (e[a, n] > e[a, p] && (beyond < 0 || e[a, n] < e[a, beyond])) beyond = n;
                    if (farthest < 0 || e[a, n] > e[a, farthest]) farthest = n;
                }
                if (farthest >= 0) result.Add((a, p, beyond >= 0 ? beyond : farthest));
            }
        return result;
    }
}
