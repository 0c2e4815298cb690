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
from collections.abc import Callable, Iterator, Mapping
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
from smartindex.expr import (
    BinOp,
    Const,
    Expr,
    Growth,
    Input,
    InputKind,
    Ratio,
    WeightedMean,
    to_fraction,
)
from smartindex.thresholds import AllOf, Condition, MissingFromSource, Op

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
        top, bottom = node.numerator, node.denominator
        if isinstance(top, Input) and isinstance(bottom, Input):  # the common shape, one call
            ka, kb = top.id, bottom.id
            return lambda env: env[ka] / env[kb]
        if isinstance(top, Input) and isinstance(bottom, Const):
            ka, kc = top.id, float(bottom.value)
            return lambda env: env[ka] / kc
        num, den = _compile(top), _compile(bottom)
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

    indicator: Indicator
    quantity: str
    index: int  # of the quantity's value in the plan's flat list
    target: int  # of the (indicator, grade) target this check belongs to
    test: Callable[[float, float], bool]
    t: float
    low: float
    high: float
    exact: Condition
    float_exact: bool  # a bare input against a short decimal: the float test is exact
    ratio: tuple[str | float, str | float, int, int] | None  # num, den (id or constant), p, q


@attrs.frozen
class _Compiled:
    """One indicator compiled for single rows: where its values, checks and targets are."""

    indicator: Indicator
    quantities: tuple[tuple[str, int], ...]  # quantity id, index of its value
    four: tuple[int, int, int] | None  # target number, first and past-last check; None: lost
    five: tuple[int, int, int] | None
    five_known: bool


def _check(ind: Indicator, cond: Condition, index: int, target: int) -> _Check:
    exact_t = ind.threshold(cond)
    t = float(exact_t)
    tol = NEAR * max(1.0, abs(t))
    expr = ind.quantity(cond.quantity).expr
    # float rounding keeps order, so a float input against a threshold that is its own
    # shortest decimal compares exactly as the decimal it was written as
    float_exact = isinstance(expr, Input) and to_fraction(t) == exact_t
    ratio = None
    if isinstance(expr, Ratio):
        num, den = _side(expr.numerator), _side(expr.denominator)
        if num is not None and den is not None:
            ratio = (num, den, exact_t.numerator, exact_t.denominator)
    exact = attrs.evolve(cond, value=exact_t)
    test = _OPS[cond.op]
    return _Check(
        ind, cond.quantity, index, target, test, t, t - tol, t + tol, exact, float_exact, ratio
    )


def _side(node: Expr) -> str | float | None:
    """An input's id or a whole constant's value, for cross-multiplying a ratio exactly."""
    if isinstance(node, Input):
        return node.id
    if isinstance(node, Const) and node.value.denominator == 1:
        return float(node.value)
    return None


@attrs.frozen
class _Plan:
    """The catalog compiled for single rows, built once per engine: one flat program."""

    rules: tuple[_Rule, ...]
    ids: frozenset[str]
    functions: tuple[Fn, ...]  # every quantity of every indicator
    checks: tuple[_Check, ...]  # every condition of every target
    targets: int
    indicators: tuple[_Compiled, ...]


def _compile_plan(engine: Engine) -> _Plan:
    functions: list[Fn] = []
    checks: list[_Check] = []
    indicators: list[_Compiled] = []
    targets = 0
    for ind in engine.catalog:
        where = {}
        for q in ind.quantities:
            where[q.id] = len(functions)
            functions.append(_compile(q.expr))
        spans: list[tuple[int, int, int] | None] = []
        for target in (ind.four_star, ind.five_star):
            if isinstance(target, MissingFromSource):
                spans.append(None)
                continue
            first = len(checks)
            if isinstance(target, AllOf):
                for cond in target.conditions:
                    checks.append(_check(ind, cond, where[cond.quantity], targets))
            spans.append((targets, first, len(checks)))
            targets += 1
        indicators.append(
            _Compiled(
                ind,
                tuple(where.items()),
                spans[0],
                spans[1],
                not isinstance(ind.five_star, MissingFromSource),
            )
        )
    inputs = tuple(engine.inputs.values())
    return _Plan(
        tuple(_rule(i) for i in inputs),
        frozenset(i.id for i in inputs),
        tuple(functions),
        tuple(checks),
        targets,
        tuple(indicators),
    )


