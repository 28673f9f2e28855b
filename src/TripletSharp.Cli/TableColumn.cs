namespace TripletSharp.Cli;

/// <summary>One column of a table written by <see cref="EmbeddingWriter.WriteParquet(Stream, IReadOnlyList{TableColumn})"/>: long[], float[], double[] or string[] values.</summary>
internal sealed record TableColumn(string Name, Array Values);
