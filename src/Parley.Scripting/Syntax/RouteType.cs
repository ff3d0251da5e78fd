namespace Parley.Scripting.Syntax;

/// <summary>The kinds of route blocks an OpenSIPS 3.x script can declare.</summary>
public enum RouteType
{
    Request,
    Branch,
    Failure,
    OnReply,
    Local,
    Error,
    Startup,
    Timer,
    Event,
}
