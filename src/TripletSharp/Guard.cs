using TorchSharp;
using static TorchSharp.torch;

namespace TripletSharp;

/// <summary>Argument checks at the public boundary. Every failure names the argument and the problem.</summary>
internal static class Guard
{
    public static void NotNull(object? value, string name)
    {
        if (value is null) throw new ArgumentNullException(name, $"'{name}' must not be null.");
    }

    public static void Positive(long value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be > 0, got {value}.");
    }

    public static void Positive(double value, string name)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be a finite number > 0, got {value}.");
    }

    public static void NonNegative(double value, string name)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be a finite number >= 0, got {value}.");
    }

    public static void Finite(double value, string name)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be finite, got {value}.");
    }

    public static void InRange(double value, double low, double high, string name)
    {
        if (!(value >= low && value <= high)) throw new ArgumentOutOfRangeException(name, value, $"'{name}' must be in [{low}, {high}], got {value}.");
    }

    /// <summary>Checks that every entry of <paramref name="rows"/> is a row index in [0, <paramref name="count"/>).</summary>
    public static void Rows(IReadOnlyList<int> rows, long count, string name)
    {
        NotNull(rows, name);
        foreach (var r in rows)
        {
            if (r < 0 || r >= count) throw new ArgumentException($"'{name}' holds row {r}, outside [0, {count}).", name);
        }
    }

    /// <summary>Checks a B×D floating-point embedding tensor with finite values.</summary>
    public static void Embeddings(Tensor embeddings, string name = "embeddings", bool allowEmpty = false)
    {
        NotNull(embeddings, name);
        if (embeddings.dim() != 2)
            throw new ArgumentException($"'{name}' must be a 2-D tensor (batch × dim), got shape [{string.Join(", ", embeddings.shape)}].", name);
        if (!embeddings.is_floating_point())
            throw new ArgumentException($"'{name}' must be a floating-point tensor, got {embeddings.dtype}.", name);
        if (!allowEmpty && embeddings.shape[0] == 0)
            throw new ArgumentException($"'{name}' is empty: the batch has 0 rows.", name);
        if (embeddings.shape[1] == 0)
            throw new ArgumentException($"'{name}' has embedding dimension 0.", name);
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            if (!embeddings.isfinite().all().item<bool>())
            {
                var bad = (~embeddings.isfinite()).any(1).nonzero();
                long row = bad.shape[0] > 0 ? bad[0, 0].item<long>() : -1;
                throw new ArgumentException($"'{name}' contains NaN or Inf (first bad row: {row}).", name);
            }
        }
    }

    /// <summary>Checks labels for a batch of <paramref name="batch"/> rows and returns them as a 1-D int64 tensor (B×1 is squeezed).</summary>
    /// <summary>
    /// Checks a batch's similarity for <paramref name="batch"/> rows: int64 class ids (as <see cref="Labels"/>), or a B×B bool
    /// match matrix (entry [i, j] true when j is a positive of anchor i; the diagonal is ignored), returned as it is.
    /// </summary>
    /// <exception cref="ArgumentException">Neither valid labels nor a B×B bool matrix.</exception>
    public static Tensor LabelsOrMatches(Tensor labels, long batch, string name = "labels")
    {
        NotNull(labels, name);
        if (labels.dtype != ScalarType.Bool) return Labels(labels, batch, name);
        if (labels.dim() != 2 || labels.shape[0] != batch || labels.shape[1] != batch)
            throw new ArgumentException($"'{name}' as a match matrix must be bool {batch}×{batch} (batch × batch), got shape [{string.Join(", ", labels.shape)}].", name);
        return labels.alias();
    }

    public static Tensor Labels(Tensor labels, long batch, string name = "labels")
    {
        NotNull(labels, name);
        var l = labels;
        if (l.dtype == ScalarType.Bool && l.dim() == 2 && l.shape[0] == batch && l.shape[1] == batch && batch > 1)
            throw new NotSupportedException($"'{name}' is a match matrix (multi-label or a custom relation), which is not supported here (reference sets and cross-batch memory need class ids).");
        if (l.dim() == 2 && l.shape[1] == 1) l = l.squeeze(1);
        if (l.dim() != 1)
            throw new ArgumentException($"'{name}' must be a 1-D tensor of class ids (or B×1), got shape [{string.Join(", ", labels.shape)}].", name);
        if (l.shape[0] != batch)
            throw new ArgumentException($"'{name}' has {l.shape[0]} entries but the embeddings have {batch} rows.", name);
        if (l.is_floating_point() || l.dtype == ScalarType.Bool || l.is_complex())
            throw new ArgumentException($"'{name}' must hold integer class ids, got {l.dtype}.", name);
        return l.dtype == ScalarType.Int64 ? l.alias() : l.to_type(ScalarType.Int64);
    }
}
