namespace Parley.Dialogs.Core;

/// <summary>Which way an in-dialog request flows (<c>$DLG_dir</c>).</summary>
public enum DialogDirection
{
    None = 0,

    /// <summary>From the caller toward a callee.</summary>
    Downstream = 1,

    /// <summary>From a callee toward the caller.</summary>
    Upstream = 2,
}
