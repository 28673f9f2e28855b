using static TorchSharp.torch;

namespace TripletSharp.Engine;

/// <summary>Consecutive row blocks of a matrix as views, the unit of work of the hand-written kernels' parallel loops.</summary>
internal sealed class RowBlocks : IDisposable
{
    private readonly Tensor[] _views;

    /// <summary>Splits the rows of <paramref name="matrix"/> into blocks of <paramref name="rowsPerBlock"/> (the last may be shorter).</summary>
    public RowBlocks(Tensor matrix, long rowsPerBlock)
    {
        long rows = matrix.shape[0];
        RowsPerBlock = rowsPerBlock;
        _views = new Tensor[(int)((rows + rowsPerBlock - 1) / rowsPerBlock)];
        for (int i = 0; i < _views.Length; i++)
            _views[i] = matrix.narrow(0, i * rowsPerBlock, Math.Min(rowsPerBlock, rows - i * rowsPerBlock));
    }

    /// <summary>Rows per block: about <paramref name="rows"/> / <paramref name="blocks"/>, each block within the span limit.</summary>
    public static long Size(long rows, long columns, int elementSize, long blocks) =>
        Math.Max(1, Math.Min(HostTensor.RowsPerSpan(columns, elementSize), (rows + blocks - 1) / blocks));

    public long RowsPerBlock { get; }

    public int Count => _views.Length;

    public Tensor this[int block] => _views[block];

    public void Dispose()
    {
        foreach (var v in _views) v.Dispose();
    }
}
