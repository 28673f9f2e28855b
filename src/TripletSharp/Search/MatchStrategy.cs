using System.Globalization;

namespace TripletSharp.Search;

/// <summary>How a <see cref="Matcher"/> turns neighbours into a label: the nearest item's, or a vote among the K nearest.</summary>
public sealed record MatchStrategy
{
    private MatchStrategy(int votes) => Votes = votes;

    /// <summary>Neighbours that vote: 1 for <see cref="Nearest"/>.</summary>
    public int Votes { get; }

    /// <summary>The nearest item's label, when within the threshold.</summary>
    public static MatchStrategy Nearest { get; } = new(1);

    /// <summary>
    /// A vote among the <paramref name="k"/> nearest items: only items within the threshold vote; the label with most
    /// votes wins (a tie goes to the label whose nearest voter is closer); unknown when none is within the threshold.
    /// </summary>
    public static MatchStrategy Vote(int k)
    {
        Guard.Positive(k, nameof(k));
        return new MatchStrategy(k);
    }

    /// <summary>Parses <c>nearest</c> or <c>vote:K</c>.</summary>
    /// <exception cref="FormatException">The text is neither.</exception>
    public static MatchStrategy Parse(string text)
    {
        Guard.NotNull(text, nameof(text));
        var t = text.Trim();
        if (t.Equals("nearest", StringComparison.OrdinalIgnoreCase)) return Nearest;
        if (t.StartsWith("vote:", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(t.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= 1)
            return Vote(k);
        throw new FormatException($"'{text}' is not a match strategy: use 'nearest' or 'vote:K' with K >= 1 (for example vote:5).");
    }

    /// <inheritdoc />
    public override string ToString() => Votes == 1 ? "nearest" : $"vote:{Votes.ToString(CultureInfo.InvariantCulture)}";
}
