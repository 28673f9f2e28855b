using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using TripletSharp.Evaluation;
using TripletSharp.Onnx;
using TripletSharp.Search;
using TripletSharp.Serving;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet serve</c>: the HTTP service (embed, search, match, add items) over an index and its model, until SIGINT/SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext ctx)
    {
        var defaults = new ServeOptions();
        var t = new OptionTable();
        var index = t.Add(new Option<string>("--index") { Description = "Index folder to serve (made with this model).", Required = true }, nameof(ServeOptions.IndexPath));
        var model = t.Add(Optional<string>("--model", "Model folder (TorchSharp); give this or --onnx."));
        var onnx = t.Add(Optional<string>("--onnx", "ONNX model file (from 'triplet export'; ONNX Runtime, no libtorch); give this or --model."));
        var urls = t.Add(With("--urls", "Addresses to listen on, separated by ';' (port 0: any free port).", defaults.Urls));
        var maxBatch = t.Add(With("--max-batch", "Most items in one forward pass of the dynamic batcher.", defaults.MaxBatch));
        var maxWait = t.Add(With("--max-wait-ms", "Milliseconds the batcher waits for more items after the first.", defaults.MaxWaitMs));
        var maxQueue = t.Add(Optional<int?>("--max-queue", "Most items waiting to be embedded; beyond it 503 with Retry-After (default 16 × --max-batch, at least 256)."));
        var readOnly = t.Add(With("--read-only", "Refuse POST /v1/items.", false));
        var threshold = t.Add(Optional<double?>("--threshold", "Match threshold in the index measure's units (default: the index's calibration.json, else the model's)."));
        var command = t.CreateCommand("serve", "Serve a model and its index over HTTP: POST /v1/embed, /v1/search, /v1/match, /v1/items; GET /healthz, /v1/info, /openapi/v1.json.");
        command.SetAction(parse =>
        {
            var modelPath = parse.GetValue(model);
            var onnxPath = parse.GetValue(onnx);
            if ((modelPath is null) == (onnxPath is null))
                throw new ArgumentException("give exactly one of --model (a model folder) or --onnx (an ONNX file).", "Model");
            var options = new ServeOptions
            {
                IndexPath = parse.GetValue(index)!,
                Urls = parse.GetValue(urls)!,
                MaxBatch = parse.GetValue(maxBatch),
                MaxWaitMs = parse.GetValue(maxWait),
                MaxQueue = parse.GetValue(maxQueue),
                ReadOnly = parse.GetValue(readOnly),
                Threshold = parse.GetValue(threshold),
            };
            var gate = new Lock();
            options = options with { Log = line => { lock (gate) ctx.Out.WriteLine(line); } };
            options.Validate();
            try
            {
                using IEmbedder embedder = modelPath is not null ? TorchEmbedder.Load(modelPath) : new OnnxModelEmbedder(onnxPath!);
                return Serve(ctx, embedder, options, modelPath).GetAwaiter().GetResult();
            }
            catch (IndexMismatchException e) { return Fail(ctx, ExitCodes.Model, e.Message); }
            catch (OnnxModelException e) { return Fail(ctx, ExitCodes.Model, e.Message); }
            catch (IndexFormatException e) { return Fail(ctx, ExitCodes.Data, e.Message); }
            catch (CalibrationException e) { return Fail(ctx, ExitCodes.Data, e.Message); }
        });
        return command;
    }

    private static int Fail(CliContext ctx, int code, string message)
    {
        ctx.Err.WriteLine($"triplet serve: {CliApp.OneLine(message)}.");
        return code;
    }

    private static async Task<int> Serve(CliContext ctx, IEmbedder embedder, ServeOptions options, string? modelFolder)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken);
        void OnSignal(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        using var sigint = ctx.HandleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal) : null;
        using var sigterm = ctx.HandleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal) : null;

        await using var service = await EmbeddingService.StartAsync(embedder, options, modelFolder, stop.Token);
        var fp = embedder.Fingerprint is { } f ? Models.ModelFingerprint.Short(f) : "not recorded (dimension checked only)";
        var thresholdText = service.Threshold is { } th ? string.Create(CultureInfo.InvariantCulture, $"threshold {th:G6} ({service.ThresholdSource})") : "no match threshold (POST /v1/match answers 409)";
        ctx.Out.WriteLine($"serving {options.IndexPath} ({service.IndexCount} items) with {embedder.Runtime} model {embedder.Source} (fingerprint {fp}); {thresholdText}{(options.ReadOnly ? "; read-only" : "")}");
        ctx.Out.WriteLine($"listening on {string.Join(", ", service.Addresses)} (Ctrl+C or SIGTERM stops)");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
        }
        ctx.Out.WriteLine("stopping: no new connections; finishing the requests in flight");
        await service.StopAsync();
        ctx.Out.WriteLine($"stopped: index {options.IndexPath} holds {service.IndexCount} items, saved");
        return ExitCodes.Ok;
    }
}
