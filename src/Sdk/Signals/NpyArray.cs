using System.Collections.Immutable;

namespace Stagecraft.Signals;

/// <summary>An n-dimensional float64 array in C (row-major) order: the content of an <see cref="NpySignal"/>.</summary>
public sealed class NpyArray
{
    /// <param name="data">The values, row-major.</param>
    /// <param name="shape">The dimensions; their product must equal the number of values (an empty shape is a scalar).</param>
    /// <exception cref="ArgumentException">A dimension is negative or the shape does not match the data length.</exception>
    public NpyArray(ReadOnlySpan<double> data, params ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new ArgumentException($"Shape ({string.Join(", ", shape.ToArray())}) has a negative dimension.", nameof(shape));
            }

            count *= dimension;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"Shape ({string.Join(", ", shape.ToArray())}) holds {count} values but {data.Length} were given.", nameof(shape));
        }

        Data = [.. data];
        Shape = [.. shape];
    }

    /// <summary>The values in row-major order.</summary>
    public ImmutableArray<double> Data { get; }

    /// <summary>The dimensions (empty for a scalar).</summary>
    public ImmutableArray<int> Shape { get; }

    /// <summary>A value of a two-dimensional array.</summary>
    /// <exception cref="InvalidOperationException">The array is not two-dimensional.</exception>
    public double this[int row, int column]
    {
        get
        {
            if (Shape.Length != 2)
            {
                throw new InvalidOperationException($"A [row, column] index needs a 2-D array; this one has shape ({string.Join(", ", Shape)}).");
            }

            ArgumentOutOfRangeException.ThrowIfNegative(row);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Shape[0]);
            ArgumentOutOfRangeException.ThrowIfNegative(column);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, Shape[1]);
            return Data[(row * Shape[1]) + column];
        }
    }
}
