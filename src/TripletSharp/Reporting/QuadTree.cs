namespace TripletSharp.Reporting;

/// <summary>
/// A 2-D quadtree over points with each cell's count and centre of mass, for Barnes–Hut sums. Nodes live in flat arrays;
/// points at identical coordinates share one leaf (a count), so duplicates never make the tree deep.
/// </summary>
internal sealed class QuadTree
{
    private double[] cx = new double[64], cy = new double[64], half = new double[64];
    private double[] sumX = new double[64], sumY = new double[64];
    private int[] count = new int[64], firstChild = new int[64];
    private double[] leafX = new double[64], leafY = new double[64];
    private int nodes;
    private PackedNode[] packed = [];

    /// <summary>An empty tree, to be filled by <see cref="Rebuild"/>.</summary>
    internal QuadTree() { }

    /// <summary>Builds the tree of the first <paramref name="n"/> points of <paramref name="y"/> (x0, y0, x1, y1, …).</summary>
    public static QuadTree Build(double[] y, int n)
    {
        var t = new QuadTree();
        t.Rebuild(y, n);
        return t;
    }

    /// <summary>Smallest and largest coordinates of the points the tree was last built over.</summary>
    public (double MinX, double MinY, double MaxX, double MaxY) Bounds { get; private set; }

    /// <summary>
    /// Builds the tree again over the first <paramref name="n"/> points of <paramref name="y"/>, in the arrays of the
    /// last build (t-SNE rebuilds it every iteration; fresh arrays each time were most of its garbage).
    /// </summary>
    public void Rebuild(double[] y, int n)
    {
        Bounds = BoundsOf(y, n);
        var (minX, minY, maxX, maxY) = Bounds;
        nodes = 0;
        // A little slack so points on the upper edges fall strictly inside.
        double h = Math.Max(Math.Max(maxX - minX, maxY - minY) / 2 * (1 + 1e-6), 1e-12);
        NewNode((minX + maxX) / 2, (minY + maxY) / 2, h);
        for (int i = 0; i < n; i++) Insert(y[2 * i], y[2 * i + 1]);
        Freeze();
    }

