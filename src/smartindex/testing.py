"""Hypothesis strategies and assertion helpers for property-testing threshold catalogs.

The strategies follow hypothesis' own style: arguments are checked eagerly (a bad one raises
``hypothesis.errors.InvalidArgument`` when the strategy is built, not when it is drawn from) and
bounds are ``max_value``. Importable only where hypothesis is installed
(``pip install "smartindex[testing]"``).
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from smartindex.errors import CatalogError, GradeUndecidableError, InputError
from smartindex.expr import (
    BinOp,
    Const,
    Direction,
    Expr,
    Growth,
    Input,
    InputKind,
    Ratio,
    WeightedMean,
    amount,
    checklist,
    count,
    distance,
    measured,
    rank,
    ratio,
    to_fraction,
    weighted_mean,
)
from smartindex.model import Catalog, Indicator, Quantity, Table, decide
from smartindex.thresholds import (
    AllOf,
    Condition,
    Grade,
    MissingFromSource,
    NoTarget,
    Op,
    Target,
    missing_from_source,
    no_target,
)


def _hypothesis_setup_hook() -> None:
    """Let ``st.from_type`` build smartindex values (hypothesis calls this when it loads).

    Defined before hypothesis is imported below: importing this module first imports
    hypothesis, which calls this hook while the rest of the module is still loading, so the
    strategies are looked up only when drawn.
    """
    from hypothesis import strategies as hyp

    def later(name: str) -> Callable[[type], Any]:
        def build(_: type) -> Any:
            return getattr(sys.modules[__name__], name)()

        return build

    hyp.register_type_strategy(Indicator, later("indicators"))
    hyp.register_type_strategy(Catalog, later("catalogs"))
    hyp.register_type_strategy(Grade, hyp.sampled_from(Grade))
    hyp.register_type_strategy(Table, hyp.sampled_from(Table))


try:
    from hypothesis import assume, reject
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as exc:  # pragma: no cover - tested in a subprocess that hides hypothesis
    raise ImportError(
        "smartindex.testing needs hypothesis; install the `testing` extra: "
        'pip install "smartindex[testing]"'
    ) from exc

__all__ = [
    "DEFAULT_UNIT_CHANGES",
    "assert_follows_wording",
    "assert_grades_nested",
    "assert_monotone",
    "assert_paths_agree",
    "assert_row_order_invariant",
    "assert_unit_invariant",
    "attainable_grade",
    "catalogs",
    "cities_at_grade",
    "indicators",
    "inputs",
    "quantities_near_thresholds",
    "wording_op",
]

#: Declared unit -> another unit the same inputs may be given in (``assert_unit_invariant``).
DEFAULT_UNIT_CHANGES: Mapping[str, str] = {
    "Mbit/s": "MB/s",
    "km": "m",
    "km**2": "m**2",
    "yi_yuan": "wan_yuan",
    "亿元": "万元",
    "wan_yuan": "yi_yuan",
    "万元": "亿元",
}
_MAX_DIGITS = 999_999  # decimals keep at most 6 significant digits (DESIGN.md section 1)
_NICE_WHOLES = (1, 2, 3, 4, 5, 7, 10, 20, 100, 1000)
_MULTIPLES = st.integers(1, 10_000)

# --- argument checks -------------------------------------------------------------------------


def _indicators_of(target: object, name: str) -> tuple[Indicator, ...]:
    if isinstance(target, Indicator):
        return (target,)
    if isinstance(target, Catalog):
        if not len(target):
            raise InvalidArgument(f"{name}={target!r} has no indicators")
        return tuple(target)
    raise InvalidArgument(f"{name} must be an Indicator or a Catalog, got {target!r}")


def _check_int(value: object, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an int")
    if value < low or (high is not None and value > high):
        upper = "" if high is None else f" and <= {high}"
        raise InvalidArgument(f"{name}={value!r} must be >= {low}{upper}")
    return value


# --- structure of expressions ----------------------------------------------------------------


def _catalog_inputs(indicators: Sequence[Indicator]) -> dict[str, Input]:
    out: dict[str, Input] = {}
    for ind in indicators:
        for inp in ind.inputs:
            out.setdefault(inp.id, inp)
    return out


def _denominator_inputs(indicators: Sequence[Indicator]) -> set[str]:
    """Inputs read under a division or as a growth base: these must be > 0 for a valid row."""
    out: set[str] = set()
    for ind in indicators:
        for q in ind.quantities:
            for node in q.expr.walk():
                under: Expr | None = None
                if isinstance(node, Ratio):
                    under = node.denominator
                elif isinstance(node, Growth):
                    under = node.previous
                elif isinstance(node, BinOp) and node.op == "/":
                    under = node.right
                if under is not None:
                    out.update(i.id for i in under.inputs())
    return out


def _positive_inputs(indicators: Sequence[Indicator], known: Mapping[str, Input]) -> set[str]:
    """Denominator inputs and every whole above them (a whole is never below its part)."""
    out = set()
    for input_id in _denominator_inputs(indicators):
        node: Input | None = known.get(input_id)
        while node is not None:
            out.add(node.id)
            node = node.at_most
    for inp in known.values():
        if inp.kind in (InputKind.DISTANCE, InputKind.RANK):
            out.add(inp.id)
    return out


def _depth(inp: Input) -> int:
    depth, node = 0, inp.at_most
    while node is not None:
        depth, node = depth + 1, node.at_most
    return depth


def _plain(inp: Input, value: Fraction) -> int | float:
    """A plain Python number that both evaluation paths read as exactly ``value``."""
    if value.denominator == 1 and (inp.integral or abs(value) < 2**53):
        return int(value)
    as_float = float(value)
    if Fraction(repr(as_float)) != value:  # not a short decimal: no plain number says it exactly
        reject()
    return as_float


# --- drawing numbers ---------------------------------------------------------------------------


def _ceil(x: Fraction) -> int:
    return -((-x.numerator) // x.denominator)


def _floor(x: Fraction) -> int:
    return x.numerator // x.denominator


@attrs.frozen
class _Interval:
    """A (possibly open, possibly unbounded) interval of exact values."""

    lo: Fraction | None = None
    hi: Fraction | None = None
    lo_open: bool = False
    hi_open: bool = False

    def meet(self, other: _Interval) -> _Interval:
        lo, lo_open = self.lo, self.lo_open
        if other.lo is not None and (
            lo is None or other.lo > lo or (other.lo == lo and other.lo_open)
        ):
            lo, lo_open = other.lo, other.lo_open
        hi, hi_open = self.hi, self.hi_open
        if other.hi is not None and (
            hi is None or other.hi < hi or (other.hi == hi and other.hi_open)
        ):
            hi, hi_open = other.hi, other.hi_open
        return _Interval(lo, hi, lo_open, hi_open)

    @property
    def empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        return self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open))

    def __contains__(self, x: Fraction) -> bool:
        if self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo)):
            return False
        return not (self.hi is not None and (x > self.hi or (self.hi_open and x == self.hi)))

    def scale(self, k: Fraction) -> _Interval:
        """The interval of ``x * k`` for ``x`` in this one."""
        if k == 0:
            return _Interval(Fraction(0), Fraction(0))
        lo = None if self.lo is None else self.lo * k
        hi = None if self.hi is None else self.hi * k
        if k > 0:
            return _Interval(lo, hi, self.lo_open, self.hi_open)
        return _Interval(hi, lo, self.hi_open, self.lo_open)

    def shift(self, k: Fraction) -> _Interval:
        """The interval of ``x + k``."""
        lo = None if self.lo is None else self.lo + k
        hi = None if self.hi is None else self.hi + k
        return _Interval(lo, hi, self.lo_open, self.hi_open)

    def integers(self) -> tuple[int | None, int | None]:
        """Smallest and largest whole numbers inside (``None`` where unbounded)."""
        lo = None
        if self.lo is not None:
            lo = (
                _floor(self.lo) + 1 if self.lo_open and self.lo.denominator == 1 else _ceil(self.lo)
            )
        hi = None
        if self.hi is not None:
            hi = (
                _floor(self.hi) - 1
                if self.hi_open and self.hi.denominator == 1
                else _floor(self.hi)
            )
        return lo, hi


_ANY = _Interval()


def _condition_interval(cond: Condition, threshold: Fraction, *, holds: bool) -> list[_Interval]:
    """Values for which ``cond`` (with ``threshold`` in quantity units) holds, or fails."""
    t = threshold
    op = cond.op
    if holds:
        return [
            {
                Op.GE: _Interval(t, None),
                Op.GT: _Interval(t, None, lo_open=True),
                Op.LT: _Interval(None, t, hi_open=True),
                Op.LE: _Interval(None, t),
                Op.EQ: _Interval(t, t),
            }[op]
        ]
    return {
        Op.GE: [_Interval(None, t, hi_open=True)],
        Op.GT: [_Interval(None, t)],
        Op.LT: [_Interval(t, None)],
        Op.LE: [_Interval(t, None, lo_open=True)],
        Op.EQ: [_Interval(None, t, hi_open=True), _Interval(t, None, lo_open=True)],
    }[op]


def _bounds_interval(expr: Expr) -> _Interval:
    b = expr.bounds
    return _Interval(b.low, b.high)


def _points(iv: _Interval, *, integral: bool) -> list[Fraction]:
    """A few exact, simply written values inside ``iv``: its closed ends first, then inside."""
    out: list[Fraction] = []
    if integral:
        first, last = iv.integers()
        if first is None and last is None:
            first = 0
        if first is not None and (last is None or first <= last):
            out.append(Fraction(first))
        if last is not None and (first is None or first <= last):
            out.append(Fraction(last))
        if first is not None and last is not None and last - first >= 2:
            out.append(Fraction((first + last) // 2))
        if first is not None and last is None:
            out.append(Fraction(first + 1))
        return out
    for end, is_open in ((iv.lo, iv.lo_open), (iv.hi, iv.hi_open)):
        if end is not None and not is_open:
            out.append(end)
    lo: Fraction
    if iv.lo is not None:
        lo = iv.lo
    elif iv.hi is not None:
        lo = iv.hi - 1 - abs(iv.hi)
    else:
        lo = Fraction(0)
    hi: Fraction = iv.hi if iv.hi is not None else lo + 1 + abs(lo)
    for digits in range(13):
        scale = 10**digits
        a, b = _floor(lo * scale) + 1, _ceil(hi * scale) - 1
        if a <= b:
            out.append(Fraction((a + b) // 2, scale))
            break
    else:
        if lo < hi:
            out.append((lo + hi) / 2)
    return [p for p in out if p in iv]


def _pick(draw: st.DrawFn, options: Sequence[Any]) -> Any:
    """One of ``options``, shrinking towards the first (cheaper than a new ``sampled_from``)."""
    if not options:
        reject()
    return options[draw(st.integers(0, len(options) - 1))] if len(options) > 1 else options[0]


def _in_interval(draw: st.DrawFn, iv: _Interval, integral: bool, max_value: int) -> Fraction:
    """A value inside ``iv``, often exactly at a closed end (where boundary bugs live)."""
    points = _points(iv, integral=integral)
    if not points:
        reject()
    if draw(st.booleans()):
        return _pick(draw, points)  # type: ignore[no-any-return]
    if integral:
        lo, hi = iv.integers()
        lo = lo if lo is not None else int(points[0]) - max_value
        hi = hi if hi is not None else max(lo, int(points[0])) + max_value
        return Fraction(draw(st.integers(lo, hi)))
    lo_f = iv.lo if iv.lo is not None else points[0] - max_value
    hi_f = iv.hi if iv.hi is not None else max(lo_f, points[0]) + max_value
    scale = 10 ** draw(st.integers(0, 4))
    a, b = _ceil(lo_f * scale), _floor(hi_f * scale)
    if a <= b:
        x = Fraction(draw(st.integers(a, b)), scale)
        if x in iv:
            return x
    return _pick(draw, points)  # type: ignore[no-any-return]


def _decimal(draw: st.DrawFn, low: Fraction, high: Fraction) -> Fraction:
    """A decimal of at most 6 significant digits in ``[low, high]`` (``low`` >= 0)."""
    if high < low:
        reject()
    if draw(st.booleans()):
        ends = [x for x in (low, high) if _short(x)]
        if ends:
            return _pick(draw, ends)  # type: ignore[no-any-return]
    scale = 10 ** draw(st.integers(0, 3))
    a, b = _ceil(low * scale), min(_floor(high * scale), _MAX_DIGITS)
    if a > b:
        a, b = _ceil(low), min(_floor(high), _MAX_DIGITS)
        scale = 1
        if a > b:
            reject()
    return Fraction(draw(st.integers(a, b)), scale)


def _short(x: Fraction) -> bool:
    """Whether ``x`` is a decimal of at most 6 significant digits."""
    if x < 0:
        return False
    for digits in range(7):
        m = x * Fraction(10**digits)
        if m.denominator == 1:
            n = m.numerator
            while n and n % 10 == 0:
                n //= 10
            return n <= _MAX_DIGITS
    return False


# --- inputs() ----------------------------------------------------------------------------------


def _input_row(
    draw: st.DrawFn, known: Mapping[str, Input], positive: frozenset[str], max_value: int
) -> dict[str, int | float]:
    values: dict[str, Fraction] = {}
    for inp in sorted(known.values(), key=_depth):
        low = 1 if inp.id in positive else 0
        whole = inp.at_most.id if inp.at_most is not None else None
        high = values.get(whole) if whole is not None else None
        if inp.kind is InputKind.RANK:
            x = Fraction(draw(st.integers(1, inp.rank_of or 1)))
        elif inp.kind is InputKind.CHECKLIST:
            most = len(inp.items) if high is None else min(len(inp.items), int(high))
            x = Fraction(draw(st.integers(min(low, most), most)))
        elif inp.integral:
            most = max_value if high is None else int(high)
            nice = [n for n in (*_NICE_WHOLES, low, most) if low <= n <= most]
            x = Fraction(_pick(draw, nice) if draw(st.booleans()) else draw(st.integers(low, most)))
        else:
            top = Fraction(max_value) if high is None else high
            x = _decimal(draw, Fraction(0), top)
            if low and x == 0:
                x = top if top > 0 else Fraction(1)
        values[inp.id] = x
    return {k: _plain(known[k], v) for k, v in values.items()}


def inputs(
    indicator_or_catalog: Indicator | Catalog, *, rows: int | None = None, max_value: int = 10**6
) -> st.SearchStrategy[Any]:
    """Valid raw inputs of an indicator or a whole catalog.

    Counts, ranks and checklists are whole numbers (ranks in ``1..of``, checklists at most the
    list's length), amounts are decimals of at most 6 significant digits, parts never exceed
    their wholes and every denominator is above zero. Draws a dict of input id to number, or
    with ``rows=N`` a pandas DataFrame of N such rows. ``max_value`` bounds counts and amounts.
    """
    indicators = _indicators_of(indicator_or_catalog, "indicator_or_catalog")
    _check_int(max_value, "max_value", 1)
    if rows is not None:
        _check_int(rows, "rows", 1)
    known = _catalog_inputs(indicators)
    positive = frozenset(_positive_inputs(indicators, known))

    @st.composite
    def input_row(draw: st.DrawFn) -> dict[str, int | float]:
        return _input_row(draw, known, positive, max_value)

    row = input_row()
    if rows is None:
        return row

    def frame(records: list[dict[str, int | float]]) -> Any:
        import pandas as pd

        return pd.DataFrame.from_records(records, columns=list(known))

    return st.lists(row, min_size=rows, max_size=rows).map(frame)


# --- quantities_near_thresholds() ---------------------------------------------------------------


def _integral_quantity(q: Quantity) -> bool:
    return isinstance(q.expr, Input) and q.expr.integral


def _thresholds(indicator: Indicator) -> dict[str, list[Fraction]]:

    out: dict[str, list[Fraction]] = {q.id: [] for q in indicator.quantities}
    for target in (indicator.four_star, indicator.five_star):
        if isinstance(target, AllOf):
            for cond in target.conditions:
                t = indicator.threshold(cond)
                if t not in out[cond.quantity]:
                    out[cond.quantity].append(t)
    return out


def _near(t: Fraction, *, integral: bool) -> list[Fraction]:
    """At ``t``, at the float nearest it, one and two ulps either side, and one unit away."""
    if integral:
        return [t, t - 1, t + 1, Fraction(_floor(t)), Fraction(_ceil(t))]
    f = float(t)
    below, above = math.nextafter(f, -math.inf), math.nextafter(f, math.inf)
    out = [t, Fraction(f), Fraction(below), Fraction(above)]
    out += [Fraction(math.nextafter(below, -math.inf)), Fraction(math.nextafter(above, math.inf))]
    for k in (3, 6, 9, 12):
        step = Fraction(1, 10**k) * max(Fraction(1), abs(t))
        out += [t - step, t + step]
    return out


def quantities_near_thresholds(indicator: Indicator) -> st.SearchStrategy[dict[str, Fraction]]:
    """Exact values of every quantity of ``indicator``, concentrated at its thresholds.

    Each quantity is drawn, in about equal shares, exactly at one of its thresholds, at the float
    nearest it, one or two ulps either side (one unit for whole-number quantities), a little
    around it, or anywhere in its natural bounds. Values are ``Fraction``s (an ulp neighbour is
    the exact value of that float), ready for ``indicator.grade``.
    """
    if not isinstance(indicator, Indicator):
        raise InvalidArgument(f"indicator must be an Indicator, got {indicator!r}")
    thresholds = _thresholds(indicator)
    strategies: dict[str, st.SearchStrategy[Fraction]] = {}
    for q in indicator.quantities:
        iv = _bounds_interval(q.expr)
        integral = _integral_quantity(q)
        anywhere = _anywhere(iv, integral, thresholds[q.id])
        near = [
            v
            for t in thresholds[q.id]
            for v in _near(t, integral=integral)
            if v in iv and (not integral or v.denominator == 1)
        ]
        at = [t for t in thresholds[q.id] if t in iv]
        choices = [s for s in (st.sampled_from(at) if at else None,) if s is not None]
        if near:
            choices.append(st.sampled_from(list(dict.fromkeys(near))))
        choices.append(anywhere)
        strategies[q.id] = st.one_of(choices)
    return st.fixed_dictionaries(strategies)


def _anywhere(
    iv: _Interval, integral: bool, thresholds: Sequence[Fraction]
) -> st.SearchStrategy[Fraction]:
    lo = iv.lo if iv.lo is not None else min([Fraction(0), *thresholds]) - 10
    hi = iv.hi if iv.hi is not None else 2 * max([Fraction(1), *thresholds]) + 10
    if integral:
        return st.integers(_ceil(lo), _floor(hi)).map(Fraction)
    return st.integers(0, 10**6).map(lambda n: lo + (hi - lo) * Fraction(n, 10**6))


# --- cities_at_grade() -------------------------------------------------------------------------


def _possible(target: Target) -> set[bool | None]:
    if isinstance(target, NoTarget):
        return {True}
    if isinstance(target, MissingFromSource):
        return {None}
    return {True, False}


def attainable_grade(indicator: Indicator, grade: Grade) -> Grade | None:
    """The grade ``cities_at_grade`` gives ``indicator`` when asked for ``grade``.

    ``grade`` itself when the targets allow it; otherwise the nearest one they allow: a ``/``
    four-star target is always met (never ``NOT_MET``) and a five-star target missing from the
    source is never decided (``FOUR_STAR`` at best). ``None`` when no grade can be decided.
    """
    possible = {
        g
        for four in _possible(indicator.four_star)
        for five in _possible(indicator.five_star)
        if (g := decide(four, five)) is not None
    }
    if not possible:
        return None
    return min(possible, key=lambda g: (abs(g.rank - grade.rank), g.rank))


class _Builder:
    """Realises raw inputs for which each quantity lands inside a wanted interval."""

    def __init__(
        self, draw: st.DrawFn, known: Mapping[str, Input], positive: set[str], max_value: int
    ) -> None:
        self.draw = draw
        self.known = known
        self.positive = positive
        self.max_value = max_value
        self.env: dict[str, Fraction] = {}
        self.parts: dict[str, list[str]] = {}
        for inp in known.values():
            if inp.at_most is not None:
                self.parts.setdefault(inp.at_most.id, []).append(inp.id)

    def allowed(self, inp: Input) -> _Interval:
        """Where ``inp`` may go given its kind and the parts and wholes already chosen."""
        iv = _Interval(Fraction(0), None, lo_open=inp.id in self.positive)
        iv = iv.meet(_bounds_interval(inp))
        if inp.at_most is not None and inp.at_most.id in self.env:
            iv = iv.meet(_Interval(None, self.env[inp.at_most.id]))
        for part in self.parts.get(inp.id, ()):
            if part in self.env:
                iv = iv.meet(_Interval(self.env[part], None))
        if not inp.integral and iv.hi is None:
            iv = iv.meet(_Interval(None, Fraction(max(self.max_value, 1))))
        return iv

    def realise(self, expr: Expr, want: _Interval) -> Fraction:
        """Choose values for the unset inputs of ``expr`` so that it lands in ``want``."""
        want = want.meet(_bounds_interval(expr))
        if isinstance(expr, Const):
            return expr.value
        if isinstance(expr, Input):
            if expr.id in self.env:
                return self.env[expr.id]
            iv = self.allowed(expr).meet(want)
            if iv.empty:
                reject()
            value = _in_interval(self.draw, iv, expr.integral, self.max_value)
            if not expr.integral and not _short(value):
                value = _pick(self.draw, _points(iv, integral=False) or [value])
            self.env[expr.id] = value
            return value
        if isinstance(expr, Ratio):
            return self._ratio(expr.numerator, expr.denominator, want)
        if isinstance(expr, BinOp) and isinstance(expr.right, Const) and expr.right.value != 0:
            k = expr.right.value
            if expr.op == "*":
                return self.realise(expr.left, want.scale(1 / k)) * k
            if expr.op == "/":
                return self.realise(expr.left, want.scale(k)) / k
        if isinstance(expr, BinOp) and isinstance(expr.left, Const) and expr.op == "*":
            k = expr.left.value
            if k != 0:
                return k * self.realise(expr.right, want.scale(1 / k))
        convex = isinstance(expr, WeightedMean) and all(w > 0 for w in expr.weights)
        if isinstance(expr, WeightedMean) and convex and sum(expr.weights) == 1:
            # every term inside a convex interval keeps the mean inside it; half the time all
            # terms share one value, so the mean lands exactly on a threshold (1/3 * 3/4 * 3)
            points = _points(want, integral=False)
            shared = self.draw(st.booleans())
            if points and shared:
                r = _pick(self.draw, points)
                want = _Interval(r, r)
            return sum((w * self.realise(t, want) for t, w in expr.terms), start=Fraction(0))
        if isinstance(expr, Growth):
            prev = self.realise(expr.previous, _Interval(Fraction(0), None, lo_open=True))
            if prev <= 0:
                reject()
            cur = self.realise(expr.current, want.shift(Fraction(1)).scale(prev))
            return (cur - prev) / prev
        # anything else: choose the inputs freely; the final check rejects misses
        env = {i.id: self.realise(i, _ANY) for i in expr.inputs()}
        return Fraction(expr.evaluate(env, lambda c: c))

    def _ratio(self, num: Expr, den: Expr, want: _Interval) -> Fraction:
        if isinstance(den, Input) and den.id not in self.env:
            # pick the ratio first, then a whole it divides into whole numbers
            goal = want.meet(_Interval(Fraction(0), None))
            points = _points(goal, integral=False)
            if points:
                r = _pick(self.draw, points)
                m = _pick(self.draw, (1, self.draw(st.integers(1, 50)), self.draw(_MULTIPLES)))
                d = Fraction(r.denominator * m)
                if not den.integral:  # a decimal whole (12.5 km) keeps the part a short decimal
                    d /= 10 ** self.draw(st.integers(0, 3))
                if d in self.allowed(den) and (den.integral or _short(d)):
                    self.env[den.id] = d
        d = self.realise(den, _Interval(Fraction(0), None, lo_open=True))
        if d <= 0:
            reject()
        n = self.realise(num, want.scale(d))
        return n / d


def _wanted(draw: st.DrawFn, indicator: Indicator, grade: Grade | None) -> dict[str, _Interval]:
    """Per quantity, where it must land for ``indicator`` to reach exactly ``grade``."""
    thresholds = _condition_thresholds(indicator)
    holding: list[Condition] = []
    failing: list[Condition] = []
    four, five = indicator.four_star, indicator.five_star
    if grade is Grade.NOT_MET and isinstance(four, AllOf):
        failing.append(_pick(draw, four.conditions))
    elif grade is Grade.FOUR_STAR:
        if isinstance(four, AllOf):
            holding.extend(four.conditions)
        if isinstance(five, AllOf):
            failing.append(_pick(draw, five.conditions))
    elif grade is Grade.FIVE_STAR:
        for target in (four, five):
            if isinstance(target, AllOf):
                holding.extend(target.conditions)
    out = {q.id: _bounds_interval(q.expr) for q in indicator.quantities}
    for cond in holding:
        (iv,) = _condition_interval(cond, thresholds[cond], holds=True)
        out[cond.quantity] = out[cond.quantity].meet(iv)
    for cond in failing:
        sides = [
            out[cond.quantity].meet(iv)
            for iv in _condition_interval(cond, thresholds[cond], holds=False)
        ]
        sides = [iv for iv in sides if not iv.empty] or sides
        out[cond.quantity] = _pick(draw, sides)
    return out


def _condition_thresholds(indicator: Indicator) -> dict[Condition, Fraction]:

    out: dict[Condition, Fraction] = {}
    for target in (indicator.four_star, indicator.five_star):
        if isinstance(target, AllOf):
            for cond in target.conditions:
                out[cond] = indicator.threshold(cond)
    return out


def _scalar_grade(indicator: Indicator, values: Mapping[str, Any]) -> Grade | None:
    try:
        return indicator.grade(values)
    except GradeUndecidableError:
        return None


def _city(
    draw: st.DrawFn, indicators: tuple[Indicator, ...], grade: Grade, max_value: int
) -> dict[str, int | float]:
    known = _catalog_inputs(indicators)
    builder = _Builder(draw, known, _positive_inputs(indicators, known), max_value)
    goals = {ind.id: attainable_grade(ind, grade) for ind in indicators}
    constrained: list[tuple[Expr, _Interval]] = []
    free: list[tuple[Expr, _Interval]] = []
    for ind in indicators:
        wanted = _wanted(draw, ind, goals[ind.id])
        for q in ind.quantities:
            tight = wanted[q.id] != _bounds_interval(q.expr)
            (constrained if tight else free).append((q.expr, wanted[q.id]))
    # quantities with a target to hit choose their inputs before the unconstrained ones
    for expr, want in constrained + free:
        builder.realise(expr, want)
    for inp in known.values():
        if inp.id not in builder.env:
            builder.realise(inp, _ANY)
    city = {k: _plain(known[k], v) for k, v in builder.env.items()}
    for ind in indicators:
        try:
            got = _scalar_grade(ind, city)
        except InputError:
            reject()
        assume(got is goals[ind.id])
    return city


def cities_at_grade(
    catalog: Catalog | Indicator, grade: Grade, *, max_value: int = 10**6
) -> st.SearchStrategy[dict[str, int | float]]:
    """Raw inputs for which every indicator reaches exactly ``grade``.

    Values sit at a threshold whenever the grade allows (a share of exactly 90%, a speed of
    exactly 25 Mbit/s), so fixtures built from it probe the boundaries. An indicator whose
    targets cannot give ``grade`` gets ``attainable_grade(indicator, grade)`` instead: a ``/``
    four-star target is always met, and a five-star target missing from the source leaves the
    indicator four-star.
    """
    indicators = _indicators_of(catalog, "catalog")
    if not isinstance(grade, Grade):
        raise InvalidArgument(f"grade must be a smartindex.Grade, got {grade!r}")
    _check_int(max_value, "max_value", 10)

    @st.composite
    def city_at_grade(draw: st.DrawFn) -> dict[str, int | float]:
        return _city(draw, indicators, grade, max_value)

    return city_at_grade()


# --- indicators() / catalogs() -----------------------------------------------------------------

_PERCENTS = tuple(Fraction(k, 100) for k in (5, 10, 20, 25, 30, 50, 60, 70, 75, 80, 85, 90, 95))
_WEIGHTS = (
    (Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)),
    (Fraction(2, 5), Fraction(2, 5), Fraction(1, 5)),
    (Fraction(1, 2), Fraction(1, 2)),
    (Fraction(7, 10), Fraction(3, 10)),
)


@st.composite
def _quantity(draw: st.DrawFn, prefix: str) -> tuple[Quantity, list[Fraction], bool]:
    """A quantity of one of the catalog's shapes, its candidate thresholds and an upper cap."""
    shape = draw(st.sampled_from(["share", "mean", "count", "speed", "spacing", "rank", "list"]))
    qid = f"{prefix}_{shape}"
    if shape == "share":
        whole = count(f"{prefix}_total", "household", "All households")
        part = count(f"{prefix}_part", "household", "Households served", at_most=whole)
        return Quantity(qid, ratio(part, whole)), list(_PERCENTS), True
    if shape == "mean":
        weights = draw(st.sampled_from(_WEIGHTS))
        whole = amount(f"{prefix}_length", "km", "Pipeline length")
        terms: dict[Expr, Fraction] = {
            ratio(amount(f"{prefix}_part{i}", "km", "Monitored length", at_most=whole), whole): w
            for i, w in enumerate(weights)
        }
        return Quantity(qid, weighted_mean(terms)), list(_PERCENTS), True
    if shape == "count":
        thresholds = [Fraction(n) for n in (1, 2, 3, 4, 5, 7, 11, 2000, 3000)]
        return (
            Quantity(qid, count(qid, "enterprise", "Enterprises"), "enterprise"),
            thresholds,
            False,
        )
    if shape == "speed":
        thresholds = [Fraction(n) for n in (10, 25, 30, 50, 100)] + [Fraction(125, 10)]
        return Quantity(qid, measured(qid, "Mbit/s", "Download speed"), "Mbit/s"), thresholds, False
    if shape == "spacing":
        thresholds = [Fraction(n) for n in (1, 3, 5, 10)] + [Fraction(5, 2)]
        return Quantity(qid, distance(qid, "Station spacing"), "km"), thresholds, False
    if shape == "rank":
        of = draw(st.integers(3, 20))
        return Quantity(qid, rank(qid, "Place", of=of)), [Fraction(n) for n in range(1, of)], False
    n_items = draw(st.integers(2, 8))
    items = [f"item {i}" for i in range(n_items)]
    expr = checklist(qid, "Items achieved", items)
    return (
        Quantity(qid, expr, "checklist_item"),
        [Fraction(n) for n in range(1, n_items + 1)],
        False,
    )


def _op(draw: st.DrawFn, direction: Direction, strict: bool | None = None) -> Op:
    if strict is None:
        strict = draw(st.booleans())
    if direction is Direction.HIGHER:
        return Op.GT if strict else Op.GE
    return Op.LT if strict else Op.LE


@st.composite
def _targets(
    draw: st.DrawFn, quantities: Sequence[tuple[Quantity, list[Fraction], bool]]
) -> tuple[Target, Target]:
    """Four- and five-star targets where five stars imply four."""
    four: list[Condition] = []
    five: list[Condition] = []
    for q, candidates, capped in quantities:
        higher = q.direction is Direction.HIGHER
        ordered = sorted(candidates) if higher else sorted(candidates, reverse=True)
        i = draw(st.integers(0, len(ordered) - 1))
        t4 = ordered[i]
        op4 = _op(draw, q.direction)
        four.append(Condition(q.id, op4, t4, q.unit, f"{q.id} {op4.value} {t4}"))
        if capped and higher and draw(st.booleans()):
            five.append(Condition(q.id, Op.EQ, Fraction(1), q.unit, f"{q.id} 100%"))
            continue
        later = ordered[i:]
        t5 = draw(st.sampled_from(later))
        # a stricter op at the same threshold, or any op at a stricter threshold
        op5 = _op(draw, q.direction, strict=True) if t5 == t4 else _op(draw, q.direction)
        five.append(Condition(q.id, op5, t5, q.unit, f"{q.id} {op5.value} {t5}"))
    four_target: Target = AllOf(tuple(four))
    five_target: Target = AllOf(tuple(five))
    if draw(st.integers(0, 5)) == 0:
        four_target = no_target()
    elif draw(st.integers(0, 5)) == 0:
        five_target = missing_from_source("generated: the five-star cell is lost")
    return four_target, five_target


@st.composite
def _indicator(draw: st.DrawFn, id: str, max_quantities: int) -> Indicator:
    n = draw(st.integers(1, max_quantities))
    quantities = [draw(_quantity(f"{id}_q{i}")) for i in range(n)]
    four, five = draw(_targets(quantities))
    return Indicator(
        id=id,
        table=draw(st.sampled_from(Table)),
        name_zh=f"指标{id}",
        name_en=f"Generated indicator {id}",
        definition_zh="生成的指标",
        departments_zh=(
            draw(st.sampled_from(["市大数据局", "市工业和信息化局", "市住房城乡建设局"])),
        ),
        quantities=tuple(q for q, _, _ in quantities),
        four_star=four,
        five_star=five,
    )


_IDS = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6)


