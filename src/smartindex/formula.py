"""A small, safe parser for formula text: DSL (``ratio(a, b)``) and plain arithmetic.

Text from a catalog file is never handed to ``eval``, ``exec`` or sympy's ``sympify``; this module
tokenizes it against a whitelist (numbers, input ids, ``+ - * / **``, parentheses, ``ratio``,
``weighted_mean``, ``growth`` and a ``unit="..."`` keyword of ``ratio``) and builds expression
nodes directly. Length, nesting depth, exponents and constant sizes are limited, so a hostile
file costs a clear error and nothing else.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from fractions import Fraction

import attrs

from smartindex.errors import FileFormatError
from smartindex.expr import (
    BinOp,
    Const,
    Expr,
    Growth,
    Input,
    Ratio,
    WeightedMean,
    fraction_text,
)

__all__ = ["MAX_DEPTH", "MAX_EXPONENT", "MAX_LENGTH", "input_names", "parse_formula", "to_text"]

#: Longest formula text accepted, in characters.
MAX_LENGTH = 4000
#: Deepest nesting of parentheses and calls accepted.
MAX_DEPTH = 40
#: Largest integer exponent accepted after ``**``.
MAX_EXPONENT = 8
#: Largest number of decimal digits in a constant's numerator or denominator.
MAX_DIGITS = 40

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?%?)
  | (?P<name>[A-Za-z][A-Za-z0-9_]*)
  | (?P<string>"[^"\\\n]{0,200}")
  | (?P<op>\*\*|[-+*/(),=])
    """,
    re.VERBOSE,
)
_FUNCTIONS = ("ratio", "weighted_mean", "growth")


@attrs.frozen
class _Token:
    kind: str
    text: str
    pos: int


