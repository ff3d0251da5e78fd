namespace Parley.Scripting.Runtime.PseudoVariables;

/// <summary>
/// Message pseudo-variables: <c>$ci $cs $cl $rm $rs $rr $rv $rb $ml $mb $mi</c>. In a reply, <c>$rm</c> is the CSeq
/// method (the method of the request it answers), as in OpenSIPS; <c>$rs</c>/<c>$rr</c> are NULL in a request.
/// </summary>
internal static class MessageVariables
{
    public static void Register(ScriptRegistry registry)
    {
        CorePseudoVariables.AddSimple(registry, "ci", static ctx =>
            ctx.Message is { } m && m.CallId.Length > 0 ? ScriptValue.FromBytes(m.Buffer, m.CallId.Start, m.CallId.Length) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "cs", static ctx =>
            ctx.Message is { } m && m.TryGetCSeq(out var cseq) ? ScriptValue.FromInt(cseq.Number) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "cl", static ctx =>
            ctx.Message is { ContentLength: >= 0 } m ? ScriptValue.FromInt(m.ContentLength) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "rm", Method);
        CorePseudoVariables.AddSimple(registry, "rs", static ctx =>
            ctx.Message is { IsResponse: true } m ? ScriptValue.FromInt(m.StatusCode) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "rr", static ctx =>
            ctx.Message is { IsResponse: true } m ? ScriptValue.FromBytes(m.Buffer, m.ReasonPhrase.Start, m.ReasonPhrase.Length) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "rv", static ctx =>
            ctx.Message is { } m ? ScriptValue.FromBytes(m.Buffer, m.Version.Start, m.Version.Length) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "rb", static ctx =>
            ctx.Message is { } m && m.Body.Length > 0 ? ScriptValue.FromBytes(m.Buffer, m.Body.Start, m.Body.Length) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "ml", static ctx =>
            ctx.Message is { } m ? ScriptValue.FromInt(m.Length) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "mb", static ctx =>
            ctx.Message is { } m ? ScriptValue.FromBytes(m.Buffer, m.Start, m.Length) : ScriptValue.Null);
        CorePseudoVariables.AddSimple(registry, "mi", static ctx => ScriptValue.FromInt(ctx.Generation));
    }

    private static ScriptValue Method(ScriptContext ctx)
    {
        if (ctx.Message is not { } m)
        {
            return ScriptValue.Null;
        }

        if (m.IsRequest)
        {
            return ScriptValue.FromBytes(m.Buffer, m.MethodName.Start, m.MethodName.Length);
        }

        return m.TryGetCSeq(out var cseq) ? ScriptValue.FromBytes(m.Buffer, cseq.MethodName.Start, cseq.MethodName.Length) : ScriptValue.Null;
    }
}
