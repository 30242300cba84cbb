package dev.safetap.compiler;

/** The kinds of tokens of the script language. */
enum TokenKind {
    IDENT, INT, STRING,
    /** {@code @name} or the bare {@code @}; text includes the {@code @}. */
    MAP,
    /** {@code $name}, {@code $1} or {@code $#}; text includes the {@code $}. */
    VAR,
    LBRACE, RBRACE, LPAREN, RPAREN, LBRACKET, RBRACKET,
    COMMA, SEMI, COLON, DOT, ARROW, QUESTION,
    PLUS, MINUS, STAR, SLASH, PERCENT, AMP, PIPE, CARET, TILDE, BANG,
    LT, GT, LE, GE, EQEQ, NE, ANDAND, OROR, SHL, SHR,
    ASSIGN, PLUS_ASSIGN, MINUS_ASSIGN, STAR_ASSIGN, SLASH_ASSIGN, PERCENT_ASSIGN,
    AMP_ASSIGN, PIPE_ASSIGN, CARET_ASSIGN, SHL_ASSIGN, SHR_ASSIGN,
    INC, DEC,
    EOF
}
