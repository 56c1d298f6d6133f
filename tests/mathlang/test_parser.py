"""The parser builds the documented tree for every construct of DESIGN §3, with positions,
and answers malformed text with a syntax error pointing at the offending character."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lark import Lark, logger

from app.mathlang.ast import (
    Binary,
    Call,
    Index,
    Matrix,
    Name,
    Node,
    Number,
    Transpose,
    Unary,
    Vector,
    walk,
)
from app.mathlang.errors import MathError
from app.mathlang.parser import parse
from tests.mathlang.strategies import FUNCTIONS

GRAMMAR = Path(__file__).parents[2] / "app" / "mathlang" / "grammar.lark"


def N(value: float) -> Number:
    return Number(float(value))


def V(name: str) -> Name:
    return Name(name)


def mul(left: Node, right: Node) -> Binary:
    return Binary("*", left, right)


x, y, z, A, W, b = (V(n) for n in "xyzAWb")


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("2", N(2)),
        ("0.5", N(0.5)),
        (".5", N(0.5)),
        ("1e-3", N(1e-3)),
        ("2.5E+2", N(250)),
        ("x", x),
        ("W_1", V("W_1")),
        ("x + y - z", Binary("-", Binary("+", x, y), z)),
        ("x - (y - z)", Binary("-", x, Binary("-", y, z))),
        ("W x", mul(W, x)),
        ("2x", mul(N(2), x)),
        ("x^T A x", mul(mul(Transpose(x), A), x)),
        ("2 A^T (A x - b)", mul(mul(N(2), Transpose(A)), Binary("-", mul(A, x), b))),
        ("3 x^2 y", mul(mul(N(3), Binary("^", x, N(2))), y)),
        ("a -b", Binary("-", V("a"), b)),
        ("a (-b)", mul(V("a"), Unary("-", b))),
        ("a * -b", mul(V("a"), Unary("-", b))),
        ("x * y", mul(x, y)),
        ("x · y × z", mul(mul(x, y), z)),
        ("A @ x", Binary("@", A, x)),
        ("x .* y", Binary(".*", x, y)),
        ("x ⊙ y", Binary(".*", x, y)),
        ("x ./ y", Binary("./", x, y)),
        ("x ⊘ y", Binary("./", x, y)),
        ("x / 2", Binary("/", x, N(2))),
        ("x / y / z", Binary("/", Binary("/", x, y), z)),
        ("x.^2", Binary(".^", x, N(2))),
        ("x^2", Binary("^", x, N(2))),
        ("2^3^2", Binary("^", N(2), Binary("^", N(3), N(2)))),
        ("A^-1", Binary("^", A, N(-1))),
        ("A^(-1)", Binary("^", A, N(-1))),
        ("2^-1", Binary("^", N(2), N(-1))),
        ("e^(x)", Binary("^", V("e"), x)),
        ("e^-x^2", Binary("^", V("e"), Unary("-", Binary("^", x, N(2))))),
        ("e^2x", mul(Binary("^", V("e"), N(2)), x)),
        ("-x^2", Unary("-", Binary("^", x, N(2)))),
        ("-2^2", Unary("-", Binary("^", N(2), N(2)))),
        ("-2 x", mul(N(-2), x)),
        ("- -x", Unary("-", Unary("-", x))),
        ("+x", Unary("+", x)),
        ("-x y", mul(Unary("-", x), y)),
        ("x - -1", Binary("-", x, N(-1))),
        ("A^T", Transpose(A)),
        ("A'", Transpose(A)),
        ("A.T", Transpose(A)),
        ("Aᵀ", Transpose(A)),
        ("transpose(A)", Transpose(A)),
        ("A''", Transpose(Transpose(A))),
        ("x'y", mul(Transpose(x), y)),
        ("A^T^2", Binary("^", Transpose(A), N(2))),
        ("A^2^T", Transpose(Binary("^", A, N(2)))),
        ("A^-1^T", Transpose(Binary("^", A, N(-1)))),
        ("x^Tau", Binary("^", x, V("Tau"))),
        ("x^(T)", Binary("^", x, V("T"))),
        ("sin(x)", Call("sin", (x,))),
        ("sin (x)", Call("sin", (x,))),
        ("ln(x)", Call("log", (x,))),
        ("max(x, 0)", Call("max", (x, N(0)))),
        ("ones(3, 4)", Call("ones", (N(3), N(4)))),
        ("ones", V("ones")),
        ("ones^T x", mul(Transpose(V("ones")), x)),
        ("ones (x)", mul(V("ones"), x)),
        ("z I + A", Binary("+", mul(z, V("I")), A)),
        ("eye(2)", Call("eye", (N(2),))),
        ("sinx", V("sinx")),
        (
            "log(sin(x^3)^2)",
            Call("log", (Binary("^", Call("sin", (Binary("^", x, N(3)),)), N(2)),)),
        ),
        ("[1, 2, 3]", Vector((N(1), N(2), N(3)))),
        ("[x]", Vector((x,))),
        ("[[1, 2], [3, 4]]", Matrix(((N(1), N(2)), (N(3), N(4))))),
        ("[[1, 2]]", Matrix(((N(1), N(2)),))),
        (
            "[3 x^2 y, 2x + y^8]",
            Vector(
                (
                    mul(mul(N(3), Binary("^", x, N(2))), y),
                    Binary("+", mul(N(2), x), Binary("^", y, N(8))),
                )
            ),
        ),
        ("[[1], x]", Vector((Vector((N(1),)), x))),
        ("x[k]", Index(x, (V("k"),))),
        ("W[i, k]", Index(W, (V("i"), V("k")))),
        ("W[2, 3]", Index(W, (N(2), N(3)))),
        ("x [1, 2]", mul(x, Vector((N(1), N(2))))),
        ("delta(i, j)", Call("delta", (V("i"), V("j")))),
        ("[i==j]", Call("delta", (V("i"), V("j")))),
        ("delta(i,j) * x[k]", mul(Call("delta", (V("i"), V("j"))), Index(x, (V("k"),)))),
        (
            "9^9^9^9^9",
            Binary("^", N(9), Binary("^", N(9), Binary("^", N(9), Binary("^", N(9), N(9))))),
        ),
        (" \tx\n+\r\u00a0y ", Binary("+", x, y)),
        ("x − y", Binary("-", x, y)),
        ("sin\u2009(x)\u3000+\u00a0y", Binary("+", Call("sin", (x,)), y)),
    ],
)
def test_construct(text: str, tree: Node) -> None:
    assert parse(text) == tree


def test_every_builtin_is_a_call_and_needs_parentheses() -> None:
    for func in FUNCTIONS:
        assert parse(f"{func}(x)") == Call(func, (x,)), func
        if func != "ones":
            with pytest.raises(MathError) as caught:
                parse(f"2 {func} x")
            assert (caught.value.kind, caught.value.position) == ("syntax", 2), func
            assert f"`{func}` needs parentheses" in caught.value.message


def test_builtin_list_of_grammar_matches_the_strategies() -> None:
    callee = re.search(r"^CALLEE\.\d+: /(.*)/$", GRAMMAR.read_text(), re.MULTILINE)
    assert callee is not None
    spelled = set(re.findall(r"[a-z]+", callee.group(1).split("(?=")[1]))
    assert spelled == (set(FUNCTIONS) - {"ones"}) | {"transpose", "ln"}


def test_positions_cover_the_text_of_each_node() -> None:
    text = "2 A^T (A x - b) + sin(x)"
    tree = parse(text)
    spans = {text[node.pos : node.end] for node in walk(tree)}
    assert {"2", "A", "A^T", "2 A^T", "(A x - b)", "A x", "b", "sin(x)", text} <= spans
    assert (tree.pos, tree.end) == (0, len(text))


def test_positions_of_signed_literals_indexes_and_literals() -> None:
    text = "x^-1 + W[i, k] + [[1, 2], [3, 4]] + [i==j]"
    spans = {(type(n).__name__, text[n.pos : n.end]) for n in walk(parse(text))}
    assert ("Number", "-1") in spans
    assert ("Index", "W[i, k]") in spans
    assert ("Name", "k") in spans
    assert ("Matrix", "[[1, 2], [3, 4]]") in spans
    assert ("Call", "[i==j]") in spans


def test_number_keeps_its_spelling() -> None:
    tree = parse("1e-3")
    assert isinstance(tree, Number) and tree.text == "1e-3"
    folded = parse("-2.50")
    assert isinstance(folded, Number) and (folded.value, folded.text) == (-2.5, "-2.50")


def test_grammar_has_no_conflicts(caplog: pytest.LogCaptureFixture) -> None:
    """Lark resolves a shift/reduce conflict silently; in debug mode it logs a warning."""
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG, logger="lark"):
            Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", lexer="basic", debug=True)
    finally:
        logger.setLevel(previous)
    assert not [r for r in caplog.records if "conflict" in r.getMessage().lower()]


def error(text: str) -> MathError:
    with pytest.raises(MathError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("(x + y", 6, "missing closing ')' for the '(' at character 1"),
        ("[x, y", 5, "missing closing ']' for the '[' at character 1"),
        ("sin(x", 5, "missing closing ')' for the '(' at character 4"),
        ("x)", 1, "no '(' before it"),
        ("x]", 1, "no '[' before it"),
        ("[x, y)", 5, "close the '[' at character 1 with ']' first"),
        ("(x + ]", 5, "close the '(' at character 1 with ')' first"),
        ("(x+)", 3, "something is missing before it"),
        ("()", 1, "empty ()"),
        ("[]", 1, "empty []"),
        ("x +", 3, "ends after '+'"),
        ("x ^", 3, "ends after '^'"),
        ("2 *", 3, "ends after '*'"),
        ("* x", 0, "unexpected '*'"),
        ("x + * y", 4, "unexpected '*' after '+'"),
        ("x ** 2", 2, "use ^ for powers"),
        ("x // 2", 2, "use / to divide"),
        ("sin x", 0, "`sin` needs parentheses around its argument: sin(x)"),
        ("max", 0, "max(a, b)"),
        ("eye + x", 0, "eye(3)"),
        ("2 sin^2(x)", 2, "write sin(x)^2 for the power of sin, not sin^2(x)"),
        ("x, y", 1, "unexpected ','"),
        ("x == y", 2, "only used inside brackets"),
        ("'x", 0, "a transpose follows what it transposes"),
        ("x.", 1, "a '.' belongs in a number"),
        ("W.__class__", 1, "a '.' belongs in a number"),
        ("_x", 0, "starts with a letter"),
        ('"x"', 0, "no strings"),
        ("{x}", 0, "use ( ) for grouping"),
        ("x = 2", 2, "'=' is not an operator"),
        ("|x|", 0, "abs(x)"),
        ("\\frac{1}{2}", 0, "LaTeX"),
        ("x²", 1, "x^2"),
        ("2 α", 2, "write alpha instead of α"),
        ("x;", 1, "unexpected character ';'"),
        ("x[k+1]", 2, "an index of x must be an index name"),
        ("x[0]", 2, "whole number from 1"),
        ("x[1.5]", 2, "whole number from 1"),
        ("[[1, 2], [3]]", 9, "same number of entries"),
        ("transpose(a, b)", 0, "transpose takes one argument"),
        ("x\x00y", 1, "control character U+0000"),
        ("x\x1by", 1, "control character U+001B"),
        ("x\x7f", 1, "control character U+007F"),
        ("x\u202ey", 1, "invisible character U+202E"),
        ("x\u200by", 1, "invisible character U+200B"),
        ("x\u2028y", 1, "invisible character U+2028"),
    ],
)
def test_syntax_error(text: str, position: int, words: str) -> None:
    caught = error(text)
    assert caught.kind == "syntax"
    assert caught.position == position
    assert words in caught.message


def test_caret_points_at_the_offending_character() -> None:
    text = "W x + (b"
    assert error(text).caret(text) == "W x + (b\n        ^"
    text = "W x) + b"
    assert error(text).caret(text) == "W x) + b\n   ^"


def test_only_text_is_accepted() -> None:
    caught = error(b"x")  # type: ignore[arg-type]
    assert caught.kind == "syntax"


def test_no_lark_exception_escapes_for_odd_characters() -> None:
    for char in '!#$%&:;<>?`~\\{}|"€ñ中😀\U0010ffff':
        caught = error(f"x {char} y")
        assert (caught.kind, caught.position) == ("syntax", 2), char


def test_one_parser_serves_concurrent_parses() -> None:
    texts = ["2 A^T (A x - b)", "x^T A x", "[[1, 2], [3, 4]] x", "delta(i,j) * x[k]"] * 25
    expected = [parse(text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(parse, texts)) == expected