    /// <summary>Smallest and largest coordinates of the first <paramref name="n"/> points of <paramref name="y"/>.</summary>
    public static (double MinX, double MinY, double MaxX, double MaxY) BoundsOf(double[] y, int n)
    {
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            minX = Math.Min(minX, y[2 * i]); maxX = Math.Max(maxX, y[2 * i]);
            minY = Math.Min(minY, y[2 * i + 1]); maxY = Math.Max(maxY, y[2 * i + 1]);
        }
        return (minX, minY, maxX, maxY);
    }

    private int NewNode(double x, double y, double h)
    {
        if (nodes == count.Length)
        {
            int size = nodes * 2;
            Array.Resize(ref cx, size); Array.Resize(ref cy, size); Array.Resize(ref half, size);
            Array.Resize(ref sumX, size); Array.Resize(ref sumY, size); Array.Resize(ref count, size);
            Array.Resize(ref firstChild, size); Array.Resize(ref leafX, size); Array.Resize(ref leafY, size);
        }
        int id = nodes++;
        cx[id] = x; cy[id] = y; half[id] = h;
        sumX[id] = 0; sumY[id] = 0; count[id] = 0; firstChild[id] = -1;
        return id;
    }

    private int Quadrant(int node, double x, double y) => (x >= cx[node] ? 1 : 0) + (y >= cy[node] ? 2 : 0);

    private void Insert(double x, double y)
    {
        int node = 0;
        while (true)
        {
            if (firstChild[node] < 0)
            {
                if (count[node] == 0 || (leafX[node] == x && leafY[node] == y) || half[node] < 1e-300)
                {
                    if (count[node] == 0) { leafX[node] = x; leafY[node] = y; }
                    count[node]++; sumX[node] += x; sumY[node] += y;
                    return;
                }
                // Split: the leaf's group (all at one point) moves down into its quadrant as a whole.
                double h = half[node] / 2;
                int first = -1;
                for (int q = 0; q < 4; q++)
                {
                    int c = NewNode(cx[node] + ((q & 1) != 0 ? h : -h), cy[node] + ((q & 2) != 0 ? h : -h), h);
                    if (q == 0) first = c;
                }
                firstChild[node] = first;
                int target = first + Quadrant(node, leafX[node], leafY[node]);
                count[target] = count[node]; sumX[target] = sumX[node]; sumY[target] = sumY[node];
                leafX[target] = leafX[node]; leafY[target] = leafY[node];
            }
            count[node]++; sumX[node] += x; sumY[node] += y;
            node = firstChild[node] + Quadrant(node, x, y);
        }
    }

    /// <summary>
    /// Copies what <see cref="Repulsion"/> reads into one record per node (centre of mass, cell centre and half-width,
    /// count, first child), so that a visit touches one cache line instead of seven arrays. Called once after building;
    /// records past the last node are left from earlier builds and never reached.
    /// </summary>
    private void Freeze()
    {
        if (packed.Length < nodes) packed = new PackedNode[count.Length];
        for (int i = 0; i < nodes; i++)
        {
            bool leaf = firstChild[i] < 0;
            int cnt = count[i];
            packed[i] = new PackedNode
            {
                // A leaf's points share one position: its own, not a sum divided back (which could differ in the last bit).
                Mx = leaf ? leafX[i] : cnt > 0 ? sumX[i] / cnt : 0,
                My = leaf ? leafY[i] : cnt > 0 ? sumY[i] / cnt : 0,
                Cx = cx[i], Cy = cy[i], Half = half[i], Count = cnt, FirstChild = firstChild[i],
            };
        }
    }

    /// <summary>
    /// Σ_j num² (p − y_j) and Σ_j num over all points j other than the query point p (num = (1 + ‖p − y_j‖²)⁻¹), with a
    /// cell summarised by its centre of mass when (width / distance)² &lt; <paramref name="theta2"/> and p lies outside it.
    /// Points at exactly p's coordinates are p itself or its duplicates: one of them is p, the rest add 1 each to the sum.
    /// </summary>
    public (double X, double Y, double Z) Repulsion(double px, double py, double theta2)
    {
        var nodesOf = packed;
        double fx = 0, fy = 0, z = 0;
        Span<int> stack = stackalloc int[256];
        int top = 0;
        if (nodesOf[0].Count > 0) stack[top++] = 0;
        while (top > 0)
        {
            ref readonly var node = ref nodesOf[stack[--top]];
            int cnt = node.Count;
            if (node.FirstChild < 0)
            {
                double dx = px - node.Mx, dy = py - node.My;
                if (dx == 0 && dy == 0) { z += cnt - 1; continue; }
                double q = 1 / (1 + dx * dx + dy * dy);
                z += cnt * q; fx += cnt * q * q * dx; fy += cnt * q * q * dy;
                continue;
            }
            double ex = px - node.Mx, ey = py - node.My, d2 = ex * ex + ey * ey;
            double h = node.Half, width = 2 * h;
            bool inside = Math.Abs(px - node.Cx) <= h && Math.Abs(py - node.Cy) <= h;
            if (!inside && width * width < theta2 * d2)
            {
                double q = 1 / (1 + d2);
                z += cnt * q; fx += cnt * q * q * ex; fy += cnt * q * q * ey;
                continue;
            }
            int first = node.FirstChild;
            if (top + 4 > stack.Length)
            {
                var bigger = new int[stack.Length * 2];
                stack.CopyTo(bigger);
                stack = bigger;
            }
            // Empty quadrants are never pushed; the others in the same order as before, so the sums keep their order.
            for (int c = 0; c < 4; c++)
                if (nodesOf[first + c].Count > 0) stack[top++] = first + c;
        }
        return (fx, fy, z);
    }

    /// <summary>What a visit of <see cref="Repulsion"/> reads, together.</summary>
    private struct PackedNode
    {
        public double Mx, My, Cx, Cy, Half;
        public int Count, FirstChild;
    }
}
