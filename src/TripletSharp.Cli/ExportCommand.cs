using System.CommandLine;
using System.Text.Json.Nodes;
using Google.Protobuf;
using TripletSharp.Evaluation;
using TripletSharp.Export;
using TripletSharp.Models;
using TripletSharp.Serving;
using static TripletSharp.Cli.OptionBinding;

namespace TripletSharp.Cli;

/// <summary><c>triplet export</c>: writes a saved model as ONNX (the whole embedding function) or its weights as safetensors.</summary>
internal static class ExportCommand
{
    public static Command Create(CliContext ctx)
    {
        var t = new OptionTable();
        var model = t.Add(CommonOptions.ModelFolder("Model folder."));
        var format = t.Add(Choice("--format", "onnx: the whole embedding function for ONNX Runtime; safetensors: the weights, PyTorch key names.", "onnx", ["onnx", "safetensors"]), "ExportFormat");
        var output = t.Add(new Option<string>("--out") { Description = "Output file (.onnx or .safetensors).", Required = true }, "Output");
        var opset = t.Add(Optional<int?>("--opset", $"ONNX operator set, {OnnxExporter.MinOpset} to {OnnxExporter.MaxOpset} (default {OnnxExporter.DefaultOpset}); onnx only."));
        var command = t.CreateCommand("export", "Export a saved model: ONNX (input normalisation, network, L2 normalisation; metadata and calibration) or safetensors weights.");
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(model)!;
            var outPath = parse.GetValue(output)!;
            var kind = parse.GetValue(format)!;
            int? os = parse.GetValue(opset);
            if (kind == "safetensors" && os is not null) throw new ArgumentException("'Opset' applies to --format onnx only.", "Opset");
            if (os is { } o && (o < OnnxExporter.MinOpset || o > OnnxExporter.MaxOpset))
                throw new ArgumentException($"'Opset' must be in [{OnnxExporter.MinOpset}, {OnnxExporter.MaxOpset}], got {o}.", "Opset");
            using var bundle = ModelBundle.Load(folder);
            var fingerprint = ModelFingerprint.Compute(folder);
            try
            {
                if (kind == "safetensors")
                {
                    SafetensorsExporter.Export(bundle, outPath);
                    ctx.Out.WriteLine($"wrote {SafetensorsExporter.KeyNames(bundle.Module).Count} tensors ({string.Join(", ", SafetensorsExporter.KeyNames(bundle.Module))}) to {outPath}");
                    return ExitCodes.Ok;
                }
                var calibrationPath = Path.Combine(folder, CalibrationFile.FileName);
                JsonNode? calibration = File.Exists(calibrationPath) ? JsonNode.Parse(File.ReadAllText(calibrationPath)) : null;
                var options = new OnnxExportOptions { Opset = os ?? OnnxExporter.DefaultOpset, Calibration = calibration };
                var onnx = global::Onnx.ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(bundle, options));
                onnx.MetadataProps.Add(new global::Onnx.StringStringEntryProto { Key = OnnxModelEmbedder.FingerprintKey, Value = fingerprint });
                AtomicFile.WriteAllBytes(outPath, onnx.ToByteArray());
                ctx.Out.WriteLine($"wrote ONNX model (opset {options.Opset}, {bundle.Input.Describe()} → {bundle.EmbeddingDim}-d, fingerprint {ModelFingerprint.Short(fingerprint)}{(calibration is null ? "" : ", with calibration")}) to {outPath}");
                return ExitCodes.Ok;
            }
            catch (UnsupportedLayerException e)
            {
                ctx.Err.WriteLine($"triplet export: {CliApp.OneLine(e.Message)}.");
                return ExitCodes.Model;
            }
        });
        return command;
    }
}
