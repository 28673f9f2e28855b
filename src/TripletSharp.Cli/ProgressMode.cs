namespace TripletSharp.Cli;

/// <summary>How training progress is shown.</summary>
internal enum ProgressMode
{
    /// <summary>A live bar on a terminal, plain lines otherwise.</summary>
    Auto,

    /// <summary>A live bar redrawn in place.</summary>
    Bar,

    /// <summary>One line every few batches and one per epoch, for logs and CI.</summary>
    Plain,

    /// <summary>Nothing but the final summary.</summary>
    Quiet,
}
