namespace Parley.Scripting.Syntax;

/// <summary>Kinds of tokens in an OpenSIPS 3.x routing script.</summary>
internal enum TokenKind
{
    EndOfFile,
    Identifier,
    Number,
    String,
    PseudoVariable,

    // Keywords
    If,
    Else,
    While,
    Switch,
    Case,
    Default,
    Break,
    Return,
    Exit,
    Drop,
    Route,
    BranchRoute,
    FailureRoute,
    OnReplyRoute,
    LocalRoute,
    ErrorRoute,
    StartupRoute,
    TimerRoute,
    EventRoute,
    LoadModule,
    ModParam,
    IncludeFile,
    ImportFile,
    Null,

    // Assignment operators
    Assign,
    ColonAssign,
    PlusAssign,
    MinusAssign,

    // Comparison and matching
    Equal,
    NotEqual,
    Less,
    Greater,
    LessEqual,
    GreaterEqual,
    Match,
    NotMatch,

    // Logical, arithmetic and bitwise
    AndAnd,
    OrOr,
    Not,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Ampersand,
    Pipe,
    Caret,
    Tilde,
    ShiftLeft,
    ShiftRight,
    Dot,

    // Punctuation
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    Comma,
    Semicolon,
    Colon,
}
