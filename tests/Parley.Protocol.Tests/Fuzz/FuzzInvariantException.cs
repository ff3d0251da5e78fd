namespace Parley.Protocol.Tests.Fuzz;

/// <summary>Thrown by <see cref="MessageExerciser"/> when a result breaks an invariant (a range outside the buffer, a bad Consumed, …).</summary>
public sealed class FuzzInvariantException : Exception
{
    public FuzzInvariantException()
    {
    }

    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    public FuzzInvariantException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
