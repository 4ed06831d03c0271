namespace Stagecraft.Pipelines;

/// <summary>
/// A reflection-free call of one stage method, emitted by the generator. <paramref name="arguments"/> is aligned
/// with <see cref="StageDescriptor.Parameters"/> (the runtime fills context and token slots too); the result is
/// the awaited return value, boxed.
/// </summary>
public delegate ValueTask<object?> StageInvoker(object?[] arguments);
