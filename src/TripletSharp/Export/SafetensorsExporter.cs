using TorchSharp;
using TorchSharp.PyBridge;
using TripletSharp.Models;
using static TorchSharp.torch;

namespace TripletSharp.Export;

/// <summary>
/// Writes a model's weights as a <c>.safetensors</c> file for Python users, with PyTorch's <c>state_dict</c> key names, so
/// <c>model.load_state_dict(safetensors.torch.load_file(path))</c> loads them into the equivalent PyTorch module.
/// </summary>
/// <remarks>
/// <para>The keys are the module's own parameter and buffer paths, which are PyTorch's for a module whose attributes
/// have the same names. Every tensor is float32 (buffers keep their type), C-contiguous, on the CPU.</para>
/// <para><b>ConvNet</b> (input C×H×W, embedding dimension D): <c>conv1.weight</c> [32, C, 3, 3], <c>conv1.bias</c> [32],
/// <c>conv2.weight</c> [64, 32, 3, 3], <c>conv2.bias</c> [64], <c>fc1.weight</c> [128, 64·⌊H/4⌋·⌊W/4⌋], <c>fc1.bias</c> [128],
/// <c>fc2.weight</c> [D, 128], <c>fc2.bias</c> [D]. The PyTorch module: <c>conv1 = nn.Conv2d(C, 32, 3, padding=1)</c>,
/// <c>conv2 = nn.Conv2d(32, 64, 3, padding=1)</c>, <c>fc1 = nn.Linear(64*(H//4)*(W//4), 128)</c>, <c>fc2 = nn.Linear(128, D)</c>;
/// forward: <c>max_pool2d(relu(conv1(x)), 2)</c>, the same with <c>conv2</c>, <c>flatten(1)</c> (N, C, H, W order),
/// <c>relu(fc1(·))</c>, <c>fc2(·)</c>, then <c>F.normalize(·, dim=1)</c> when the model normalises.</para>
/// <para><b>Mlp</b> (F features, hidden sizes h₀…hₖ): <c>layers.{i}.weight</c> and <c>layers.{i}.bias</c> for
/// <c>layers = nn.ModuleList([nn.Linear(F, h₀), …, nn.Linear(hₖ, D)])</c>; forward: ReLU after every layer but the last,
/// then <c>F.normalize(·, dim=1)</c> when the model normalises.</para>
/// <para>The input standardisation is not a weight: it is in <c>model.json</c> (<c>input.normalization</c>) and in the
/// ONNX metadata; apply <c>(x - mean) / std</c> per channel or feature before the network.</para>
/// </remarks>
public static class SafetensorsExporter
{
    /// <summary>Writes the weights of <paramref name="bundle"/> to <paramref name="path"/>, atomically.</summary>
    public static void Export(ModelBundle bundle, string path)
    {
        Guard.NotNull(bundle, nameof(bundle));
        Export(bundle.Module, path);
    }

    /// <summary>Writes the parameters and buffers of <paramref name="module"/> to <paramref name="path"/>, atomically.</summary>
    public static void Export(nn.Module module, string path)
    {
        Guard.NotNull(module, nameof(module));
        Guard.NotNull(path, nameof(path));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in module.state_dict())
            state[name] = tensor.detach().cpu().contiguous();
        AtomicFile.Write(path, stream => Safetensors.SaveStateDict(stream, state, leaveOpen: true));
    }

    /// <summary>The key names <see cref="Export(nn.Module, string)"/> writes for <paramref name="module"/>, in file order.</summary>
    public static IReadOnlyList<string> KeyNames(nn.Module module)
    {
        Guard.NotNull(module, nameof(module));
        return module.state_dict().Keys.ToArray();
    }
}
