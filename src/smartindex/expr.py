"""Expression primitives: small immutable values that compose with operators.

An expression knows its inputs, a textual unit, its direction (is higher better?) and its natural
bounds; it renders itself as DSL text and as plain arithmetic, evaluates over floats, numpy arrays
or exact fractions, and converts to sympy (imported only when asked for).
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar, Union

import attrs

from smartindex.errors import CatalogError, DimensionError

if TYPE_CHECKING:
    import sympy

__all__ = [
    "Direction",
    "Expr",
    "Input",
    "InputKind",
    "amount",
    "checklist",
    "count",
    "distance",
    "fraction_text",
    "growth",
    "measured",
    "rank",
    "ratio",
    "to_fraction",
    "weighted_mean",
]

T = TypeVar("T")
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
Number = Union[int, float, Fraction, Decimal, str]  # noqa: UP007 - a runtime alias on 3.10
#: Called with (node, denominator value) before each division, so callers can flag zeros.
Guard = Callable[["Expr", Any], None]


class Direction(enum.Enum):
    """Which way is better for a quantity: targets say 'at least' or 'at most'."""

    HIGHER = "higher"
    LOWER = "lower"


class InputKind(enum.Enum):
    """What a raw input is, which fixes its validation rules."""

    COUNT = "count"  # whole number >= 0
    AMOUNT = "amount"  # real >= 0 (lengths, money, areas)
    MEASURED = "measured"  # a measured value >= 0 (a download speed)
    DISTANCE = "distance"  # a spacing > 0, lower is better
    RANK = "rank"  # whole number in 1..of, 1 is best
    CHECKLIST = "checklist"  # how many items of a named list are achieved


#: Largest decimal exponent read exactly ("1e400" is fine; "1e999999999" is refused, not computed).
MAX_DECIMAL_EXPONENT = 1000
_EXPONENT = re.compile(r"[eE]\s*([-+]?[\d_]+)")


def to_fraction(value: Number) -> Fraction:
    """Read a number as the exact decimal it was written as (``0.1`` is 1/10, ``"40%"`` is 2/5)."""
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and abs(exponent) > MAX_DECIMAL_EXPONENT:
            raise ValueError(f"{value!r} has an exponent beyond ±{MAX_DECIMAL_EXPONENT}")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return Fraction(repr(float(value)))
    if isinstance(value, str):
        text = value.strip()
        scale = Fraction(1)
        if text.endswith("%"):
            text, scale = text[:-1].strip(), Fraction(1, 100)
        match = _EXPONENT.search(text)
        # "1e999999999" would make Fraction build a billion-digit integer: refuse it first.
        digits = match.group(1).replace("_", "").lstrip("+-0") if match else ""
        if len(digits) > len(str(MAX_DECIMAL_EXPONENT)) or int(digits or 0) > MAX_DECIMAL_EXPONENT:
            raise ValueError(f"{value!r} has an exponent beyond ±{MAX_DECIMAL_EXPONENT}")
        try:
            return Fraction(text) * scale
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a number") from None
    if hasattr(value, "item"):  # numpy scalars
        return to_fraction(value.item())
    raise TypeError(f"{value!r} is not a number")


def fraction_text(value: Fraction) -> str:
    """Exact text of a rational: ``"3"`` or ``"1/3"`` (how formulas and exports write it)."""
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _as_expr(value: Expr | Number) -> Expr:
    return value if isinstance(value, Expr) else Const(to_fraction(value))


@attrs.frozen
class Bounds:
    """Natural bounds of an expression; ``None`` means unbounded on that side."""

    low: Fraction | None
    high: Fraction | None


class Expr:
    """Base of every expression node."""

    def children(self) -> tuple[Expr, ...]:
        """Direct sub-expressions."""
        return ()

    def inputs(self) -> tuple[Input, ...]:
        """The raw inputs this expression reads, each once, in first-use order."""
        seen: dict[str, Input] = {}
        stack: list[Expr] = [self]
        order: list[Input] = []
        while stack:
            node = stack.pop(0)
            if isinstance(node, Input):
                if node.id not in seen:
                    seen[node.id] = node
                    order.append(node)
            else:
                stack[0:0] = list(node.children())
        return tuple(order)

    def walk(self) -> Iterable[Expr]:
        """Every node, depth first, this one first."""
        yield self
        for child in self.children():
            yield from child.walk()

    # --- semantics -------------------------------------------------------------------
    @property
    def unit(self) -> str:
        """A textual unit; counting units cancel in ratios of like things."""
        raise NotImplementedError

    @property
    def direction(self) -> Direction:
        """Whether higher or lower values are better."""
        return Direction.HIGHER

    @property
    def bounds(self) -> Bounds:
        """Natural bounds under the inputs' declared constraints."""
        return Bounds(None, None)

    def evaluate(
        self, env: Mapping[str, Any], const: Callable[[Fraction], Any], guard: Guard | None = None
    ) -> Any:
        """Evaluate over ``env`` (input id -> float, array or Fraction).

        ``const`` turns exact constants into the arithmetic's type; ``guard`` sees denominators.
        """
        raise NotImplementedError

    # --- rendering ---------------------------------------------------------------------
    def render(self) -> str:
        """DSL text, readable and parseable by smartindex's own formula parser."""
        raise NotImplementedError

    def formula(self) -> str:
        """Plain arithmetic text over input ids (sympy-readable)."""
        raise NotImplementedError

    def to_sympy(self, symbols: Mapping[str, Any] | None = None) -> sympy.Expr:
        """Convert to a sympy expression; input symbols carry their sign and integer assumptions."""
        import sympy

        table = dict(symbols) if symbols is not None else {i.id: i.symbol() for i in self.inputs()}
        return self._sympy(sympy, table)

    def to_latex(self) -> str:
        """LaTeX of the formula for reports and docs (via sympy; input ids set upright)."""
        import sympy

        expr = self.to_sympy()
        names = {s: r"\mathrm{" + s.name.replace("_", r"\_") + "}" for s in expr.free_symbols}
        return str(sympy.latex(expr, symbol_names=names))

    def _sympy(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.render()

    # --- composition -------------------------------------------------------------------
    def __add__(self, other: Expr | Number) -> Expr:
        return BinOp("+", self, _as_expr(other))

    def __radd__(self, other: Number) -> Expr:
        return BinOp("+", _as_expr(other), self)

    def __sub__(self, other: Expr | Number) -> Expr:
        return BinOp("-", self, _as_expr(other))

    def __rsub__(self, other: Number) -> Expr:
        return BinOp("-", _as_expr(other), self)

    def __mul__(self, other: Expr | Number) -> Expr:
        return BinOp("*", self, _as_expr(other))

    def __rmul__(self, other: Number) -> Expr:
        return BinOp("*", _as_expr(other), self)

    def __truediv__(self, other: Expr | Number) -> Expr:
        return BinOp("/", self, _as_expr(other))

    def __rtruediv__(self, other: Number) -> Expr:
        return BinOp("/", _as_expr(other), self)


@attrs.frozen(eq=True, repr=False)
class Input(Expr):
    """A raw input a city collects: a leaf of every formula.

    Attributes:
        id: snake_case identifier, unique in a catalog.
        unit: pint unit string the value is declared in.
        description: one line saying what to count or measure.
        kind: validation rules (count, amount, rank, ...).
        at_most: another input this one can never exceed (a part and its whole).
        of: for ranks, the number of places; for checklists, the item names.

    """

    id: str
    unit_text: str
    description: str
    kind: InputKind
    at_most: Input | None = None
    rank_of: int | None = None
    items: tuple[str, ...] = ()
    direction_: Direction = Direction.HIGHER

    def __attrs_post_init__(self) -> None:
        if not ID_PATTERN.match(self.id):
            raise CatalogError(f"input id {self.id!r} is not snake_case ([a-z][a-z0-9_]*)")
        if self.kind is InputKind.RANK and (self.rank_of is None or self.rank_of < 1):
            raise CatalogError(f"rank input {self.id!r} needs of >= 1 (the number of places)")
        if self.kind is InputKind.CHECKLIST:
            if not self.items:
                raise CatalogError(f"checklist input {self.id!r} needs at least one named item")
            if len(set(self.items)) != len(self.items):
                raise CatalogError(f"checklist input {self.id!r} names an item twice")

    @property
    def unit(self) -> str:
        return self.unit_text

    @property
    def direction(self) -> Direction:
        return self.direction_

    @property
    def integral(self) -> bool:
        """Whether the input takes whole numbers only."""
        return self.kind in (InputKind.COUNT, InputKind.RANK, InputKind.CHECKLIST)

    @property
    def bounds(self) -> Bounds:
        if self.kind is InputKind.RANK:
            return Bounds(Fraction(1), Fraction(self.rank_of or 1))
        if self.kind is InputKind.CHECKLIST:
            return Bounds(Fraction(0), Fraction(len(self.items)))
        return Bounds(Fraction(0), None)

    def evaluate(
        self, env: Mapping[str, Any], const: Callable[[Fraction], Any], guard: Guard | None = None
    ) -> Any:
        return env[self.id]

    def render(self) -> str:
        return self.id

    def formula(self) -> str:
        return self.id

    def symbol(self) -> Any:
        """A sympy symbol with this input's assumptions (nonnegative, integer, positive)."""
        import sympy

        positive = self.kind in (InputKind.RANK, InputKind.DISTANCE)
        return sympy.Symbol(
            self.id,
            real=True,
            nonnegative=True,
            positive=positive or None,
            integer=self.integral or None,
        )

    def _sympy(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        return symbols[self.id]

    def __repr__(self) -> str:
        return f"{self.kind.value}({self.id!r}, {self.unit_text!r})"


@attrs.frozen(repr=False)
class Const(Expr):
    """An exact rational constant (a scale such as 10 000, or a weight)."""

    value: Fraction

    @property
    def unit(self) -> str:
        return "dimensionless"

    @property
    def bounds(self) -> Bounds:
        return Bounds(self.value, self.value)

    def evaluate(
        self, env: Mapping[str, Any], const: Callable[[Fraction], Any], guard: Guard | None = None
    ) -> Any:
        return const(self.value)

    def render(self) -> str:
        return fraction_text(self.value)

    def formula(self) -> str:
        return (
            fraction_text(self.value)
            if self.value.denominator == 1
            else f"({fraction_text(self.value)})"
        )

    def _sympy(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        return sp.Rational(self.value.numerator, self.value.denominator)

    def __repr__(self) -> str:
        return f"Const({fraction_text(self.value)})"


def _combine_units(op: str, left: str, right: str) -> str:
    if op in "+-":
        return left
    if right == "dimensionless":
        return left
    if op == "*":
        return right if left == "dimensionless" else f"({left}) * ({right})"
    if left == right:
        return "dimensionless"
    return f"({left}) / ({right})"


def _scale_bounds(b: Bounds, k: Fraction) -> Bounds:
    lo = None if b.low is None else b.low * k
    hi = None if b.high is None else b.high * k
    return Bounds(lo, hi) if k >= 0 else Bounds(hi, lo)


@attrs.frozen(repr=False)
class BinOp(Expr):
    """Plain arithmetic between two expressions (``+ - * /``)."""

    op: str
    left: Expr
    right: Expr

    def __attrs_post_init__(self) -> None:
        if self.op not in ("+", "-", "*", "/"):
            raise CatalogError(f"unknown operator {self.op!r}")

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)

    @property
    def unit(self) -> str:
        return _combine_units(self.op, self.left.unit, self.right.unit)

    @property
    def direction(self) -> Direction:
        if isinstance(self.right, Const) and self.right.value < 0 and self.op in "*/":
            return Direction.LOWER if self.left.direction is Direction.HIGHER else Direction.HIGHER
        if isinstance(self.left, Const):
            return self.right.direction
        return self.left.direction

    @property
    def bounds(self) -> Bounds:
        if self.op == "*" and isinstance(self.right, Const):
            return _scale_bounds(self.left.bounds, self.right.value)
        if self.op == "*" and isinstance(self.left, Const):
            return _scale_bounds(self.right.bounds, self.left.value)
        if self.op == "/" and isinstance(self.right, Const) and self.right.value != 0:
            return _scale_bounds(self.left.bounds, 1 / self.right.value)
        return Bounds(None, None)

    def evaluate(
        self, env: Mapping[str, Any], const: Callable[[Fraction], Any], guard: Guard | None = None
    ) -> Any:
        a = self.left.evaluate(env, const, guard)
        b = self.right.evaluate(env, const, guard)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if guard is not None:
            guard(self, b)
        return a / b

    def render(self) -> str:
        return f"{_paren(self.left, self.op, False)} {self.op} {_paren(self.right, self.op, True)}"

    def formula(self) -> str:
        return f"({self.left.formula()}) {self.op} ({self.right.formula()})"

    def _sympy(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        a, b = self.left._sympy(sp, symbols), self.right._sympy(sp, symbols)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[self.op]

    def __repr__(self) -> str:
        return f"<{self.render()}>"


_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _paren(node: Expr, op: str, right_side: bool) -> str:
    text = node.render()
    if isinstance(node, BinOp):
        inner, outer = _PRECEDENCE[node.op], _PRECEDENCE[op]
        if inner < outer or (right_side and inner == outer and op in "-/"):
            return f"({text})"
    return text


@attrs.frozen(repr=False)
class Ratio(Expr):
    """``numerator / denominator``; a zero denominator makes the row invalid (a typed rule)."""

    numerator: Expr
    denominator: Expr
    unit_override: str | None = None

    def children(self) -> tuple[Expr, ...]:
        return (self.numerator, self.denominator)

    @property
    def unit(self) -> str:
        if self.unit_override is not None:
            return self.unit_override
        return _combine_units("/", self.numerator.unit, self.denominator.unit)

    @property
    def direction(self) -> Direction:
        return self.numerator.direction

    @property
    def part_of_whole(self) -> bool:
        """True when the numerator is an input declared never to exceed the denominator."""
        node = self.numerator
        while isinstance(node, Input) and node.at_most is not None:
            if node.at_most == self.denominator:
                return True
            node = node.at_most
        return False

    @property
    def bounds(self) -> Bounds:
        num, den = self.numerator, self.denominator
        if self.part_of_whole:
            return Bounds(Fraction(0), Fraction(1))
        if isinstance(num, Input) and isinstance(den, Const) and den.value > 0:
            high = num.bounds.high
            return Bounds(Fraction(0), None if high is None else high / den.value)
        return Bounds(Fraction(0), None)

    def evaluate(
        self, env: Mapping[str, Any], const: Callable[[Fraction], Any], guard: Guard | None = None
    ) -> Any:
        a = self.numerator.evaluate(env, const, guard)
        b = self.denominator.evaluate(env, const, guard)
        if guard is not None:
            guard(self, b)
        return a / b

    def render(self) -> str:
        return f"ratio({self.numerator.render()}, {self.denominator.render()})"

    def formula(self) -> str:
        return f"({self.numerator.formula()}) / ({self.denominator.formula()})"

    def _sympy(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        return self.numerator._sympy(sp, symbols) / self.denominator._sympy(sp, symbols)

    def __repr__(self) -> str:
        return f"<{self.render()}>"


@attrs.frozen(repr=False)
class WeightedMean(Expr):
    """``sum(weight_i * term_i)``; the checks prove weights are positive and sum to exactly 1."""

    terms: tuple[tuple[Expr, Fraction], ...]

    def __attrs_post_init__(self) -> None:
        if not self.terms:
            raise CatalogError("weighted_mean needs at least one term")

    def children(self) -> tuple[Expr, ...]:
        return tuple(t for t, _ in self.terms)

    @property
    def weights(self) -> tuple[Fraction, ...]:
        """The weights, in term order."""
        return tuple(w for _, w in self.terms)

    @property
    def unit(self) -> str:
        return self.terms[0][0].unit

    @property
    def direction(self) -> Direction:
        return self.terms[0][0].direction

    @property
    def bounds(self) -> Bounds:
        lows = [t.bounds.low for t, _ in self.terms]
        highs = [t.bounds.high for t, _ in self.terms]
        if all(w >= 0 for w in self.weights) and sum(self.weights) == 1:
            low = None if any(x is None for x in lows) else min(x for x in lows if x is not None)
            high = None if any(x is None for x in highs) else max(x for x in highs if x is not None)
            return Bounds(low, high)
        return Bounds(None, None)

    def evaluate(
        self, env: Mapping[str, Any], const: Callable[[Fraction], Any], guard: Guard | None = None
    ) -> Any:
        total: Any = None
        for term, weight in self.terms:
            part = const(weight) * term.evaluate(env, const, guard)
            total = part if total is None else total + part
        return total

    def render(self) -> str:
        inner = ", ".join(f"{fraction_text(w)} * {t.render()}" for t, w in self.terms)
        return f"weighted_mean({inner})"

    def formula(self) -> str:
        return " + ".join(f"({fraction_text(w)}) * ({t.formula()})" for t, w in self.terms)

    def _sympy(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        return sp.Add(
            *(
                sp.Rational(w.numerator, w.denominator) * t._sympy(sp, symbols)
                for t, w in self.terms
            )
        )

    def __repr__(self) -> str:
        return f"<{self.render()}>"


@attrs.frozen(repr=False)
class Growth(Expr):
    """``(current - previous) / previous``; a previous value of zero makes the row invalid."""

    current: Expr
    previous: Expr

    def children(self) -> tuple[Expr, ...]:
        return (self.current, self.previous)

    @property
    def unit(self) -> str:
        return "dimensionless"

    @property
    def direction(self) -> Direction:
        return self.current.direction

    @property
    def bounds(self) -> Bounds:
        return Bounds(Fraction(-1), None)

    def evaluate(
        self, env: Mapping[str, Any], const: Callable[[Fraction], Any], guard: Guard | None = None
    ) -> Any:
        cur = self.current.evaluate(env, const, guard)
        prev = self.previous.evaluate(env, const, guard)
        if guard is not None:
            guard(self, prev)
        return (cur - prev) / prev

    def render(self) -> str:
        return f"growth({self.current.render()}, {self.previous.render()})"

    def formula(self) -> str:
        cur, prev = self.current.formula(), self.previous.formula()
        return f"(({cur}) - ({prev})) / ({prev})"

    def _sympy(self, sp: Any, symbols: Mapping[str, Any]) -> Any:
        cur, prev = self.current._sympy(sp, symbols), self.previous._sympy(sp, symbols)
        return (cur - prev) / prev

    def __repr__(self) -> str:
        return f"<{self.render()}>"


# --- constructors (the DSL) ---------------------------------------------------------------


def count(id: str, unit: str, description: str, *, at_most: Input | None = None) -> Input:
    """A whole number of things (households, cameras, enterprises), never negative."""
    return Input(id, unit, description, InputKind.COUNT, at_most=_whole(at_most, unit, id))


def amount(id: str, unit: str, description: str, *, at_most: Input | None = None) -> Input:
    """A non-negative real amount (a length, an area, money)."""
    return Input(id, unit, description, InputKind.AMOUNT, at_most=_whole(at_most, unit, id))


def measured(
    id: str, unit: str, description: str, *, direction: Direction = Direction.HIGHER
) -> Input:
    """A plain measured value (a download speed) compared directly with its targets."""
    return Input(id, unit, description, InputKind.MEASURED, direction_=direction)


def distance(id: str, description: str, *, unit: str = "km") -> Input:
    """A spacing between things (weather stations); shorter is better."""
    return Input(id, unit, description, InputKind.DISTANCE, direction_=Direction.LOWER)


def rank(id: str, description: str, *, of: int) -> Input:
    """A place among ``of`` competitors, where 1 is best."""
    return Input(
        id, "dimensionless", description, InputKind.RANK, rank_of=of, direction_=Direction.LOWER
    )


def checklist(id: str, description: str, items: Iterable[str]) -> Input:
    """How many items of a named list are achieved; a city may pass the count or the names."""
    return Input(id, "checklist_item", description, InputKind.CHECKLIST, items=tuple(items))


def _whole(whole: Input | None, unit: str, id: str) -> Input | None:
    if whole is not None and whole.unit != unit:
        raise DimensionError(
            f"input {id!r} ({unit}) cannot be a part of {whole.id!r} ({whole.unit}): units differ"
        )
    return whole


def ratio(
    numerator: Expr | Number, denominator: Expr | Number, *, unit: str | None = None
) -> Ratio:
    """``numerator / denominator``, dimensionless when both count the same kind of thing.

    A ratio of unlike things (cameras over households) is a ``DimensionError`` unless ``unit``
    declares the intended result on purpose (``ratio(checklist, 22, unit="dimensionless")``).
    """
    numerator, denominator = _as_expr(numerator), _as_expr(denominator)
    if unit is None and numerator.unit != denominator.unit:
        from smartindex.units import conversion_factor

        try:
            conversion_factor(numerator.unit, denominator.unit)
        except DimensionError:
            raise DimensionError(
                f"ratio({numerator.render()}, {denominator.render()}) divides "
                f"{numerator.unit!r} by {denominator.unit!r}; pass unit=... to declare it "
                "on purpose"
            ) from None
        raise DimensionError(
            f"ratio({numerator.render()}, {denominator.render()}) mixes {numerator.unit!r} and "
            f"{denominator.unit!r}: declare both inputs in the same unit"
        )
    return Ratio(numerator, denominator, unit)


def weighted_mean(terms: Mapping[Expr, Number]) -> WeightedMean:
    """``sum(weight * term)`` with exact weights (``"40%"``, ``Fraction(1, 3)``, ``"1/3"``)."""
    items = tuple((expr, to_fraction(w)) for expr, w in terms.items())
    units = {expr.unit for expr, _ in items}
    if len(units) > 1:
        raise DimensionError(f"weighted_mean terms have different units: {sorted(units)}")
    return WeightedMean(items)


def growth(current: Expr, previous: Expr) -> Growth:
    """Relative growth ``(current - previous) / previous``."""
    if current.unit != previous.unit:
        raise DimensionError(
            f"growth compares {current.unit!r} with {previous.unit!r}: units must match"
        )
    return Growth(current, previous)
