using System.Reflection;
using System.Reflection.Emit;
using TorchSharp;

namespace TripletSharp.Tests;

/// <summary>
/// TorchSharp frees a <see cref="Scalar"/> in its finalizer, so a scalar made implicitly for a call can be freed by a
/// garbage collection on another thread while libtorch still reads it (a random "Expected false to be true" or garbage;
/// reproduced with batch-hard at B = 2048 about once in 75 calls). The library must therefore never make one
/// implicitly, neither itself (<c>x.gt(0)</c>) nor through a TorchSharp method that does it inside (<c>x.square()</c>,
/// <c>a + b</c>, <c>x * 2.0</c>). This test reads the compiled IL of the library and of the tool.
/// </summary>
public class ScalarSafetyTests
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
    [Fact]
    public void NoScalarIsMadeImplicitly_InTheLibraryOrTheTool()
    {
        var torchSharp = typeof(Scalar).Assembly;
        // TorchSharp methods that make a scalar inside, directly or through one more TorchSharp method.
        var direct = Methods(torchSharp).Where(m => Calls(m).Any(MakesScalar)).ToHashSet();
        var inside = direct.ToHashSet();
        foreach (var m in Methods(torchSharp))
            if (Calls(m).Any(direct.Contains)) inside.Add(m);
        Assert.Contains(inside, m => m.Name == "square"); // the scan itself works

        var found = new List<string>();
        foreach (var assembly in new[] { typeof(Guard).Assembly, typeof(TripletSharp.Cli.ExitCodes).Assembly })
            foreach (var m in Methods(assembly))
            {
                if (m.DeclaringType == typeof(Scalars) || m.DeclaringType?.DeclaringType == typeof(Scalars)) continue;
                foreach (var c in Calls(m))
                {
                    string? why = MakesScalar(c) ? "makes a scalar implicitly" : inside.Contains(c) ? "calls a TorchSharp method that makes one inside" : null;
                    if (why is not null)
                        found.Add($"{m.DeclaringType!.FullName}.{m.Name} {why}: {c.DeclaringType!.Name}.{c.Name}({string.Join(", ", c.GetParameters().Select(p => p.ParameterType.Name))})");
                }
            }
        Assert.True(found.Count == 0, $"{found.Count} call(s); use TripletSharp.Scalars instead:\n" + string.Join("\n", found.Distinct().Order()));
    }

    private static bool MakesScalar(MethodBase m) =>
        (m.DeclaringType == typeof(Scalar) && m.Name == "op_Implicit") || (m.Name == "ToScalar" && m.DeclaringType?.Namespace == "TorchSharp");

    private static IEnumerable<MethodBase> Methods(Assembly a) =>
        a.GetTypes().SelectMany(t => t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All)));

    /// <summary>The methods <paramref name="method"/> calls, read from its IL.</summary>
    private static IEnumerable<MethodBase> Calls(MethodBase method) =>
        IlReader.Members(method).Where(x => x.Op == OpCodes.Call || x.Op == OpCodes.Callvirt || x.Op == OpCodes.Newobj)
            .Select(x => x.Member).OfType<MethodBase>();
}