def indicators(*, max_quantities: int = 2) -> st.SearchStrategy[Indicator]:
    """Valid generated indicators, for testing code that consumes any catalog.

    Each has 1 to ``max_quantities`` quantities shaped like the shipped ones (shares, weighted
    means with weights 1/3 or 40%, counts, speeds, spacings, ranks, checklists) and targets in
    which five stars imply four; now and then a ``/`` four-star target or a lost five-star one.
    """
    _check_int(max_quantities, "max_quantities", 1, 5)
    return _IDS.flatmap(lambda name: _indicator(f"ind_{name}", max_quantities))


def catalogs(
    elements: st.SearchStrategy[Indicator] | None = None, *, min_size: int = 1, max_size: int = 5
) -> st.SearchStrategy[Catalog]:
    """Valid catalogs of ``min_size`` to ``max_size`` indicators drawn from ``elements``.

    ``elements`` defaults to ``indicators()``. Indicator ids are unique; draws whose indicators
    define a shared input differently (which ``Catalog`` refuses) are rejected.
    """
    if elements is None:
        elements = indicators()
    elif not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"elements={elements!r} must be a strategy of indicators")
    _check_int(min_size, "min_size", 1)
    _check_int(max_size, "max_size", 1)
    if max_size < min_size:
        raise InvalidArgument(f"max_size={max_size} is below min_size={min_size}")
    unique = st.lists(elements, min_size=min_size, max_size=max_size, unique_by=lambda i: str(i.id))

    def build(inds: list[Indicator]) -> Catalog:
        try:
            return Catalog(id="generated", title_zh="生成的目录", indicators=tuple(inds))
        except CatalogError:
            reject()

    return unique.map(build)


