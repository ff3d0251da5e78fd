namespace Parley.Scripting.Runtime;

/// <summary>
/// Lets the transaction module answer a request statefully. <c>send_reply</c> (signaling) asks it first and falls back
/// to a stateless reply (sl) when there is no transaction. tm registers one with <see cref="ScriptRegistry.StatefulReplier"/>.
/// </summary>
public interface IStatefulReplier
{
    /// <summary>Replies within the request's transaction; false when the request has none (then sl answers).</summary>
    bool TryReply(ScriptContext context, int code, string reason);
}
