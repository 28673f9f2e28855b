using System.Numerics;
using System.Runtime.CompilerServices;

namespace TripletSharp.Engine;

/// <summary>
/// Gathers one anchor's positive values from its matrix row and sorts them with their columns, the first step of every
/// row of the band kernels. For float the value and its position are packed into one 64-bit key (<see cref="PackedKeys"/>),
/// so a primitive sort (no companion array to permute) does the work; equal values come out by position.
/// </summary>
internal static class PositiveSort
{
    /// <summary>
    /// Fills <paramref name="values"/>[0..count) with the (negated when <paramref name="negate"/>) row values at the columns
    /// <paramref name="columns"/>[offset..offset+count), sorted ascending, and <paramref name="slots"/> with their positions
    /// 0..count−1 (or, with <paramref name="toColumns"/>, their columns).
    /// </summary>
    public static void Sort<T>(Span<T> row, long[] columns, long offset, int count, bool negate, T[] values, int[] slots, ulong[] keys, bool toColumns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            var f = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(row);
            for (int k = 0; k < count; k++)
            {
                int j = (int)columns[offset + k];
                float v = negate ? -f[j] : f[j];
                keys[k] = PackedKeys.Pack(v, k);
            }
            Array.Sort(keys, 0, count);
            var vf = Unsafe.As<T[], float[]>(ref values);
            for (int k = 0; k < count; k++)
            {
                int i = PackedKeys.Column(keys[k]);
                int j = (int)columns[offset + i];
                slots[k] = toColumns ? j : i;
                vf[k] = negate ? -f[j] : f[j];
            }
            return;
        }
        for (int k = 0; k < count; k++)
        {
            int j = (int)columns[offset + k];
            values[k] = negate ? -row[j] : row[j];
            slots[k] = toColumns ? j : k;
        }
        Array.Sort(values, slots, 0, count);
    }
}
