"""One city through the whole catalog in plain Python floats: the latency path.

Grading one row with numpy costs microseconds per array call and thousands of calls per
catalog; a service grading one city per request wants well under a millisecond. The catalog is
compiled once into closures over floats. A city whose inputs are all plain, valid numbers in
declared units takes this path; anything else (units, text, missing or bad values, zero
denominators) returns ``None`` and goes the vectorised way, which explains the problem. A value
near a threshold is re-decided with exact fractions, as in the vectorised path, so both paths
grade every row alike.
"""

from __future__ import annotations

import math
import operator
import sys
import weakref
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from smartindex.evaluate import (
    FIVE,
    FOUR,
    LABEL_COLUMNS,
    NEAR,
    NOT_MET,
    UNKNOWN,
    EvaluationResult,
    IndicatorResult,
    RowErrors,
)
from smartindex.expr import BinOp, Const, Expr, Growth, Input, InputKind, Ratio, WeightedMean
from smartindex.thresholds import AllOf, Condition, MissingFromSource, NoTarget, Op, Target
from smartindex.units import conversion_factor

if TYPE_CHECKING:
    from smartindex.evaluate import Engine
    from smartindex.model import Indicator

__all__ = ["evaluate_one"]

Env = dict[str, float]
Fn = Callable[[Env], float]

_OPS: dict[Op, Callable[[float, float], bool]] = {
    Op.GE: operator.ge,
    Op.GT: operator.gt,
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.EQ: operator.eq,
}
_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def _compile(node: Expr) -> Fn:
    """A closure computing ``node`` over floats in the same operation order as ``evaluate``."""
    if isinstance(node, Input):
        key = node.id
        return lambda env: env[key]
    if isinstance(node, Const):
        value = float(node.value)
        return lambda env: value
    if isinstance(node, BinOp):
        a, b, op = _compile(node.left), _compile(node.right), _ARITH[node.op]
        return lambda env: op(a(env), b(env))
    if isinstance(node, Ratio):
        num, den = _compile(node.numerator), _compile(node.denominator)
        return lambda env: num(env) / den(env)
    if isinstance(node, Growth):
        cur, prev = _compile(node.current), _compile(node.previous)

        def growth(env: Env) -> float:
            p = prev(env)
            return (cur(env) - p) / p

        return growth
    if isinstance(node, WeightedMean):
        terms = [(float(w), _compile(t)) for t, w in node.terms]

        def weighted(env: Env) -> float:
            total = terms[0][0] * terms[0][1](env)
            for w, term in terms[1:]:
                total = total + w * term(env)
            return total

        return weighted
    return lambda env: float(node.evaluate(env, float))


@attrs.frozen
class _Check:
    """One condition compiled: the float test, the band around it, and the exact test."""

    quantity: str
    test: Callable[[float, float], bool]
    t: float
    low: float
    high: float
    exact: Condition


@attrs.frozen
class _Compiled:
    """One indicator compiled for single rows."""

    indicator: Indicator
    quantities: tuple[tuple[str, Fn], ...]
    four: tuple[_Check, ...] | None  # None: the source lost the target; () no target
    five: tuple[_Check, ...] | None
    five_known: bool


def _checks(ind: Indicator, target: Target) -> tuple[_Check, ...] | None:
    if isinstance(target, NoTarget):
        return ()
    if isinstance(target, MissingFromSource):
        return None
    assert isinstance(target, AllOf)
    out = []
    for cond in target.conditions:
        exact_t = cond.value * conversion_factor(cond.unit, ind.quantity(cond.quantity).unit)
        t = float(exact_t)
        tol = NEAR * max(1.0, abs(t))
        exact = attrs.evolve(cond, value=exact_t)
        out.append(_Check(cond.quantity, _OPS[cond.op], t, t - tol, t + tol, exact))
    return tuple(out)


@attrs.frozen
class _Plan:
    """The catalog compiled for single rows, built once per engine."""

    rules: tuple[_Rule, ...]
    ids: frozenset[str]
    indicators: tuple[_Compiled, ...]


#: Compiled plans by engine; kept beside it, not on it, so a catalog still pickles (closures
#: do not), for instance to dask's process workers.
_PLANS: weakref.WeakKeyDictionary[Engine, _Plan] = weakref.WeakKeyDictionary()


def _plan(engine: Engine) -> _Plan:
    cached = _PLANS.get(engine)
    if cached is None:
        indicators = tuple(
            _Compiled(
                ind,
                tuple((q.id, _compile(q.expr)) for q in ind.quantities),
                _checks(ind, ind.four_star),
                _checks(ind, ind.five_star),
                not isinstance(ind.five_star, MissingFromSource),
            )
            for ind in engine.catalog
        )
        inputs = tuple(engine.inputs.values())
        cached = _PLANS[engine] = _Plan(
            tuple(_rule(i) for i in inputs), frozenset(i.id for i in inputs), indicators
        )
    return cached


