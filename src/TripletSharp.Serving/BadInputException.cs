namespace TripletSharp.Serving;

/// <summary>A request the service refuses with 400 (or <paramref name="status"/>); <see cref="Field"/> names the part of the request at fault.</summary>
internal sealed class BadInputException(string field, string detail, int status = 400) : Exception($"{field}: {detail}")
{
    /// <summary>The field (JSON path such as <c>items[2][5]</c>, or a multipart part name).</summary>
    public string Field { get; } = field;

    /// <summary>What is wrong.</summary>
    public string Detail { get; } = detail;

    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;
}