# --- wording oracle ------------------------------------------------------------------------------

_CLAUSES = re.compile(r"[,,;;。]|且")


def _number_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    if Fraction(text) != value:
        raise ValueError(f"{value} is not a short decimal")
    return text


def wording_op(condition: Condition) -> Op | None:
    """The comparison the source sentence calls for, read by DESIGN.md's wording table.

    Finds the clause of ``condition.source_zh`` that states the condition's value (``80%``,
    ``25Mbit/s``, ``前3名``) and reads its wording: 超过 is ``>``, 小于 ``<``, 前N名 and 排A至B名
    ``<=``, 100% ``==``, 达到, 以上, 不少于, 实现 N 项 and N 种 ``>=``. ``None`` when no clause
    of the sentence states the value.
    """
    v = condition.value
    texts = [_number_text(v)]
    if condition.unit in ("dimensionless", "percent"):
        percent = v * 100 if condition.unit == "dimensionless" else v
        with contextlib.suppress(ValueError):
            texts.insert(0, _number_text(percent) + "%")
    for clause in _CLAUSES.split(condition.source_zh):
        for text in texts:
            pattern = rf"(?<![\d.]){re.escape(text)}(?![\d.])"
            if text.endswith("%"):
                pattern = rf"(?<![\d.]){re.escape(text)}"
            if not re.search(pattern, clause):
                continue
            if text == "100%" and "以上" not in clause:
                return Op.EQ
            if "超过" in clause:
                return Op.GT
            if "小于" in clause:
                return Op.LT
            if re.search(r"前\s*\d+\s*名|至\s*\d+\s*名", clause):
                return Op.LE
            if re.search(r"达到|以上|不少于|实现|\d+\s*[项种]", clause):
                return Op.GE
    return None