#: One input's rules compiled: id, lowest, highest, whole numbers only, > 0, its whole's id.
_Rule = tuple[str, float, float, bool, bool, str | None]


def _rule(inp: Input) -> _Rule:
    """``validation.scalar_problem`` for floats, as bounds, plus the part-of-whole rule."""
    high = sys.float_info.max  # finite, so infinity fails the bounds test
    if inp.kind is InputKind.RANK:
        low, high = 1.0, float(inp.rank_of or 1)
    else:
        low = 0.0
        if inp.kind is InputKind.CHECKLIST:
            high = float(len(inp.items))
    whole = None if inp.at_most is None else inp.at_most.id
    return (inp.id, low, high, inp.integral, inp.kind is InputKind.DISTANCE, whole)


def _valid(rules: tuple[_Rule, ...], env: Env) -> bool:
    for key, low, high, integral, positive, whole in rules:
        x = env[key]
        if not low <= x <= high or (integral and not x.is_integer()) or (positive and x == 0):
            return False  # NaN and infinity fail the bounds test
        if whole is not None and x > env[whole]:
            return False
    return True


def _holds(
    checks: tuple[_Check, ...], values: dict[str, float], exact: Callable[[], dict[str, Fraction]]
) -> tuple[bool, dict[str, float]]:
    """Whether every check holds, and ``threshold - value`` of the failing ones per quantity."""
    ok = True
    gaps: dict[str, float] = {}
    for c in checks:
        x = values[c.quantity]
        holds = c.test(x, c.t)
        if c.low <= x <= c.high:
            holds = c.exact.holds(exact()[c.quantity])
        gap = math.nan if holds else c.t - x
        old = gaps.get(c.quantity, math.nan)
        gaps[c.quantity] = gap if math.isnan(old) else old if math.isnan(gap) else max(old, gap)
        ok = ok and holds
    return ok, gaps


def _indicator(item: _Compiled, env: Env) -> IndicatorResult:
    values = {qid: fn(env) for qid, fn in item.quantities}
    cache: list[dict[str, Fraction]] = []

    def exact() -> dict[str, Fraction]:
        if not cache:
            ind = item.indicator
            env_exact = {i.id: Fraction(repr(env[i.id])) for i in ind.inputs}
            cache.append({q.id: q.expr.evaluate(env_exact, lambda c: c) for q in ind.quantities})
        return cache[0]

    four, four_gap = (None, {}) if item.four is None else _holds(item.four, values, exact)
    five, five_gap = (None, {}) if item.five is None else _holds(item.five, values, exact)
    if four is None:
        code = FIVE if five else UNKNOWN
    else:
        code = FIVE if four and five else FOUR if four else NOT_MET
    gaps = {qid: four_gap.get(qid, math.nan) if code == NOT_MET else math.nan for qid in values}
    if code == FOUR:
        gaps.update(five_gap)
    return IndicatorResult(
        {qid: np.array([x]) for qid, x in values.items()},
        np.array([code], dtype=np.int8),
        RowErrors(1, (), {}),
        {qid: np.array([g]) for qid, g in gaps.items() if not math.isnan(g)},
        item.five_known,
    )


def evaluate_one(
    engine: Engine, data: Mapping[str, Any], labels: Any = None
) -> EvaluationResult | None:
    """Grade one city given as plain numbers in declared units, or ``None`` to go vectorised."""
    plan = _plan(engine)
    env: Env = {}
    label = None
    for key, value in data.items():
        if key in plan.ids:
            if not (type(value) in (float, int) or isinstance(value, np.floating | np.integer)):
                return None  # bool, text, sequences and quantities need the general path
            try:
                env[key] = float(value)
            except OverflowError:  # an int too large for a float is an invalid cell
                return None
        elif (
            isinstance(key, str)
            and key.strip().lower() in LABEL_COLUMNS
            and labels is None
            and isinstance(value, str)
        ):
            label = value
        else:
            return None
    if len(env) != len(plan.ids):
        return None
    if labels is not None:
        given = list(labels)
        if len(given) != 1:
            return None
        label = str(given[0])
    if not _valid(plan.rules, env):
        return None
    try:
        results = {item.indicator.id: _indicator(item, env) for item in plan.indicators}
    except (ZeroDivisionError, OverflowError):
        return None
    return EvaluationResult(engine.catalog, ["0" if label is None else label], results)
