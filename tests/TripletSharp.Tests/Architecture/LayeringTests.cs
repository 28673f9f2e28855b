using System.Reflection;
using System.Reflection.Emit;

namespace TripletSharp.Tests.Architecture;

/// <summary>
/// Keeps ARCHITECTURE.md true: reads every type of the built library (signatures, fields, and the IL of every method,
/// lambdas and iterators included) and fails when a layer uses one above it, or when the library writes to the console.
/// </summary>
public class LayeringTests
{
    /// <summary>The library's layers, bottom first. A namespace may use its own and lower layers, never a peer or a higher one.</summary>
    internal static readonly (int Layer, string Namespace)[] Layers =
    [
        (0, "TripletSharp"),
        (1, "TripletSharp.Engine"),
        (2, "TripletSharp.Distances"),
        (3, "TripletSharp.Mining"),
        (3, "TripletSharp.Sampling"),
        (3, "TripletSharp.Search"),
        (4, "TripletSharp.Losses"),
        (4, "TripletSharp.Evaluation"),
        (5, "TripletSharp.Components"),
        (6, "TripletSharp.Data"),
        (7, "TripletSharp.Models"),
        (8, "TripletSharp.Training"),
        (8, "TripletSharp.Export"),
        (10, "TripletSharp.Recommendation"),
        (9, "TripletSharp.Reporting"),
        (10, "TripletSharp.Serving"),
    ];

    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
    private static Assembly Library => typeof(Guard).Assembly;

    internal static int? LayerOf(string? ns)
    {
        if (ns is null) return null;
        foreach (var (layer, name) in Layers.OrderByDescending(l => l.Namespace.Length))
            if (ns == name || ns.StartsWith(name + ".", StringComparison.Ordinal)) return layer;
        return null;
    }

    private static string LayerName(string ns) => Layers.OrderByDescending(l => l.Namespace.Length).First(l => ns == l.Namespace || ns.StartsWith(l.Namespace + ".", StringComparison.Ordinal)).Namespace;

    [Fact]
    public void EveryLibraryNamespaceHasALayer()
    {
        var missing = Library.GetTypes().Select(t => t.Namespace).Where(n => n is not null && !n.StartsWith("System", StringComparison.Ordinal) && !n.StartsWith("Microsoft", StringComparison.Ordinal))
            .Distinct().Where(n => LayerOf(n) is null).ToList();
        Assert.True(missing.Count == 0, "namespaces without a layer (add them to ARCHITECTURE.md and this table): " + string.Join(", ", missing));
    }

    [Fact]
    public void NoLayerUsesAPeerOrAHigherLayer()
    {
        var found = new SortedSet<string>();
        foreach (var type in Library.GetTypes())
        {
            var from = OuterNamespace(type);
            if (LayerOf(from) is not int fromLayer) continue;
            string fromName = LayerName(from!);
            foreach (var used in UsedTypes(type))
            {
                if (used.Assembly != Library) continue;
                var to = OuterNamespace(used);
                if (LayerOf(to) is not int toLayer) continue;
                string toName = LayerName(to!);
                if (toName == fromName) continue;
                if (toLayer >= fromLayer)
                    found.Add($"{fromName} (layer {fromLayer}) uses {toName} (layer {toLayer}): {Describe(type)} → {Describe(used)}");
            }
        }
        Assert.True(found.Count == 0, $"{found.Count} use(s) against the layering (ARCHITECTURE.md):\n" + string.Join("\n", found));
    }

    [Fact]
    public void TheLibraryNeverWritesToTheConsoleNorUsesTheTool()
    {
        var found = new SortedSet<string>();
        foreach (var type in Library.GetTypes())
            foreach (var used in UsedTypes(type))
                if (used == typeof(Console) || used.Assembly.GetName().Name == "triplet")
                    found.Add($"{Describe(type)} → {Describe(used)}");
        Assert.DoesNotContain(Library.GetReferencedAssemblies(), a => a.Name == "triplet");
        Assert.True(found.Count == 0, "the library must raise events or return values, not draw on the console or call the tool:\n" + string.Join("\n", found));
    }