# --- assertion helpers ----------------------------------------------------------------------------


def _holds(op: Op, x: Fraction, t: Fraction) -> bool:
    return Condition("q", op, t).holds(x)


def assert_follows_wording(indicator: Indicator, values: Mapping[str, Any]) -> None:
    """Assert the grade of ``values`` is the one the source wording gives.

    Every condition is re-decided with ``wording_op`` (not the condition's own op), so an
    indicator that encodes 达到 80% as ``> 0.8`` fails at exactly 80%.
    """
    quantities = indicator.quantity_values(values)
    thresholds = _condition_thresholds(indicator)
    outcome: list[bool | None] = []
    for target in (indicator.four_star, indicator.five_star):
        if isinstance(target, NoTarget):
            outcome.append(True)
        elif isinstance(target, MissingFromSource):
            outcome.append(None)
        else:
            ok = True
            for cond in target.conditions:
                op = wording_op(cond)
                if op is None:
                    raise AssertionError(
                        f"{indicator.id}: the value {cond.value} of {cond} is not stated in its "
                        f"source sentence {cond.source_zh!r}"
                    )
                ok = ok and _holds(op, quantities[cond.quantity], thresholds[cond])
            outcome.append(ok)
    expected = decide(outcome[0], outcome[1])
    got = _scalar_grade(indicator, values)
    if got is not expected:
        shown = {k: str(v) for k, v in quantities.items()}
        raise AssertionError(
            f"{indicator.id}: graded {got} but the source wording gives {expected} for {shown}"
        )


