using Microsoft.Extensions.Hosting;

namespace TripletSharp.Serving;

/// <summary>A host lifetime that leaves signals to the caller: <c>triplet serve</c> handles SIGINT/SIGTERM itself and calls <see cref="EmbeddingService.StopAsync"/>.</summary>
internal sealed class ManualLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
