using System.Reflection;
using System.Reflection.Emit;

namespace TripletSharp.Tests;

/// <summary>Reads a method's IL: each instruction's opcode and, for a token operand, the member it names (for the IL scan tests).</summary>
internal static class IlReader
{
    private static readonly Dictionary<short, OpCode> OneByte = new(), TwoByte = new();

    static IlReader()
    {
        foreach (var f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)f.GetValue(null)!;
            if (op.Size == 1) OneByte[op.Value] = op;
            else TwoByte[(short)(op.Value & 0xff)] = op;
        }
    }

    /// <summary>The instructions of <paramref name="method"/> that carry a method, field, type or token operand, with that member resolved (null when it cannot be).</summary>
    public static IEnumerable<(OpCode Op, MemberInfo? Member)> Members(MethodBase method)
    {
        byte[]? il;
        try { il = method.GetMethodBody()?.GetILAsByteArray(); }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException) { yield break; }
        if (il is null) yield break;
        var type = method.DeclaringType!;
        var typeArgs = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int i = 0;
        while (i < il.Length)
        {
            OpCode op;
            if (il[i] == 0xFE) { op = TwoByte[il[i + 1]]; i += 2; }
            else { op = OneByte[il[i]]; i += 1; }
            int size = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try { member = method.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs); }
                catch (Exception e) when (e is ArgumentException or BadImageFormatException or TypeLoadException) { }
                yield return (op, member);
            }
            i += size;
        }
    }
}