def assert_grades_nested(indicator: Indicator, values: Mapping[str, Any]) -> None:
    """Assert that meeting the five-star target implies meeting the four-star one."""
    quantities = indicator.quantity_values(values)
    five = indicator.target_holds(indicator.five_star, quantities)
    four = indicator.target_holds(indicator.four_star, quantities)
    if five is True and four is False:
        shown = {k: str(v) for k, v in quantities.items()}
        raise AssertionError(
            f"{indicator.id}: meets its five-star target but not its four-star one at {shown}"
        )


def _effect(expr: Expr, input_id: str, sign: int = 1) -> set[int]:
    """Signs (+1, -1) with which ``input_id`` moves ``expr``; both when it is not monotone."""
    if isinstance(expr, Input):
        return {sign} if expr.id == input_id else set()
    if isinstance(expr, Const):
        return set()
    if isinstance(expr, Ratio):
        return _effect(expr.numerator, input_id, sign) | _effect(expr.denominator, input_id, -sign)
    if isinstance(expr, Growth):
        return _effect(expr.current, input_id, sign) | _effect(expr.previous, input_id, -sign)
    if isinstance(expr, WeightedMean):
        out: set[int] = set()
        for term, weight in expr.terms:
            out |= _effect(term, input_id, sign if weight >= 0 else -sign)
        return out
    if isinstance(expr, BinOp):
        left = _effect(expr.left, input_id, sign)
        if expr.op == "+":
            return left | _effect(expr.right, input_id, sign)
        if expr.op == "-":
            return left | _effect(expr.right, input_id, -sign)
        if isinstance(expr.right, Const):
            k = expr.right.value
            return left if k > 0 else {-s for s in left}
        if isinstance(expr.left, Const) and expr.op == "*":
            k = expr.left.value
            right = _effect(expr.right, input_id, sign)
            return right if k > 0 else {-s for s in right}
        return left | _effect(expr.right, input_id, sign) | {1, -1}
    return {1, -1}


