"""Syntax errors a learner can act on: Lark's reports turned into messages about the
character that was typed, with its 0-based position (DESIGN §3). Positions inside a message
are for the learner and count from 1 ("the '(' at character 3").

Kept apart from the parser so that the grammar's callbacks and the explanations of what
went wrong can each be read on their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import ClassVar

from lark import Token
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from app.mathlang.errors import MathError

Lexer = Callable[[str], Iterator[Token]]
"""The grammar's lexer (``Lark.lex``): used to find the token before a failure."""

OPERATOR_TOKENS = frozenset(
    {"PLUS", "MINUS", "STAR", "AT", "SLASH", "EMUL", "EDIV", "CARET", "ECARET", "EQEQ"}
)


def token_start(token: Token) -> int:
    """Where a token starts (Lark types it as optional; our lexer always sets it)."""
    return token.start_pos or 0


class BareFunction(MathError):
    """A built-in function name without its parentheses (``sin x``, ``sin^2(x)``)."""

    EXAMPLES: ClassVar[dict[str, str]] = {
        "eye": "eye(3)",
        "zeros": "zeros(3)",
        "max": "max(a, b)",
        "min": "min(a, b)",
    }

    DERIVATIVES: ClassVar[dict[str, str]] = {
        "relu": "step(z)",
        "sigmoid": "sigmoid(z) .* (1 - sigmoid(z))",
        "tanh": "1 - tanh(z).^2",
        "exp": "exp(z)",
        "log": "1 ./ z",
        "ln": "1 ./ z",
        "sin": "cos(z)",
        "cos": "-sin(z)",
        "sqrt": "0.5 ./ sqrt(z)",
    }

    def __init__(self, func: str, position: int) -> None:
        super().__init__("syntax", f"`{func}` needs parentheses", position)
        self.func = func

    def explained(self, text: str) -> MathError:
        position = self.position or 0
        rest = text[position + len(self.func) :].lstrip()
        power = re.match(r"\^\s*([0-9]+)\s*\(", rest)
        if rest.startswith("'"):
            written = self.DERIVATIVES.get(self.func)
            message = (
                f"{self.func}' (a derivative written with a prime) is not part of the language: "
                + (
                    f"write it out, {self.func}'(z) is {written}"
                    if written
                    else f"write the derivative of {self.func} as a formula"
                )
            )
        elif power:
            message = (
                f"write {self.func}(x)^{power.group(1)} for the power of {self.func}, "
                f"not {self.func}^{power.group(1)}(x)"
            )
        else:
            call = self.EXAMPLES.get(self.func, f"{self.func}(x)")
            message = f"`{self.func}` needs parentheses around its argument: {call}"
        return MathError("syntax", message, position)


_CLOSERS = {"RPAR": ("(", ")"), "RPAR_INDEXED": ("(", ")"), "RBRACK": ("[", "]")}
_CHARACTER_HINTS = {
    ".": "a '.' belongs in a number (0.5) or in .*, ./, .^ or .T",
    "_": "a name starts with a letter (x, W1, x_2), not with '_'",
    '"': "quotes have no meaning here: there are no strings in the language",
    "{": "use ( ) for grouping, not { }",
    "}": "use ( ) for grouping, not { }",
    "=": (
        "'=' is not an operator: write only the answer, not an equation (W, not dy/dx = W); "
        "to compare indices write [i==j]"
    ),
    "|": "write abs(x) or norm(x) instead of bars",
    "\\": "LaTeX commands are not understood: write sqrt(x), x^T, A^-1, ...",
    "²": "write x^2 instead of x²",
    "³": "write x^3 instead of x³",
    "!": "'!' is not an operator here",
}


def _quote(text: str) -> str:
    return f'"{text}"' if "'" in text else f"'{text}'"


def describe(exc: UnexpectedInput, text: str, lex: Lexer) -> MathError:
    """Turn Lark's report into a message about the character the learner typed."""
    if isinstance(exc, UnexpectedCharacters):
        position = exc.pos_in_stream or 0
        char = text[position]
        hint = _CHARACTER_HINTS.get(char)
        if hint is None and unicodedata.category(char).startswith("L"):
            spelled = unicodedata.name(char, "").split(" ")[-1].lower()
            hint = "names use the letters a-z and A-Z" + (
                f": write {spelled} instead of {char}"
                if "GREEK" in unicodedata.name(char, "")
                else ""
            )
        message = f"unexpected character {_quote(char)}"
        return MathError("syntax", f"{message}: {hint}" if hint else message, position)
    if isinstance(exc, UnexpectedToken):
        return _describe_token(exc.token, text, lex)
    return MathError("syntax", "the expression could not be read", exc.pos_in_stream)


def _describe_token(token: Token, text: str, lex: Lexer) -> MathError:
    before = _previous_token(text, token_start(token) if token.type != "$END" else len(text), lex)
    opened = _open_brackets(text, len(text) if token.type == "$END" else token_start(token))
    shown = _quote(str(token))
    after = f" after {_quote(str(before))}" if before is not None else ""
    if token.type == "$END":
        if opened:
            char, where = opened[-1]
            closer = ")" if char == "(" else "]"
            return MathError(
                "syntax",
                f"missing closing '{closer}' for the '{char}' at character {where + 1}",
                len(text),
            )
        return MathError(
            "syntax",
            f"the expression ends{after}: something is missing after it",
            len(text),
        )
    position = token_start(token)
    if token.type in _CLOSERS:
        opener, closer = _CLOSERS[token.type]
        if opened and opened[-1][0] != opener:
            char, where = opened[-1]
            other = ")" if char == "(" else "]"
            message = (
                f"unexpected {shown}: close the '{char}' at character {where + 1} "
                f"with '{other}' first"
            )
        elif not opened:
            message = f"unexpected {shown}: there is no '{opener}' before it for it to close"
        elif before is not None and before.type in ("LPAR", "LBRACK"):
            message = f"empty {before}{token}: put something inside"
        else:
            message = f"unexpected {shown}: something is missing before it"
        return MathError("syntax", message, position)
    if before is not None and before.type == token.type == "STAR":
        return MathError("syntax", "use ^ for powers (x^2), not **", token_start(before))
    if before is not None and before.type == token.type == "SLASH":
        return MathError("syntax", "'//' is not an operator: use / to divide", token_start(before))
    if token.type == "COMMA":
        hint = "commas separate the arguments of a function or the entries of [ ]"
    elif token.type == "EQEQ":
        hint = "'==' is only used inside brackets, as in [i==j]"
    elif token.type == "TRANSPOSE":
        hint = "a transpose follows what it transposes, as in x^T or x'"
    elif token.type in OPERATOR_TOKENS and (before is None or before.type in OPERATOR_TOKENS):
        hint = "something is missing before it"
    else:
        hint = ""
    message = f"unexpected {shown}{after}"
    return MathError("syntax", f"{message}: {hint}" if hint else message, position)


def _previous_token(text: str, position: int, lex: Lexer) -> Token | None:
    """The last token before ``position`` (lexing again is linear and cheap)."""
    last = None
    try:
        for token in lex(text):
            if token_start(token) >= position:
                break
            last = token
    except LarkError:
        pass  # a bad character after ``position`` does not matter here
    return last


def _open_brackets(text: str, position: int) -> list[tuple[str, int]]:
    """The brackets still open before ``position``, innermost last."""
    stack: list[tuple[str, int]] = []
    for where, char in enumerate(text[:position]):
        if char in "([":
            stack.append((char, where))
        elif char in ")]" and stack:
            stack.pop()
    return stack
