namespace Parley.Protocol.Tests.Torture;

/// <summary>The manifest's class column: which part of RFC 4475 a message comes from.</summary>
public enum TortureClass
{
    /// <summary>§3.1.1: syntactically valid, must be accepted.</summary>
    Valid,

    /// <summary>§3.1.2: syntactically invalid.</summary>
    Invalid,

    /// <summary>§3.2: transaction-layer semantics.</summary>
    SemanticTransaction,

    /// <summary>§3.3: application-layer semantics; the parser must not fail.</summary>
    SemanticApp,

    /// <summary>§3.4: RFC 2543 syntax.</summary>
    BackwardCompat,

    /// <summary>A file in the RFC's archive that no section describes.</summary>
    Undescribed,
}