def assert_monotone(
    indicator: Indicator, input_id: str, values: Mapping[str, Any], new_value: Any
) -> None:
    """Assert that moving one input in its better direction never lowers the grade.

    Grades ``values`` and ``values`` with ``input_id`` set to ``new_value``. The better direction
    of an input follows from where it sits (a part raises a share, a whole lowers it) and from
    each quantity's declared direction. Rows made invalid by the change (a part above its
    whole) are rejected with ``hypothesis.reject``, so call it inside a ``@given`` test.
    """
    if input_id not in {i.id for i in indicator.inputs}:
        raise InvalidArgument(f"{input_id!r} is not an input of {indicator.id!r}")
    better = set()
    for q in indicator.quantities:
        for s in _effect(q.expr, input_id):
            better.add(s if q.direction is Direction.HIGHER else -s)
    if len(better) != 1:
        return  # not monotone by construction: nothing to assert
    (sign,) = better
    old = to_fraction(values[input_id])
    new = to_fraction(new_value)
    changed = {**values, input_id: new_value}
    try:
        before = _scalar_grade(indicator, values)
        after = _scalar_grade(indicator, changed)
    except InputError:
        reject()
    if before is None or after is None:
        return
    improved = (new - old) * sign > 0
    if (improved and after < before) or (not improved and new != old and after > before):
        raise AssertionError(
            f"{indicator.id}: {input_id} {old} -> {new} moved the grade from {before.value} "
            f"to {after.value}, against the declared direction"
        )