#: Compiled plans by engine; kept beside it, not on it, so a catalog still pickles (closures
#: do not), for instance to dask's process workers.
_PLANS: weakref.WeakKeyDictionary[Engine, _Plan] = weakref.WeakKeyDictionary()


def _plan(engine: Engine) -> _Plan:
    cached = _PLANS.get(engine)
    if cached is None:
        cached = _PLANS[engine] = _compile_plan(engine)
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


def _exact_decide(c: _Check, env: Env) -> bool:
    """Re-decide a check whose value sits within the band around its threshold, exactly."""
    if c.ratio is not None:
        num, den, p, q = c.ratio
        a = env[num] if isinstance(num, str) else num
        b = env[den] if isinstance(den, str) else den
        if a.is_integer() and b.is_integer() and b > 0:
            return c.test(int(a) * q, p * int(b))  # a/b op p/q, in whole numbers
    ind = c.indicator
    env_exact = {i.id: to_fraction(env[i.id]) for i in ind.inputs}
    return c.exact.holds(ind.quantity(c.quantity).expr.evaluate(env_exact, lambda k: k))


class _Results(Mapping[str, IndicatorResult]):
    """Indicator id -> result, each built when first read: most callers read a few grades."""

    def __init__(
        self, plan: _Plan, values: list[float], holds: list[bool], codes: dict[str, int]
    ) -> None:
        self._plan, self._values, self._holds, self._codes = plan, values, holds, codes
        self._by_id = {item.indicator.id: item for item in plan.indicators}
        self._built: dict[str, IndicatorResult] = {}

    def __getitem__(self, indicator_id: str) -> IndicatorResult:
        built = self._built.get(indicator_id)
        if built is None:
            built = self._built[indicator_id] = self._result(self._by_id[indicator_id])
        return built

    def __iter__(self) -> Iterator[str]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def _result(self, item: _Compiled) -> IndicatorResult:
        """The vectorised path's one-row result: arrays, and gaps to the next grade."""
        code = self._codes[item.indicator.id]
        values = {qid: self._values[i] for qid, i in item.quantities}
        gaps = dict.fromkeys(values, math.nan)
        span = item.four if code == NOT_MET else item.five if code == FOUR else None
        if span is not None:
            part = slice(span[1], span[2])
            for c, ok in zip(self._plan.checks[part], self._holds[part], strict=True):
                old = gaps[c.quantity]
                gap = math.nan if ok else c.t - values[c.quantity]
                gaps[c.quantity] = (
                    gap if math.isnan(old) else old if math.isnan(gap) else max(old, gap)
                )
        return IndicatorResult(
            {qid: np.array([x]) for qid, x in values.items()},
            np.array([code], dtype=np.int8),
            RowErrors(1, (), {}),
            {qid: np.array([g]) for qid, g in gaps.items() if not math.isnan(g)},
            item.five_known,
        )


def _grade(plan: _Plan, env: Env) -> tuple[list[float], list[bool], dict[str, int]]:
    values = [fn(env) for fn in plan.functions]
    holds = []
    failed = [0] * plan.targets
    for c in plan.checks:
        x = values[c.index]
        ok = c.test(x, c.t)
        if not c.float_exact and c.low <= x <= c.high:
            ok = _exact_decide(c, env)
        holds.append(ok)
        if not ok:
            failed[c.target] += 1
    codes = {}
    for item in plan.indicators:
        four, five = item.four, item.five
        five_ok = five is not None and not failed[five[0]]
        if four is None:
            code = FIVE if five_ok else UNKNOWN
        elif failed[four[0]]:
            code = NOT_MET
        else:
            code = FIVE if five_ok else FOUR
        codes[item.indicator.id] = code
    return values, holds, codes


def evaluate_one(
    engine: Engine, data: Mapping[str, Any], labels: Any = None
) -> EvaluationResult | None:
    """Grade one city given as plain numbers in declared units, or ``None`` to go vectorised."""
    plan = _plan(engine)
    env: Env = {}
    label = None
    for key, value in data.items():
        if key in plan.ids:
            if type(value) is float:
                env[key] = value
                continue
            if not (type(value) is int or isinstance(value, np.floating | np.integer)):
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
        values, holds, codes = _grade(plan, env)
    except (ZeroDivisionError, OverflowError):
        return None
    results = _Results(plan, values, holds, codes)
    return EvaluationResult(engine.catalog, ["0" if label is None else label], results)