    [Fact]
    public void AssembliesDependDownwardOnly()
    {
        // The core library knows nothing of the tool, the service or the ONNX runtime side; the ONNX embedder runs without libtorch.
        var core = Library.GetReferencedAssemblies().Select(a => a.Name).ToHashSet();
        Assert.DoesNotContain("triplet", core);
        Assert.DoesNotContain("TripletSharp.Serving", core);
        Assert.DoesNotContain("TripletSharp.Onnx", core);
        Assert.DoesNotContain("Microsoft.ML.OnnxRuntime", core);
        var onnx = typeof(TripletSharp.Onnx.OnnxEmbedder).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain(onnx, n => n!.StartsWith("TorchSharp", StringComparison.Ordinal) || n == "TripletSharp");
    }

    [Fact]
    public void TheToolUsesOnlyThePublicSurface()
    {
        // No InternalsVisibleTo for the tool: what it needs, a user of the library can have too.
        Assert.DoesNotContain(Library.GetCustomAttributes<System.Runtime.CompilerServices.InternalsVisibleToAttribute>(), a => a.AssemblyName == "triplet");
        // Plumbing stays internal; the public surface is what a user should touch.
        string[] plumbing = ["Data.IdxWriter", "Data.IdxImages", "Data.FashionMnist", "Evaluation.KMeans", "Evaluation.ClusteringMetrics",
            "Reporting.Pca", "Reporting.Tsne", "Reporting.HtmlReportWriter", "Reporting.ReportData", "Reporting.HistoryRow"];
        foreach (var name in plumbing)
        {
            var type = Library.GetType("TripletSharp." + name, throwOnError: true)!;
            Assert.False(type.IsPublic, $"{type.FullName} is plumbing and should be internal");
        }
        Assert.DoesNotContain(Library.GetExportedTypes(), t => t.Namespace == "TripletSharp.Engine");
    }

    [Fact]
    public void TheScanSeesUsesInsideMethodBodies()
    {
        // A method that uses ExactKnn only inside its body (no signature mentions it) must be seen.
        var uses = UsedTypes(typeof(LayeringProbe)).ToHashSet();
        Assert.Contains(typeof(Console), uses);
        Assert.Contains(typeof(TripletSharp.Search.ExactKnn), uses);
    }

    private static class LayeringProbe
    {
        public static void Touch() => Console.WriteLine(typeof(TripletSharp.Search.ExactKnn).Name);
    }

    private static string? OuterNamespace(Type t)
    {
        while (t.DeclaringType is not null) t = t.DeclaringType;
        return t.Namespace;
    }

    private static string Describe(Type t) => t.FullName ?? t.Name;

    /// <summary>Every type <paramref name="type"/> mentions: base, interfaces, fields, properties, signatures, attributes and method bodies.</summary>
    internal static IEnumerable<Type> UsedTypes(Type type)
    {
        var seen = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericParameter) return;
            if (!seen.Add(t)) return;
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                Add(t.GetGenericTypeDefinition());
                foreach (var a in t.GetGenericArguments()) Add(a);
            }
        }
        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        foreach (var a in type.GetCustomAttributesData()) Add(a.AttributeType);
        foreach (var f in type.GetFields(All)) Add(f.FieldType);
        foreach (var p in type.GetProperties(All)) Add(p.PropertyType);
        foreach (var e in type.GetEvents(All)) Add(e.EventHandlerType);
        foreach (var m in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            if (m is MethodInfo mi) Add(mi.ReturnType);
            foreach (var p in m.GetParameters()) Add(p.ParameterType);
            foreach (var t in BodyTypes(m)) Add(t);
        }
        return seen;
    }

    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        MethodBody? body;
        try { body = method.GetMethodBody(); }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException) { yield break; }
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        foreach (var (_, member) in IlReader.Members(method))
        {
            switch (member)
            {
                case Type t: yield return t; break;
                case FieldInfo f: yield return f.DeclaringType!; yield return f.FieldType; break;
                case MethodBase m:
                    yield return m.DeclaringType!;
                    if (m is MethodInfo mi) { yield return mi.ReturnType; foreach (var g in mi.IsGenericMethod ? mi.GetGenericArguments() : []) yield return g; }
                    foreach (var p in m.GetParameters()) yield return p.ParameterType;
                    break;
            }
        }
    }
}