def _scalar_codes(catalog: Catalog, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ind in catalog:
        names = out.setdefault(ind.id, [])
        for row in rows:
            try:
                grade = _scalar_grade(ind, row)
            except InputError:
                names.append("invalid")
                continue
            names.append("unknown" if grade is None else grade.value)
    return out


def _as_rows(data: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(data, Mapping):
        return [dict(data)]
    return [dict(r) for r in data]


def _columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return {k: [r[k] for r in rows] for k in keys}


def _catalog_of(target: Indicator | Catalog) -> Catalog:
    if isinstance(target, Indicator):
        # one catalog per indicator, kept on it, so its compiled engine is reused across examples
        solo = target.__dict__.get("_testing_catalog")
        if solo is None:
            solo = Catalog(id=target.id, title_zh=target.name_zh, indicators=(target,))
            target.__dict__["_testing_catalog"] = solo
        return solo
    if isinstance(target, Catalog):
        return target
    raise InvalidArgument(f"expected an Indicator or a Catalog, got {target!r}")


def assert_paths_agree(
    catalog: Catalog | Indicator, data: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> None:
    """Assert vectorised ``Catalog.evaluate`` and scalar ``Indicator.grade`` agree row by row.

    ``data`` is one row (input id -> number) or a sequence of rows; grades compare by name
    (``invalid`` and ``unknown`` included).
    """
    cat = _catalog_of(catalog)
    rows = _as_rows(data)
    result = cat.evaluate(_columns(rows))
    scalar = _scalar_codes(cat, rows)
    for ind in cat:
        vector = result.grades(ind.id)
        for i, (a, b) in enumerate(zip(vector, scalar[ind.id], strict=True)):
            if a != b:
                raise AssertionError(
                    f"{ind.id}, row {i}: Catalog.evaluate gives {a}, Indicator.grade gives {b} "
                    f"for {_inputs_shown(ind, rows[i])}"
                )


def _inputs_shown(ind: Indicator, row: Mapping[str, Any]) -> dict[str, Any]:
    return {i.id: row.get(i.id) for i in ind.inputs}


def assert_unit_invariant(
    catalog: Catalog | Indicator,
    data: Mapping[str, Any],
    *,
    units: Mapping[str, str] = DEFAULT_UNIT_CHANGES,
) -> None:
    """Assert grades do not change when inputs are given in other units.

    Every input declared in a unit that ``units`` maps to another (``Mbit/s`` -> ``MB/s``,
    ``km`` -> ``m``, ``亿元`` -> ``万元``) is converted exactly and passed under a header
    ``"id [unit]"`` to ``Catalog.evaluate``, and as a pint quantity to ``Indicator.grade``.
    """
    from smartindex.units import conversion_factor, get_registry

    cat = _catalog_of(catalog)
    base = cat.evaluate(dict(data))
    converted: dict[str, Any] = {}
    quantities: dict[str, Any] = {}
    registry = get_registry()
    for key, value in data.items():
        inp = cat.inputs.get(key)
        other = units.get(inp.unit) if inp is not None else None
        if inp is None or other is None:
            converted[key] = value
            quantities[key] = value
            continue
        x = to_fraction(value) * conversion_factor(inp.unit, other)
        number = float(x)
        if Fraction(repr(number)) != x:  # a value no float states exactly cannot be compared
            converted[key] = value
            quantities[key] = value
            continue
        converted[f"{key} [{other}]"] = number
        quantities[key] = registry.Quantity(number, other)
    changed = cat.evaluate(converted)
    for ind in cat:
        if base.grades(ind.id) != changed.grades(ind.id):
            raise AssertionError(
                f"{ind.id}: grade {base.grades(ind.id)} in declared units but "
                f"{changed.grades(ind.id)} with {converted}"
            )
        try:
            scalar = _scalar_grade(ind, quantities)
        except InputError:
            scalar_name = "invalid"
        else:
            scalar_name = "unknown" if scalar is None else scalar.value
        if scalar_name != base.grade(ind.id, 0):
            raise AssertionError(
                f"{ind.id}: Indicator.grade gives {scalar_name} with pint quantities but "
                f"{base.grade(ind.id, 0)} in declared units"
            )


def assert_row_order_invariant(
    catalog: Catalog | Indicator,
    rows: Sequence[Mapping[str, Any]],
    order: Sequence[int],
) -> None:
    """Assert each row's grades and quantities stay the same when the rows are reordered."""
    cat = _catalog_of(catalog)
    if sorted(order) != list(range(len(rows))):
        raise InvalidArgument(f"order={list(order)!r} is not a permutation of the {len(rows)} rows")
    first = cat.evaluate(_columns(rows))
    second = cat.evaluate(_columns([rows[i] for i in order]))
    for ind in cat:
        a, b = first.codes(ind.id), second.codes(ind.id)
        for new, old in enumerate(order):
            if a[old] != b[new]:
                raise AssertionError(
                    f"{ind.id}: row {old} grades {int(a[old])} in place but {int(b[new])} "
                    f"as row {new} after reordering"
                )
            for qid, arr in first.quantities(ind.id).items():
                x, y = arr[old], second.quantities(ind.id)[qid][new]
                if not (x == y or (math.isnan(x) and math.isnan(y))):
                    raise AssertionError(f"{ind.id}.{qid}: row {old} is {x} then {y}")
