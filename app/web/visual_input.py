"""What the visual math editor (MathLive) produces, turned into the answer language.

The editor reports its content as ASCII-math, which is close to the language but not the
same: it writes the transpose as ``^⊤``, the element-wise operators as ``⊙`` and ``⊘``,
products as ``*`` or by juxtaposition without a space (``Wx``), operator names letter by
letter (``d i a g (x)``), ``x_(i,j)`` for an entry, ``(a)/(b)`` for a fraction and
``[[1,2],[3,4]]`` for a matrix. :func:`from_ascii_math` rewrites that text token by token;
the result is then read by the language's own grammar like anything the learner types, so
nothing here decides what an answer means, it only spells it the way the grammar expects.

Runs of letters are split into the names the exercise knows (its variables and index
names, and the language's functions), longest first: with ``W`` and ``x`` declared, ``Wx``
is ``W x``, and ``d i a g`` is ``diag``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.mathlang.functions import BUILTINS

_TOKEN = re.compile(
    r'\s+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z]+|\(sf\s*"T"\)|"[^"]*"|\.\*|\./|\.\^|[^\sA-Za-z\d]'
)
_SYMBOLS = {
    "⊙": ".*",
    "⊘": "./",
    "·": "*",
    "⋅": "*",
    "×": "*",
    "−": "-",
    "′": "'",
    "⊤": "T",
    "ᵀ": "T",
}
# Names the editor gives to what the language calls otherwise.
_ALIASES = {"sigma": "sigmoid", "σ": "sigmoid", "Tr": "tr"}
_OPEN = {"(": ")", "[": "]", "{": "}"}


def _tokens(text: str) -> list[str]:
    out = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token.startswith("(sf"):
            out.append("T")
        elif token.startswith('"'):
            out.extend(_tokens(token.strip('"')))
        elif not token.isspace():
            out.append(_SYMBOLS.get(token, token))
        elif out and out[-1] != " ":
            out.append(" ")
    return out


def _group(tokens: list[str], start: int) -> int:
    """The index just past the bracketed group opening at ``start``."""
    depth = 0
    for at in range(start, len(tokens)):
        if tokens[at] in _OPEN:
            depth += 1
        elif tokens[at] in _OPEN.values():
            depth -= 1
            if depth == 0:
                return at + 1
    return len(tokens)


def _segment(letters: str, known: set[str]) -> list[str]:
    """``Wx`` -> ``["W", "x"]`` with W and x known; unknown letters stay one by one."""
    out, at = [], 0
    longest = max((len(k) for k in known), default=1)
    while at < len(letters):
        for size in range(min(longest, len(letters) - at), 0, -1):
            piece = letters[at : at + size]
            if piece in known or size == 1:
                out.append(_ALIASES.get(piece, piece))
                at += size
                break
    return out


class _Converter:
    def __init__(self, names: Iterable[str]) -> None:
        self.names = set(names)
        self.known = self.names | set(BUILTINS) | set(_ALIASES)

    def convert(self, tokens: list[str]) -> str:
        out: list[str] = []
        at = 0
        while at < len(tokens):
            token = tokens[at]
            if token == " ":
                at += 1
                continue
            if token.isalpha():
                at = self._letters(tokens, at, out)
            elif token == "^":
                at = self._power(tokens, at + 1, out)
            elif token == "_":
                at = self._subscript(tokens, at + 1, out)
            elif token == "|":
                end = tokens.index("|", at + 1) if "|" in tokens[at + 1 :] else len(tokens)
                out.append(f"abs({self.convert(tokens[at + 1 : end])})")
                at = end + 1
            elif token in _OPEN:
                end = _group(tokens, at)
                inner = self.convert(tokens[at + 1 : end - 1])
                opener, closer = ("[", "]") if token == "[" else ("(", ")")
                glue = out and out[-1] in BUILTINS and token == "("
                piece = f"{opener}{inner}{closer}"
                if glue:
                    out[-1] += piece
                else:
                    out.append(piece)
                at = end
            else:
                out.append(token)
                at += 1
        return _join(out)

    def _letters(self, tokens: list[str], at: int, out: list[str]) -> int:
        """A run of letters, possibly spelt one by one with spaces (``r e l u``)."""
        letters = tokens[at]
        at += 1
        while (
            at + 1 < len(tokens)
            and tokens[at] == " "
            and tokens[at + 1].isalpha()
            and (len(tokens[at + 1]) == 1 or len(letters) == 1)
            and not (letters in self.names and tokens[at + 1] in self.names)
        ):
            letters += tokens[at + 1]
            at += 2
        words = _segment(letters, self.known)
        if words == ["e"] and "e" not in self.names and at < len(tokens) and tokens[at] == "^":
            end, exponent = self._exponent(tokens, at + 1)
            out.append(f"exp({exponent})")
            return end
        out.extend(words)
        return at

    def _exponent(self, tokens: list[str], at: int) -> tuple[int, str]:
        if at < len(tokens) and tokens[at] in _OPEN:
            end = _group(tokens, at)
            return end, self.convert(tokens[at + 1 : end - 1])
        if at < len(tokens) and tokens[at] == "-" and at + 1 < len(tokens):
            return at + 2, "-" + tokens[at + 1]
        return at + 1, tokens[at] if at < len(tokens) else ""

    def _power(self, tokens: list[str], at: int, out: list[str]) -> int:
        end, exponent = self._exponent(tokens, at)
        plain = exponent.replace(" ", "")
        if plain in ("T", "top", "'"):
            out[-1:] = [(out[-1] if out else "") + "^T"]
        elif plain.startswith("∘"):
            out[-1:] = [(out[-1] if out else "") + f" .^ ({plain[1:]})"]
        elif re.fullmatch(r"-?\d+(\.\d+)?", plain):
            out[-1:] = [(out[-1] if out else "") + f"^{plain}"]
        else:
            out[-1:] = [(out[-1] if out else "") + f"^({exponent})"]
        return end

    def _subscript(self, tokens: list[str], at: int, out: list[str]) -> int:
        end, index = self._exponent(tokens, at)
        index = index.replace(" ", "")
        base = out[-1] if out else ""
        if base == "delta":
            out[-1] = f"delta({index})"
        elif base == "1" and index.isdigit():
            out[-1] = f"ones({index})"
        else:
            out[-1:] = [f"{base}[{index}]"]
        return end


def _join(pieces: list[str]) -> str:
    text = ""
    for piece in pieces:
        if not text or piece in (",", ")", "]", "'") or text.endswith(("(", "[")):
            text += piece
        else:
            text += " " + piece
    return text


def from_ascii_math(text: str, names: Iterable[str] = ()) -> str:
    """The editor's ASCII-math in the answer language (``names``: the exercise's variables
    and index names). ``W^⊤x`` -> ``W^T x``; ``(1)/(N) sum(x)`` -> ``(1)/(N) sum(x)``."""
    return _Converter(names).convert(_tokens(text))
