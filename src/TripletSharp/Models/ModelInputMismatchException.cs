namespace TripletSharp.Models;

/// <summary>A model was applied to data of another kind, shape or channel count than it was trained on.</summary>
public class ModelInputMismatchException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="modelPath">The model folder (or a description of the model).</param>
    /// <param name="expected">What the model expects, in words (for example "images 1×28×28").</param>
    /// <param name="actual">What the data holds, in words.</param>
    /// <param name="dataSource">Where the data came from, if known.</param>
    public ModelInputMismatchException(string modelPath, string expected, string actual, string? dataSource = null)
        : base($"the model {modelPath} expects {expected}, but {(dataSource is null ? "the data" : dataSource)} holds {actual}.")
    {
        ModelPath = modelPath;
        Expected = expected;
        Actual = actual;
        DataSource = dataSource;
    }

    /// <summary>The model folder.</summary>
    public string ModelPath { get; }

    /// <summary>What the model expects.</summary>
    public string Expected { get; }

    /// <summary>What the data holds.</summary>
    public string Actual { get; }

    /// <summary>Where the data came from, if known.</summary>
    public string? DataSource { get; }
}