def _fail(text: str, pos: int, message: str) -> FileFormatError:
    near = text[max(0, pos - 10) : pos + 10].replace("\n", " ")
    return FileFormatError(f"formula {message} at column {pos + 1} (near {near!r})")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _fail(text, pos, f"has a character that is not allowed: {text[pos]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(_Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _const(value: Fraction, text: str, pos: int) -> Const:
    if len(str(abs(value.numerator))) > MAX_DIGITS or len(str(value.denominator)) > MAX_DIGITS:
        raise _fail(text, pos, f"makes a constant longer than {MAX_DIGITS} digits")
    return Const(value)


def _fold(op: str, left: Expr, right: Expr, text: str, pos: int) -> Expr:
    """Combine two nodes, folding constant arithmetic so weights read back as constants."""
    if isinstance(left, Const) and isinstance(right, Const):
        a, b = left.value, right.value
        if op == "/" and b == 0:
            raise _fail(text, pos, "divides a constant by zero")
        if op == "+":
            return _const(a + b, text, pos)
        if op == "-":
            return _const(a - b, text, pos)
        return _const(a * b if op == "*" else a / b, text, pos)
    return BinOp(op, left, right)


class _Parser:
    """Recursive descent over the token list; every rule checks the depth limit."""

    def __init__(self, text: str, inputs: Mapping[str, Input]) -> None:
        self.text = text
        self.inputs = inputs
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    # --- helpers ---------------------------------------------------------------------
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.take(text):
            got = self.tok.text or "the end"
            raise _fail(self.text, self.tok.pos, f"expects {text!r} but finds {got!r}")

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _fail(self.text, self.tok.pos, f"nests deeper than {MAX_DEPTH} levels")

    # --- grammar ---------------------------------------------------------------------
    def parse(self) -> Expr:
        node = self.sum()
        if self.tok.kind != "end":
            raise _fail(self.text, self.tok.pos, f"has unexpected {self.tok.text!r}")
        return node

    def sum(self) -> Expr:
        self.enter()
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op, pos = self.tok.text, self.tok.pos
            self.i += 1
            node = _fold(op, node, self.product(), self.text, pos)
        self.depth -= 1
        return node

    def product(self) -> Expr:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            op, pos = self.tok.text, self.tok.pos
            self.i += 1
            node = _fold(op, node, self.unary(), self.text, pos)
        return node

    def unary(self) -> Expr:
        self.enter()
        pos = self.tok.pos
        if self.take("-"):
            node = _fold("*", Const(Fraction(-1)), self.unary(), self.text, pos)
        elif self.take("+"):
            node = self.unary()
        else:
            node = self.power()
        self.depth -= 1
        return node

    def power(self) -> Expr:
        base = self.atom()
        pos = self.tok.pos
        if not self.take("**"):
            return base
        exponent = self.unary()
        if not isinstance(exponent, Const) or exponent.value.denominator != 1:
            raise _fail(self.text, pos, "allows only a whole-number constant after '**'")
        n = exponent.value.numerator
        if abs(n) > MAX_EXPONENT:
            raise _fail(self.text, pos, f"has exponent {n}; at most {MAX_EXPONENT} is allowed")
        result: Expr = Const(Fraction(1))
        for k in range(abs(n)):
            result = base if k == 0 else _fold("*", result, base, self.text, pos)
        return _fold("/", Const(Fraction(1)), result, self.text, pos) if n < 0 else result

    def atom(self) -> Expr:
        tok = self.tok
        if tok.kind == "number":
            self.i += 1
            return self.number(tok)
        if tok.kind == "name":
            self.i += 1
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(tok)
            if tok.text not in self.inputs:
                raise _fail(self.text, tok.pos, f"names unknown input {tok.text!r}")
            return self.inputs[tok.text]
        if self.take("("):
            node = self.sum()
            self.expect(")")
            return node
        got = tok.text or "the end"
        raise _fail(self.text, tok.pos, f"expects a number, an input id or '(' but finds {got!r}")

    def number(self, tok: _Token) -> Const:
        text = tok.text
        scale = Fraction(1)
        if text.endswith("%"):
            text, scale = text[:-1], Fraction(1, 100)
        return _const(Fraction(text) * scale, self.text, tok.pos)

    def call(self, name: _Token) -> Expr:
        if name.text not in _FUNCTIONS:
            raise _fail(
                self.text,
                name.pos,
                f"calls {name.text!r}; only {', '.join(_FUNCTIONS)} may be called",
            )
        self.enter()
        self.expect("(")
        args: list[Expr] = []
        unit: str | None = None
        while True:
            if self.tok.kind == "name" and self.tokens[self.i + 1].text == "=":
                unit = self.keyword(name)
            else:
                args.append(self.sum())
            if not self.take(","):
                break
        self.expect(")")
        self.depth -= 1
        if name.text == "weighted_mean":
            return self.weighted_mean(args, name.pos)
        if len(args) != 2:
            raise _fail(self.text, name.pos, f"{name.text}() takes 2 arguments, got {len(args)}")
        if name.text == "growth":
            return Growth(args[0], args[1])
        return Ratio(args[0], args[1], unit)

    def keyword(self, name: _Token) -> str:
        key = self.tok
        self.i += 2
        value = self.tok
        if name.text != "ratio" or key.text != "unit" or value.kind != "string":
            raise _fail(self.text, key.pos, 'allows only the keyword unit="..." of ratio()')
        self.i += 1
        return value.text[1:-1]

    def weighted_mean(self, args: list[Expr], pos: int) -> Expr:
        if not args:
            raise _fail(self.text, pos, "weighted_mean() needs at least one term")
        terms: list[tuple[Expr, Fraction]] = []
        for arg in args:
            if isinstance(arg, BinOp) and arg.op == "*" and isinstance(arg.left, Const):
                terms.append((arg.right, arg.left.value))
            elif isinstance(arg, BinOp) and arg.op == "*" and isinstance(arg.right, Const):
                terms.append((arg.left, arg.right.value))
            else:
                raise _fail(self.text, pos, "writes each weighted_mean term as 'weight * term'")
        return WeightedMean(tuple(terms))


def parse_formula(text: str, inputs: Mapping[str, Input]) -> Expr:
    """Parse DSL or plain formula text over ``inputs`` (id -> Input) into an expression.

    Raises:
        FileFormatError: the text is too long, nests too deep, uses anything outside the
            whitelist, or names an input that is not declared.

    """
    if not isinstance(text, str):
        raise FileFormatError(f"formula must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FileFormatError(f"formula is {len(text)} characters long; at most {MAX_LENGTH}")
    if not text.strip():
        raise FileFormatError("formula is empty")
    return _Parser(text, inputs).parse()


def input_names(text: str) -> set[str]:
    """The input ids formula text reads (names that are not calls or keywords).

    Empty when the text does not tokenize; the parser reports why.
    """
    try:
        tokens = _tokenize(text[:MAX_LENGTH])
    except FileFormatError:
        return set()
    return {
        tok.text
        for tok, nxt in itertools.pairwise(tokens)
        if tok.kind == "name" and nxt.text not in ("(", "=")
    }


def to_text(expr: Expr) -> str:
    """Lossless DSL text: ``parse_formula(to_text(e), inputs) == e`` for catalogs built by the DSL.

    Unlike ``Expr.render`` it keeps a ratio's declared unit and brackets fractions and terms.
    """
    if isinstance(expr, Input):
        return expr.id
    if isinstance(expr, Const):
        text = fraction_text(expr.value)
        return text if expr.value.denominator == 1 and expr.value >= 0 else f"({text})"
    if isinstance(expr, Ratio):
        unit = "" if expr.unit_override is None else f', unit="{expr.unit_override}"'
        return f"ratio({to_text(expr.numerator)}, {to_text(expr.denominator)}{unit})"
    if isinstance(expr, Growth):
        return f"growth({to_text(expr.current)}, {to_text(expr.previous)})"
    if isinstance(expr, WeightedMean):
        inner = ", ".join(f"{fraction_text(w)} * {_bracket(t)}" for t, w in expr.terms)
        return f"weighted_mean({inner})"
    if isinstance(expr, BinOp):
        return f"{_bracket(expr.left)} {expr.op} {_bracket(expr.right)}"
    raise TypeError(f"cannot write {type(expr).__name__} as text")


def _bracket(expr: Expr) -> str:
    text = to_text(expr)
    return f"({text})" if isinstance(expr, BinOp) else text
