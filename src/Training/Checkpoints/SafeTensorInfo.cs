namespace ILGpuNet.Training.Checkpoints;

/// <summary>One tensor of a safetensors header: its dtype, shape (row-major) and byte range in the data section.</summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of elements: the product of the shape (1 for a scalar's empty shape).</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);

    public long ByteLength => End - Begin;

    public string ShapeText => FormatShape(Shape);

    public static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
}
