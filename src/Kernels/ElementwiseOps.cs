namespace ILGpuNet.Kernels;

/// <summary>
/// A pointwise function and its derivative, as a struct so that generic kernels specialise per op
/// (no op switch inside the kernel). <c>Backward</c> maps (x, dy) to dx.
/// </summary>
public interface IUnaryOp
{
    float Forward(float x);

    float Backward(float x, float dy);
}

public struct IdentityOp : IUnaryOp
{
    public readonly float Forward(float x) => x;

    public readonly float Backward(float x, float dy) => dy;
}

public struct SquareOp : IUnaryOp
{
    public readonly float Forward(float x) => x * x;

    public readonly float Backward(float x, float dy) => 2f * x * dy;
}

[OpKind("activation")]
public struct ReluOp : IUnaryOp
{
    public readonly float Forward(float x) => x > 0f ? x : 0f;

    // PyTorch's convention at the kink: the derivative at exactly 0 is 0.
    public readonly float Backward(float x, float dy) => x > 0f ? dy : 0f;
}

[OpKind("activation")]
public struct SigmoidOp : IUnaryOp
{
    public readonly float Forward(float x) => Sigmoid(x);

    public readonly float Backward(float x, float dy)
    {
        float s = Sigmoid(x);
        return dy * s * (1f - s);
    }

    /// <summary>
    /// 1 / (1 + e^-x) without a branch: for x far below zero e^-x overflows to +inf and the result is
    /// the correct limit 0 (branches cost much more than the exp on the CPU accelerator).
    /// </summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}

[OpKind("activation")]
public struct SiluOp : IUnaryOp
{
    public readonly float Forward(float x) => x * SigmoidOp.Sigmoid(x);

    // d/dx x*s(x) = s + x*s*(1-s) = s*(1 + x*(1-s))
    public readonly float Backward(float x, float dy)
    {
        float s = SigmoidOp.Sigmoid(x);
        return dy * s * (1f + x * (1f - s));
    }
}

/// <summary>A pointwise function of two operands with its partial derivatives.</summary>
public interface IBinaryOp
{
    float Forward(float a, float b);

    float GradA(float a, float b, float dy);

    float GradB(float a, float b, float dy);
}

public struct AddOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => a + b;

    public readonly float GradA(float a, float b, float dy) => dy;

    public readonly float GradB(float a, float b, float dy) => dy;
}

public struct SubOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => a - b;

    public readonly float GradA(float a, float b, float dy) => dy;

    public readonly float GradB(float a, float b, float dy) => -dy;
}

public struct MulOp : IBinaryOp
{
    public readonly float Forward(float a, float b) => a * b;

    public readonly float GradA(float a, float b, float dy) => dy * b;

    public readonly float GradB(float a, float b, float dy) => dy * a;
}
