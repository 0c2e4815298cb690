"""What-if analysis: gaps to the next grade, cheapest plans, sensitivity, scenarios, Monte Carlo.

Gaps are solved, not searched: for every quantity and every input it reads, sympy solves
``quantity == threshold`` for that input once per catalog (the roots and the poles, as functions of
the other inputs and the threshold). For a city, the roots cut the input's admissible range into
pieces on which every condition is constant; one exact (Fraction) test per piece says which pieces
reach the target, and the nearest admissible value of the nearest piece is the answer, rounded to a
whole number the right way for counts and to six significant digits for continuous inputs.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from html import escape
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from smartindex.evaluate import (
    CODE_NAMES,
    FIVE,
    INVALID,
    NOT_MET,
    UNKNOWN,
    EvaluationResult,
    engine_for,
    parse_header,
)
from smartindex.expr import BinOp, Direction, Expr, Growth, Input, InputKind, Ratio, to_fraction
from smartindex.model import decide
from smartindex.thresholds import AllOf, Condition, Grade, MissingFromSource, Op
from smartindex.units import conversion_factor

if TYPE_CHECKING:
    import pandas as pd

    from smartindex.model import Catalog, Indicator

__all__ = [
    "Change",
    "Gap",
    "GapReport",
    "MissingCondition",
    "Plan",
    "ScenarioResult",
    "Sensitivity",
    "cheapest_plan",
    "gap",
    "monte_carlo",
    "scenarios",
    "sensitivity",
]

Env = Mapping[str, Any]  # input id -> exact value (int when whole, else Fraction)
FracFn = Callable[[Env], Any]  # returns an exact int or Fraction
_T = "T_"  # the threshold symbol; input ids are lower-case, so it cannot clash
#: Significant digits of a continuous input's reported value (DESIGN: exact up to 6 digits).
DIGITS = 6


# --- compiling sympy expressions into exact Fraction functions -------------------------------
class _NotRationalError(Exception):
    """A solved form is not a rational function (a square root, say)."""


def _to_fraction_fn(e: Any) -> FracFn:
    """A closure evaluating a rational sympy expression exactly (no eval).

    Whole numbers stay Python ints, which are several times faster than Fractions.
    """
    if e.is_Symbol:
        name = str(e.name)
        return lambda env: env[name]
    if e.is_Rational:
        value = _intify(Fraction(int(e.p), int(e.q)))
        return lambda env: value
    if e.is_Add:
        parts = [_to_fraction_fn(a) for a in e.args]
        return lambda env: sum(p(env) for p in parts)
    if e.is_Mul:
        factors = [_to_fraction_fn(a) for a in e.args]

        def product(env: Env) -> Any:
            out: Any = 1
            for f in factors:
                out *= f(env)
            return out

        return product
    if e.is_Pow and e.exp.is_Integer:
        base, n = _to_fraction_fn(e.base), int(e.exp)
        if n < 0:
            return lambda env: Fraction(1) / base(env) ** -n
        return lambda env: base(env) ** n
    raise _NotRationalError(str(e))


def _intify(x: Fraction) -> Any:
    return x.numerator if x.denominator == 1 else x


def _approx_fn(e: Any) -> FracFn:
    """Fallback for irrational solved forms: evaluate numerically (30 digits), then read exactly."""
    names = sorted(str(s.name) for s in e.free_symbols)

    def run(env: Env) -> Fraction:
        import sympy

        subs = {
            sympy.Symbol(n): sympy.Rational(env[n].numerator, env[n].denominator) for n in names
        }
        value = complex(e.evalf(30, subs=subs))
        if abs(value.imag) > 1e-12:
            raise ZeroDivisionError("complex root")
        return to_fraction(value.real)

    return run


def _compile(e: Any) -> FracFn:
    try:
        return _to_fraction_fn(e)
    except _NotRationalError:
        return _approx_fn(e)


@attrs.frozen
class _Solved:
    """Solved forms of one quantity for one input: roots of ``q == T`` and poles of ``q``."""

    roots: tuple[FracFn, ...]
    poles: tuple[FracFn, ...]


class _Solver:
    """Per-catalog cache of solved forms, filled per indicator on first use."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.solved: dict[tuple[str, str, str], _Solved] = {}
        self.done: set[str] = set()
        self.thresholds: dict[tuple[str, int], tuple[tuple[Condition, Fraction], ...]] = {}
        #: (indicator, quantity) -> (numerator, denominator, every denominator of the formula)
        self.quantity_fns: dict[tuple[str, str], tuple[FracFn, FracFn, tuple[FracFn, ...]]] = {}
        self.derivatives: dict[tuple[str, str, str], FracFn] = {}
        #: whole id -> the inputs of the catalog declared never to exceed it
        self.parts: dict[str, list[Input]] = {}
        for inp in catalog.inputs.values():
            if inp.at_most is not None:
                self.parts.setdefault(inp.at_most.id, []).append(inp)

    def indicator(self, ind: Indicator) -> None:
        """Solve every (quantity, input) pair of ``ind`` once."""
        if ind.id in self.done:
            return
        import sympy

        t = sympy.Symbol(_T)
        for q in ind.quantities:
            inputs = q.expr.inputs()
            syms = {i.id: sympy.Symbol(i.id) for i in inputs}
            f = q.expr.to_sympy(syms)
            q_num, q_den = sympy.fraction(sympy.together(f))
            guards = tuple(_compile(d.to_sympy(syms)) for d in _denominators(q.expr) if d.inputs())
            self.quantity_fns[ind.id, q.id] = (_compile(q_num), _compile(q_den), guards)
            num, den = sympy.fraction(sympy.together(f - t))
            for inp in inputs:
                x = syms[inp.id]
                roots = _roots(sympy, num, x)
                poles = _roots(sympy, den, x)
                self.solved[ind.id, q.id, inp.id] = _Solved(
                    tuple(_compile(r) for r in roots),
                    tuple(_compile(p) for p in poles),
                )
        self.done.add(ind.id)

    def derivative(self, ind: Indicator, quantity_id: str, input_id: str) -> FracFn:
        """The derivative of a quantity by one input, derived by sympy on first use, cached."""
        key = (ind.id, quantity_id, input_id)
        if key not in self.derivatives:
            import sympy

            expr = ind.quantity(quantity_id).expr
            syms = {i.id: sympy.Symbol(i.id) for i in expr.inputs()}
            d = sympy.diff(expr.to_sympy(syms), syms[input_id])
            self.derivatives[key] = _compile(sympy.together(d))
        return self.derivatives[key]

    def own(self, ind: Indicator, grade: Grade) -> tuple[tuple[Condition, Fraction], ...]:
        """The conditions of ``grade``'s own target (empty for '/' or a lost target)."""
        target = ind.target(grade)
        if not isinstance(target, AllOf):
            return ()
        return tuple(ct for ct in self.conditions(ind, grade) if ct[0] in target.conditions)

    def conditions(self, ind: Indicator, grade: Grade) -> tuple[tuple[Condition, Fraction], ...]:
        """Conditions (with thresholds in quantity units) a row must meet to reach ``grade``."""
        key = (ind.id, grade.rank)
        if key not in self.thresholds:
            out: list[tuple[Condition, Fraction]] = []
            for g in (Grade.FOUR_STAR, Grade.FIVE_STAR):
                target = ind.target(g)
                if g <= grade and isinstance(target, AllOf):
                    out.extend((c, ind.threshold(c)) for c in target.conditions)
            self.thresholds[key] = tuple(out)
        return self.thresholds[key]


def _roots(sympy: Any, poly: Any, x: Any) -> list[Any]:
    """Where the polynomial ``poly`` is zero in ``x``: linear ones directly, others by solve."""
    if not poly.has(x):
        return []
    p = sympy.Poly(poly, x)
    if p.degree() == 1:
        a, b = p.all_coeffs()
        return [-b / a]
    return list(sympy.solve(poly, x))


def _denominators(expr: Expr) -> list[Expr]:
    """Every sub-expression the formula divides by (a zero there makes the row invalid)."""
    out: list[Expr] = []
    for node in expr.walk():
        if isinstance(node, Ratio):
            out.append(node.denominator)
        elif isinstance(node, Growth):
            out.append(node.previous)
        elif isinstance(node, BinOp) and node.op == "/":
            out.append(node.right)
    return out


def _solver_for(catalog: Catalog) -> _Solver:
    cache = catalog.__dict__
    solver = cache.get("_whatif_solver")
    if solver is None:
        solver = cache["_whatif_solver"] = _Solver(catalog)
    assert isinstance(solver, _Solver)
    return solver


# --- exact single-input solving ------------------------------------------------------------------
def _holds(op: Op, x: Fraction, t: Fraction) -> bool:
    if op is Op.GE:
        return x >= t
    if op is Op.GT:
        return x > t
    if op is Op.LT:
        return x < t
    if op is Op.LE:
        return x <= t
    return x == t


def _quantities(
    solver: _Solver, ind: Indicator, env: Env, wanted: Iterable[str]
) -> dict[str, Fraction] | None:
    """Exact quantity values, or None where the formula divides by zero (an invalid row)."""
    out: dict[str, Fraction] = {}
    for qid in wanted:
        if qid in out:
            continue
        num, den, guards = solver.quantity_fns[ind.id, qid]
        try:
            if any(g(env) == 0 for g in guards):
                return None
            out[qid] = Fraction(num(env), den(env))
        except ZeroDivisionError:
            return None
    return out


def _all_hold(
    solver: _Solver, ind: Indicator, env: Env, conds: Sequence[tuple[Condition, Fraction]]
) -> bool:
    values = _quantities(solver, ind, env, [c.quantity for c, _ in conds])
    if values is None:
        return False
    return all(_holds(c.op, values[c.quantity], t) for c, t in conds)


@attrs.frozen
class _Domain:
    low: Fraction
    low_closed: bool
    high: Fraction | None
    integral: bool


def _domain(solver: _Solver, inp: Input, env: Env) -> _Domain:
    """Where ``inp`` may move in this row: its kind's bounds, below its whole, above its parts.

    Parts are looked for across the whole catalog (a whole shared by two indicators stays above
    the parts of both), so ``env`` carries them too (see ``_row_env``).
    """
    low, closed = Fraction(0), True
    high: Fraction | None = None
    if inp.kind is InputKind.RANK:
        low, high = Fraction(1), Fraction(inp.rank_of or 1)
    elif inp.kind is InputKind.CHECKLIST:
        high = Fraction(len(inp.items))
    elif inp.kind is InputKind.DISTANCE:
        closed = False
    if inp.at_most is not None and inp.at_most.id in env:
        whole = env[inp.at_most.id]
        high = whole if high is None else min(high, whole)
    for other in solver.parts.get(inp.id, ()):
        is_part = other.id in env
        if is_part and (env[other.id] > low or (env[other.id] == low and not closed)):
            low, closed = env[other.id], True
    return _Domain(low, closed, high, inp.integral)


def _row_env(
    solver: _Solver, ind: Indicator, table: Any, problems: Mapping[str, Any], row: int
) -> dict[str, Any]:
    """Exact values of one row: the indicator's inputs, plus their wholes and parts elsewhere."""
    env = {inp.id: _intify(table.exact(inp.id, row)) for inp in ind.inputs}
    for inp in ind.inputs:
        related = [*solver.parts.get(inp.id, ()), *([inp.at_most] if inp.at_most else [])]
        for other in related:
            if other.id not in env and row not in problems.get(other.id, {}):
                env[other.id] = _intify(table.exact(other.id, row))
    return env


def _step(a: Fraction) -> Fraction:
    """One unit in the sixth significant digit of ``a``."""
    if a == 0:
        return Fraction(1, 10**DIGITS)
    e = math.floor(math.log10(abs(float(a)))) - (DIGITS - 1)
    return Fraction(10) ** e


def _up(a: Fraction, strict: bool, integral: bool) -> Fraction:
    """The smallest admissible value >= a (> a when strict)."""
    if integral:
        return Fraction(math.floor(a) + 1 if strict else math.ceil(a))
    s = _step(a)
    v = math.ceil(a / s) * s
    return v + s if strict and v == a else Fraction(v)


def _down(b: Fraction, strict: bool, integral: bool) -> Fraction:
    """The largest admissible value <= b (< b when strict)."""
    if integral:
        return Fraction(math.ceil(b) - 1 if strict else math.floor(b))
    s = _step(b)
    v = math.floor(b / s) * s
    return v - s if strict and v == b else Fraction(v)


def _nearest(
    x0: Fraction,
    dom: _Domain,
    breaks: Iterable[Fraction],
    wanted: Callable[[Fraction], bool],
) -> Fraction | None:
    """The admissible value nearest ``x0`` where ``wanted`` holds, or None.

    ``breaks`` must contain every point where ``wanted`` may change (roots and poles), so one
    test per piece decides the whole piece.
    """
    # Fractions hash and compare slowly: sort by float, drop exact duplicates by neighbour.
    pts = [
        b
        for b in breaks
        if (b > dom.low or (b == dom.low and dom.low_closed))
        and (dom.high is None or b <= dom.high)
    ]
    if dom.low_closed:
        pts.append(dom.low)
    if dom.high is not None:
        pts.append(dom.high)
    pts.sort(key=float)
    inside = [b for i, b in enumerate(pts) if i == 0 or b != pts[i - 1]]
    edges: list[Fraction] = [dom.low] if not dom.low_closed else []
    edges += inside
    # One candidate per piece: the piece's admissible value nearest x0. Truth is constant on a
    # piece, so testing the candidate decides the piece; test the nearest candidates first.
    candidates: list[Fraction] = [
        p for p in inside if p.denominator == 1 or (not dom.integral and _up(p, False, False) == p)
    ]
    spans: list[tuple[Fraction, Fraction | None]] = list(itertools.pairwise(edges))
    if dom.high is None and edges:
        spans.append((edges[-1], None))
    for lo, hi in spans:
        if hi is not None and hi <= x0:
            v = _down(hi, True, dom.integral)
            if v > lo:
                candidates.append(v)
        elif lo >= x0:
            v = _up(lo, True, dom.integral)
            if hi is None or v < hi:
                candidates.append(v)
        else:  # x0 lies inside the piece
            candidates.append(x0)
    f0 = float(x0)
    for v in sorted(candidates, key=lambda v: (abs(float(v) - f0), -float(v))):
        if wanted(v):
            return v
    return None


def _breaks(
    solver: _Solver,
    ind: Indicator,
    inp: Input,
    env: Env,
    conds: Iterable[tuple[Condition, Fraction]],
) -> list[Fraction]:
    out: list[Fraction] = []
    for c, t in conds:
        solved = solver.solved.get((ind.id, c.quantity, inp.id))
        if solved is None:
            continue
        full = {**env, _T: t}
        for fn in (*solved.roots, *solved.poles):
            try:
                out.append(fn(full))
            except (ZeroDivisionError, KeyError):
                continue
    return out


def _solve_input(
    solver: _Solver,
    ind: Indicator,
    inp: Input,
    env: Env,
    conds: Sequence[tuple[Condition, Fraction]],
    want: bool = True,
) -> Fraction | None:
    """Nearest value of ``inp`` (others held) where all ``conds`` hold (``want``) or not."""
    dom = _domain(solver, inp, env)
    breaks = _breaks(solver, ind, inp, env, conds)

    def wanted(v: Fraction) -> bool:
        return _all_hold(solver, ind, {**env, inp.id: _intify(v)}, conds) is want

    return _nearest(env[inp.id], dom, breaks, wanted)


# --- gap reports ------------------------------------------------------------------------------
def _num(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


@attrs.frozen
class Change:
    """One input changed alone: ``from_`` -> ``to`` in the input's declared unit."""

    input: str
    from_: Fraction
    to: Fraction
    unit: str
    direction: Direction = Direction.HIGHER

    @property
    def with_direction(self) -> bool:
        """Whether the input moves the way it is better (more of a part, not a smaller whole)."""
        return (self.delta > 0) is (self.direction is Direction.HIGHER)

    @property
    def delta(self) -> Fraction:
        """``to - from``."""
        return self.to - self.from_

    @property
    def relative(self) -> float:
        """The change relative to the current value (absolute change when that is 0)."""
        return float(abs(self.delta) / abs(self.from_)) if self.from_ else float(abs(self.delta))

    def to_dict(self) -> dict[str, Any]:
        """The contract's change object, plus ``delta``."""
        return {
            "input": self.input,
            "from": _num(self.from_),
            "to": _num(self.to),
            "unit": self.unit,
            "delta": _num(self.delta),
        }

    def __str__(self) -> str:
        d = self.delta
        sign = "+" if d > 0 else "-"
        unit = "" if self.unit == "dimensionless" else f" {self.unit}"
        return f"{self.input} {_show(self.from_)} -> {_show(self.to)} ({sign}{_show(abs(d))}{unit})"


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{float(x):.6g}"


@attrs.frozen
class MissingCondition:
    """A condition of the target that the row does not meet, and what fixes it alone."""

    condition: Condition
    threshold: Fraction
    current: Fraction | None
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        """As JSON: the condition, its current value and its one-input fixes."""
        c = self.condition
        return {
            "quantity": c.quantity,
            "op": c.op.value,
            "value": _num(self.threshold),
            "current": None if self.current is None else float(self.current),
            "source_zh": c.source_zh,
            "changes": [ch.to_dict() for ch in self.changes],
        }


@attrs.frozen(repr=False)
class Gap:
    """One row, one indicator, one target grade: the one-input changes that reach it."""

    row: int
    label: str
    indicator: Indicator
    grade: str
    target: str
    changes: tuple[Change, ...]
    impossible: tuple[str, ...]
    missing: tuple[MissingCondition, ...]
    status: str = "open"  # or "cannot_be_decided" (the source lost the target)

    @property
    def effort(self) -> float:
        """Relative size of the first (preferred) change; inf when no single change reaches it."""
        return self.changes[0].relative if self.changes else math.inf

    def to_dict(self) -> dict[str, Any]:
        """The contract's gap object (DESIGN.md section 2) with extra keys."""
        out: dict[str, Any] = {
            "row": self.row,
            "label": self.label,
            "indicator": self.indicator.id,
            "grade": self.grade,
            "target": self.target,
            "changes": [c.to_dict() for c in self.changes],
            "status": self.status,
            "impossible_alone": list(self.impossible),
            "missing": [m.to_dict() for m in self.missing],
            "departments_zh": list(self.indicator.departments_zh),
        }
        if self.status == "cannot_be_decided":
            target = self.indicator.target(Grade(self.target))
            out["note"] = target.note if isinstance(target, MissingFromSource) else ""
        return out

    def __repr__(self) -> str:
        return (
            f"<Gap row {self.row} {self.indicator.id}: {self.grade} -> {self.target}: "
            f"{self.summary()}>"
        )

    def summary(self) -> str:
        """One line: the best change, or why there is none."""
        if self.status == "cannot_be_decided":
            return "cannot be decided: the source lost this target"
        if self.changes:
            return str(self.changes[0])
        return "no single input reaches it; missing: " + "; ".join(
            str(m.condition) for m in self.missing
        )


NO_DEPARTMENT = "(department missing from source)"


class GapReport:
    """Every gap of every row, nearest wins first, with a per-department view."""

    def __init__(
        self,
        catalog: Catalog,
        gaps: Sequence[Gap],
        labels: Sequence[str],
        skipped: Sequence[tuple[int, str]] = (),
    ) -> None:
        self.catalog = catalog
        self.labels = list(labels)
        #: (row, indicator id) pairs left out because the row is invalid for the indicator
        self.skipped = list(skipped)
        decidable = [g for g in gaps if g.status == "open"]
        undecidable = [g for g in gaps if g.status != "open"]
        order = {ind.id: i for i, ind in enumerate(catalog)}
        decidable.sort(key=lambda g: (g.effort, g.row, order[g.indicator.id], g.target))
        self.gaps: tuple[Gap, ...] = (*decidable, *undecidable)

    def __len__(self) -> int:
        return len(self.gaps)

    def __iter__(self) -> Any:
        return iter(self.gaps)

    def for_row(self, row: int) -> list[Gap]:
        """The gaps of one row, nearest first."""
        return [g for g in self.gaps if g.row == row]

    def by_department(self) -> dict[str, list[Gap]]:
        """Department -> the gaps of the indicators it answers for, nearest first."""
        out: dict[str, list[Gap]] = {}
        for g in self.gaps:
            for dept in g.indicator.departments_zh or (NO_DEPARTMENT,):
                out.setdefault(dept, []).append(g)
        return out

    def to_dict(self) -> dict[str, Any]:
        """``{"gaps": [...]}`` as in DESIGN.md section 2, plus ``departments``."""
        return {
            "gaps": [g.to_dict() for g in self.gaps],
            "departments": {
                dept: [
                    {"row": g.row, "indicator": g.indicator.id, "target": g.target} for g in gaps
                ]
                for dept, gaps in self.by_department().items()
            },
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def _rows(self) -> list[list[str]]:
        return [
            [
                g.label,
                g.indicator.id,
                g.grade,
                g.target,
                g.summary(),
                str(len(g.changes)),
            ]
            for g in self.gaps
        ]

    def render(self, fmt: str = "table") -> str:
        """``table`` or ``markdown`` text: every gap, then what each department must deliver."""
        from smartindex.report import render_table

        header = ["label", "indicator", "grade", "target", "nearest change", "options"]
        depts = [
            [dept, g.label, g.indicator.id, g.target, g.summary()]
            for dept, gaps in self.by_department().items()
            for g in gaps
        ]
        dheader = ["department", "label", "indicator", "target", "nearest change"]
        if fmt == "markdown":
            return "\n".join(
                [
                    "## Gaps (nearest wins first)",
                    "",
                    _markdown(header, self._rows()),
                    "",
                    "## By department",
                    "",
                    _markdown(dheader, depts),
                ]
            )
        if fmt != "table":
            raise ValueError(f"unknown format {fmt!r}; use table, markdown or to_json()")
        return "\n".join(
            [
                render_table(header, self._rows()),
                "",
                "By department:",
                render_table(dheader, depts),
            ]
        )

    def __repr__(self) -> str:
        rows = len(self.labels)
        return (
            f"<GapReport: {len(self.gaps)} gaps over {rows} rows x {len(self.catalog)} indicators>"
        )

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{h}</th>" for h in ("label", "indicator", "grade", "target", "nearest change")
        )
        body = "".join(
            f"<tr><td>{escape(g.label)}</td><td><code>{escape(g.indicator.id)}</code></td>"
            f"<td>{g.grade}</td><td>{g.target}</td><td>{escape(g.summary())}</td></tr>"
            for g in self.gaps
        )
        return f"<p>{escape(repr(self))}</p><table><tr>{head}</tr>{body}</table>"


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _table(catalog: Catalog, data: Any, labels: Any) -> tuple[Any, dict[str, dict[int, str]]]:
    """The engine's normalised inputs and its per-cell problems (the same validation rules)."""
    engine = engine_for(catalog)
    table = engine.table(data, labels)
    return table, engine._input_problems(table)


def _exact_code(
    solver: _Solver, ind: Indicator, env: Env, values: Mapping[str, Fraction] | None
) -> int:
    """The grade code of one valid row, decided exactly (the scalar path, as Indicator.grade)."""
    if values is None:
        return INVALID
    outcome: list[bool | None] = []
    for g in (Grade.FOUR_STAR, Grade.FIVE_STAR):
        target = ind.target(g)
        if isinstance(target, MissingFromSource):
            outcome.append(None)
        else:
            outcome.append(all(_holds(c.op, values[c.quantity], t) for c, t in solver.own(ind, g)))
    grade = decide(outcome[0], outcome[1])
    return UNKNOWN if grade is None else grade.rank


def _changes(
    solver: _Solver,
    ind: Indicator,
    env: Env,
    conds: Sequence[tuple[Condition, Fraction]],
    candidates: Iterable[Input],
) -> tuple[list[Change], list[str]]:
    changes: list[Change] = []
    impossible: list[str] = []
    for inp in candidates:
        v = _solve_input(solver, ind, inp, env, conds)
        if v is None:
            impossible.append(inp.id)
        else:
            changes.append(Change(inp.id, Fraction(env[inp.id]), v, inp.unit, inp.direction))
    changes.sort(key=lambda c: (not c.with_direction, c.relative))
    return changes, impossible


def _gap_one(
    solver: _Solver, ind: Indicator, row: int, label: str, code: int, env: Env, target: Grade
) -> Gap:
    grade = CODE_NAMES[code]
    if isinstance(ind.target(target), MissingFromSource):
        return Gap(row, label, ind, grade, target.value, (), (), (), "cannot_be_decided")
    solver.indicator(ind)
    conds = solver.conditions(ind, target)
    values = _quantities(solver, ind, env, [c.quantity for c, _ in conds]) or {}
    unmet = [(c, t) for c, t in conds if not _holds(c.op, values[c.quantity], t)]
    involved: dict[str, Input] = {}
    for c, _ in unmet:
        for inp in ind.quantity(c.quantity).expr.inputs():
            involved.setdefault(inp.id, inp)
    changes, impossible = _changes(solver, ind, env, conds, involved.values())
    missing = []
    for c, t in unmet:
        if len(unmet) == 1:
            fixes = changes
        else:
            fixes, _ = _changes(solver, ind, env, [(c, t)], ind.quantity(c.quantity).expr.inputs())
        missing.append(MissingCondition(c, t, values.get(c.quantity), tuple(fixes)))
    return Gap(
        row, label, ind, grade, target.value, tuple(changes), tuple(impossible), tuple(missing)
    )


def gap(catalog: Catalog, data: Any, *, labels: Any = None) -> GapReport:
    """Per row and indicator below five stars: the smallest one-input changes to the next grades.

    Rows below four stars get a gap to four stars and one to five stars; four-star rows get one to
    five stars; where the source lost the five-star target the gap says it cannot be decided.
    Invalid rows are skipped (``Catalog.evaluate`` says why).
    """
    solver = _solver_for(catalog)
    table, problems = _table(catalog, data, labels)
    gaps: list[Gap] = []
    skipped: list[tuple[int, str]] = []
    for ind in catalog:
        solver.indicator(ind)
        qids = [q.id for q in ind.quantities]
        for row in range(table.n_rows):
            if any(
                cid in table.column_errors or row in problems.get(cid, ())
                for cid in [*(i.id for i in ind.inputs), *(q.id for q in ind.quantities)]
            ):
                skipped.append((row, ind.id))  # invalid here: Catalog.evaluate says why
                continue
            env = _row_env(solver, ind, table, problems, row)
            code = _exact_code(solver, ind, env, _quantities(solver, ind, env, qids))
            if code == INVALID:
                skipped.append((row, ind.id))
            if code in (INVALID, FIVE):
                continue
            targets = [Grade.FOUR_STAR, Grade.FIVE_STAR] if code == NOT_MET else [Grade.FIVE_STAR]
            for target in targets:
                gaps.append(_gap_one(solver, ind, row, table.labels[row], code, env, target))
    return GapReport(catalog, gaps, table.labels, skipped)


# --- cheapest combined plan ---------------------------------------------------------------------
@attrs.frozen
class Plan:
    """The cheapest combination of input changes that reaches ``target`` (exact check passed)."""

    indicator: str
    target: str
    changes: tuple[Change, ...]
    cost: float

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "indicator": self.indicator,
            "target": self.target,
            "cost": self.cost,
            "changes": [c.to_dict() for c in self.changes],
        }


def cheapest_plan(
    catalog: Catalog,
    data: Any,
    indicator_id: str,
    costs: Mapping[str, float | tuple[float, float]],
    *,
    row: int = 0,
    target: Grade | str = Grade.FIVE_STAR,
) -> Plan | None:
    """The cheapest changes of the costed inputs (others held) that reach ``target``.

    ``costs`` maps an input id to the cost of one unit of change, or to ``(cost up, cost down)``
    (``math.inf`` forbids a direction). With the other inputs fixed, every condition must be
    linear in the costed inputs once its positive denominator is cleared (a ratio of a costed
    part to a costed whole is); the plan is then a small mixed-integer linear program (whole
    numbers for counts) solved by ``scipy.optimize.milp`` (HiGHS), with the coefficients scaled
    to integers. The solution is checked exactly; ``None`` means no plan within the inputs'
    bounds reaches the target.
    """
    ind = catalog[indicator_id]
    goal = Grade(target) if isinstance(target, str) else target
    if isinstance(ind.target(goal), MissingFromSource):
        raise ValueError(f"{indicator_id}: the source lost the {goal.value} target")
    by_id = {inp.id: inp for inp in ind.inputs}
    unknown = sorted(set(costs) - set(by_id))
    if unknown:
        raise ValueError(f"{indicator_id} does not read {unknown}; its inputs: {sorted(by_id)}")
    solver = _solver_for(catalog)
    solver.indicator(ind)
    table, problems = _table(catalog, data, None)
    env = _row_env(solver, ind, table, problems, row)
    conds = solver.conditions(ind, goal)
    if _all_hold(solver, ind, env, conds):
        return Plan(ind.id, goal.value, (), 0.0)
    levers = [by_id[k] for k in costs]
    for strict_margin in (Fraction(1, 10**6), Fraction(1, 10**3), Fraction(1)):
        plan = _milp_plan(solver, ind, env, conds, levers, costs, goal, strict_margin)
        if plan is None or _all_hold(solver, ind, {**env, **plan[1]}, conds):
            break
    if plan is None:
        return None
    changes = tuple(
        Change(k, Fraction(env[k]), Fraction(v), by_id[k].unit, by_id[k].direction)
        for k, v in plan[1].items()
        if v != env[k]
    )
    return Plan(ind.id, goal.value, changes, plan[0])


def _cost_pair(c: float | tuple[float, float]) -> tuple[float, float]:
    return (float(c[0]), float(c[1])) if isinstance(c, tuple) else (float(c), float(c))


def _lever_bounds(
    solver: _Solver, env: Env, levers: Sequence[Input], costs: Mapping[str, Any], upper: Any
) -> None:
    """Cap each lever's up and down moves by its domain (held inputs fixed)."""
    held = {key: val for key, val in env.items() if key not in costs}
    for k, inp in enumerate(levers):
        dom = _domain(solver, inp, held)
        x0 = Fraction(env[inp.id])
        upper[2 * k + 1] = min(upper[2 * k + 1], float(x0 - dom.low))
        if dom.high is not None:
            upper[2 * k] = min(upper[2 * k], float(dom.high - x0))


def _milp_plan(  # noqa: PLR0915 - one linear program, built in one place
    solver: _Solver,
    ind: Indicator,
    env: Env,
    conds: Sequence[tuple[Condition, Fraction]],
    levers: Sequence[Input],
    costs: Mapping[str, float | tuple[float, float]],
    goal: Grade,
    margin: Fraction,
) -> tuple[float, dict[str, Any]] | None:
    """One MILP solve: variables ``up_i, down_i >= 0`` with ``x_i = x0_i + up_i - down_i``."""
    import sympy
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(levers)
    cost = np.array([c for i in levers for c in _cost_pair(costs[i.id])])
    upper = np.where(np.isinf(cost), 0.0, np.inf)
    cost = np.where(np.isinf(cost), 0.0, cost)
    syms = {i.id: sympy.Symbol(i.id) for i in ind.inputs}
    lever_syms = [syms[i.id] for i in levers]
    fixed = {
        syms[k]: sympy.Rational(Fraction(v).numerator, Fraction(v).denominator)
        for k, v in env.items()
        if k not in costs
    }
    rows: list[list[float]] = []
    lows: list[float] = []
    highs: list[float] = []

    def linear(expr: Any) -> tuple[list[Fraction], Fraction]:
        """Coefficients on (up, down) pairs and the constant, for ``expr`` at x0 + up - down."""
        poly = sympy.Poly(sympy.expand(expr), *lever_syms)
        if poly.total_degree() > 1:
            raise ValueError(f"{ind.id}: {expr} is not linear in the costed inputs")
        const = Fraction(str(poly.coeff_monomial(1)))
        coef: list[Fraction] = []
        for inp, s in zip(levers, lever_syms, strict=True):
            a = Fraction(str(poly.coeff_monomial(s)))
            coef += [a, -a]
            const += a * Fraction(env[inp.id])
        return coef, const

    def add(coef: list[Fraction], const: Fraction, op: Op, all_integral: bool) -> None:
        """Add ``coef . v + const  op  0``, scaled to integers (strict: by one unit, or margin)."""
        scale = math.lcm(*(c.denominator for c in (*coef, const)))
        coef_i = [c * scale for c in coef]
        k = const * scale
        step = Fraction(1) if all_integral else margin * max(Fraction(1), abs(k))
        lo, hi = {
            Op.GE: (-k, None),
            Op.GT: (-k + step, None),
            Op.LE: (None, -k),
            Op.LT: (None, -k - step),
            Op.EQ: (-k, -k),
        }[op]
        rows.append([float(c) for c in coef_i])
        lows.append(-np.inf if lo is None else float(lo))
        highs.append(np.inf if hi is None else float(hi))

    integral = all(i.integral for i in levers)
    for cond, t in conds:
        f = ind.quantity(cond.quantity).expr.to_sympy(syms).subs(fixed)
        num, den = sympy.fraction(sympy.together(f - sympy.Rational(t.numerator, t.denominator)))
        a_den, k_den = linear(den)
        a_num, k_num = linear(num)
        if k_den < 0:  # the denominator's sign at the current value: keep it
            a_den, k_den = [-a for a in a_den], -k_den
            a_num, k_num = [-a for a in a_num], -k_num
        if any(a_den):
            add(a_den, k_den, Op.GT, integral)
        add(a_num, k_num, cond.op, integral)
    _lever_bounds(solver, env, levers, costs, upper)
    for k, inp in enumerate(levers):
        x0 = Fraction(env[inp.id])
        if inp.at_most is not None and inp.at_most.id in costs:  # a part stays within its whole
            j = [i.id for i in levers].index(inp.at_most.id)
            coef = [Fraction(0)] * (2 * n)
            coef[2 * k], coef[2 * k + 1], coef[2 * j], coef[2 * j + 1] = (
                Fraction(-1),
                Fraction(1),
                Fraction(1),
                Fraction(-1),
            )
            add(coef, Fraction(env[inp.at_most.id]) - x0, Op.GE, integral)
    res = milp(
        cost,
        constraints=LinearConstraint(np.array(rows), np.array(lows), np.array(highs)),
        integrality=np.repeat([1 if inp.integral else 0 for inp in levers], 2),
        bounds=Bounds(np.zeros(2 * n), np.maximum(upper, 0.0)),
    )
    if res.x is None:
        return None
    values: dict[str, Any] = {}
    for k, inp in enumerate(levers):
        d = res.x[2 * k] - res.x[2 * k + 1]
        delta = Fraction(round(d)) if inp.integral else to_fraction(float(d))
        values[inp.id] = _intify(Fraction(env[inp.id]) + delta)
    return float(res.fun), values


# --- sensitivity --------------------------------------------------------------------------------
@attrs.frozen
class Sensitivity:
    """How one quantity responds to one input at one city, and how far each threshold is."""

    indicator: str
    quantity: str
    input: str
    unit: str
    value: Fraction
    quantity_value: Fraction
    derivative: Fraction
    elasticity: float | None
    #: (grade, condition text, value of the input where the condition flips, or None)
    thresholds: tuple[tuple[str, str, Fraction | None], ...]

    def distances(self) -> dict[str, str]:
        """Condition -> signed change of the input that flips it, e.g. ``'+3 bus_line'``."""
        out = {}
        for grade, text, to in self.thresholds:
            key = f"{grade}: {text}"
            if to is None:
                out[key] = "impossible by this input alone"
            else:
                d = to - self.value
                unit = "" if self.unit == "dimensionless" else f" {self.unit}"
                out[key] = f"{'+' if d >= 0 else '-'}{_show(abs(d))}{unit}"
        return out

    def to_dict(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "indicator": self.indicator,
            "quantity": self.quantity,
            "input": self.input,
            "value": float(self.value),
            "quantity_value": float(self.quantity_value),
            "derivative": float(self.derivative),
            "elasticity": self.elasticity,
            "distances": self.distances(),
        }


def sensitivity(
    catalog: Catalog, data: Any, *, row: int = 0, indicators: Iterable[str] | None = None
) -> list[Sensitivity]:
    """Partial derivatives and elasticities of every quantity by every input it reads, at one row.

    The derivatives come from sympy (compiled once per catalog) and are exact; each threshold's
    distance is the change of the input alone that flips that condition (met or not).
    """
    solver = _solver_for(catalog)
    table, problems = _table(catalog, data, None)
    chosen = [catalog[i] for i in indicators] if indicators is not None else list(catalog)
    out: list[Sensitivity] = []
    for ind in chosen:
        solver.indicator(ind)
        env = _row_env(solver, ind, table, problems, row)
        values = _quantities(solver, ind, env, [q.id for q in ind.quantities])
        if values is None:
            continue
        grade_conds = [
            (g, c, t)
            for g in (Grade.FOUR_STAR, Grade.FIVE_STAR)
            if isinstance(ind.target(g), AllOf)
            for c, t in solver.conditions(ind, g)
            if c in ind.target(g).conditions  # type: ignore[union-attr]
        ]
        for q in ind.quantities:
            for inp in q.expr.inputs():
                try:
                    d = Fraction(solver.derivative(ind, q.id, inp.id)(env))
                except ZeroDivisionError:
                    continue
                qv = values[q.id]
                el = float(d * env[inp.id] / qv) if qv else None
                flips = []
                for g, c, t in grade_conds:
                    if c.quantity != q.id:
                        continue
                    now = _holds(c.op, qv, t)
                    to = _solve_input(solver, ind, inp, env, [(c, t)], want=not now)
                    flips.append((g.value, str(c), to))
                out.append(
                    Sensitivity(
                        ind.id, q.id, inp.id, inp.unit, env[inp.id], qv, d, el, tuple(flips)
                    )
                )
    return out


# --- scenarios ----------------------------------------------------------------------------------
def _base_row(catalog: Catalog, base: Mapping[str, Any], row: int) -> dict[str, Any]:
    """One row of ``base`` keyed by input id, values converted to declared units."""
    out: dict[str, Any] = {}
    for key, value in base.items():
        name, unit = parse_header(str(key))
        if name not in catalog.inputs:
            continue
        if hasattr(value, "iloc"):
            v = value.iloc[row]
        else:
            v = value[row] if isinstance(value, list | tuple | np.ndarray) else value
        if v is None or (isinstance(v, str) and not v.strip()):
            out[name] = np.nan  # missing: the engine reports it per indicator
            continue
        factor = conversion_factor(unit, catalog.inputs[name].unit) if unit else Fraction(1)
        out[name] = float(to_fraction(v) * factor)
    return out


class ScenarioResult:
    """Many scenarios of one city, evaluated together, with summaries."""

    def __init__(
        self,
        result: EvaluationResult,
        varied: dict[str, np.ndarray[Any, Any]],
        grid: tuple[tuple[str, np.ndarray[Any, Any]], ...] | None,
    ) -> None:
        self.result = result
        self.varied = varied
        self.grid = grid

    @property
    def n(self) -> int:
        """Number of scenarios."""
        return self.result.n_rows

    def shares(self, indicator_id: str | None = None) -> dict[str, dict[str, float]]:
        """Indicator -> grade name -> share of scenarios at that grade."""
        ids = [indicator_id] if indicator_id else [i.id for i in self.result.catalog]
        out = {}
        for iid in ids:
            codes = self.result.codes(iid)
            out[iid] = {name: float(np.mean(codes == code)) for code, name in CODE_NAMES.items()}
        return out

    def frontier(self, indicator_id: str) -> list[dict[str, Any]]:
        """Neighbouring grid points (one input one step apart) where the grade flips."""
        if self.grid is None:
            raise ValueError("a frontier needs a grid of scenarios (scenarios(..., grid=True))")
        shape = tuple(len(v) for _, v in self.grid)
        codes = self.result.codes(indicator_id).reshape(shape)
        out = []
        for axis, (name, values) in enumerate(self.grid):
            a = np.take(codes, range(len(values) - 1), axis=axis)
            b = np.take(codes, range(1, len(values)), axis=axis)
            for idx in zip(*np.nonzero(a != b), strict=True):
                point = {
                    n: _plain(v[i]) for (n, v), i in zip(self.grid, idx, strict=True) if n != name
                }
                out.append(
                    {
                        "input": name,
                        "from": _plain(values[idx[axis]]),
                        "to": _plain(values[idx[axis] + 1]),
                        "grade_from": CODE_NAMES[int(a[idx])],
                        "grade_to": CODE_NAMES[int(b[idx])],
                        "at": point,
                    }
                )
        return out

    def to_frame(self) -> pd.DataFrame:
        """The varied inputs beside every indicator's grade."""
        import pandas as pd

        frame = self.result.to_frame()
        grades = frame[[c for c in frame.columns if c.endswith(".grade")]]
        return pd.concat([pd.DataFrame(self.varied), grades], axis=1)

    def __repr__(self) -> str:
        return f"<ScenarioResult: {self.n} scenarios varying {', '.join(self.varied)}>"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td><code>{escape(iid)}</code></td>"
            + "".join(f"<td>{s[g]:.1%}</td>" for g in ("not_met", "four_star", "five_star"))
            + "</tr>"
            for iid, s in self.shares().items()
        )
        head = "<tr><th>indicator</th><th>not met</th><th>4★</th><th>5★</th></tr>"
        return f"<p>{escape(repr(self))}</p><table>{head}{rows}</table>"


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def scenarios(
    catalog: Catalog,
    base: Mapping[str, Any],
    vary: Mapping[str, Sequence[Any]] | pd.DataFrame,
    *,
    row: int = 0,
    grid: bool = True,
) -> ScenarioResult:
    """Evaluate one city (``base``, row ``row``) under many values of some inputs, vectorised.

    ``vary`` is a dict of input id -> values (a full grid when ``grid``, else equal-length
    samples) or a DataFrame with one scenario per row. Values are in the declared units.
    """
    fixed = _base_row(catalog, base, row)
    if hasattr(vary, "columns"):
        frame: Any = vary
        varied = {str(c): np.asarray(frame[c].to_numpy()) for c in frame.columns}
        axes = None
    elif grid:
        axes = tuple((k, np.asarray(v)) for k, v in vary.items())
        mesh = np.meshgrid(*(v for _, v in axes), indexing="ij")
        varied = {k: m.reshape(-1) for (k, _), m in zip(axes, mesh, strict=True)}
    else:
        varied = {k: np.asarray(v) for k, v in vary.items()}
        axes = None
    unknown = sorted(set(varied) - set(catalog.inputs))
    if unknown:
        raise ValueError(f"not inputs of this catalog: {unknown}")
    data: dict[str, Any] = {**{k: v for k, v in fixed.items() if k not in varied}, **varied}
    return ScenarioResult(catalog.evaluate(data), varied, axes)


Distribution = Callable[[np.random.Generator, int], Any] | tuple[Any, ...]


def _draw(spec: Distribution, rng: np.random.Generator, n: int) -> np.ndarray[Any, Any]:
    if callable(spec):
        return np.asarray(spec(rng, n), dtype=float)
    kind, *params = spec
    if kind == "normal":
        return rng.normal(params[0], params[1], n)
    if kind == "uniform":
        return rng.uniform(params[0], params[1], n)
    if kind == "triangular":
        return rng.triangular(params[0], params[1], params[2], n)
    if kind == "poisson":
        return rng.poisson(params[0], n).astype(float)
    raise ValueError(f"unknown distribution {kind!r}: use normal, uniform, triangular or poisson")


def monte_carlo(
    catalog: Catalog,
    base: Mapping[str, Any],
    distributions: Mapping[str, Distribution],
    *,
    n: int = 1000,
    seed: int = 0,
    row: int = 0,
) -> ScenarioResult:
    """Sample uncertain inputs with a seeded ``numpy.random.Generator`` and evaluate every draw.

    A distribution is ``("normal", mean, sd)``, ``("uniform", lo, hi)``,
    ``("triangular", lo, mode, hi)``, ``("poisson", mean)`` or a function ``f(rng, n)``.

    Draws are made admissible: whole numbers for counts, ranks and checklists (rounded to nearest),
    clipped to the input's bounds and a part to its whole.
    """
    rng = np.random.default_rng(seed)
    fixed = _base_row(catalog, base, row)
    draws: dict[str, np.ndarray[Any, Any]] = {}
    for name, spec in distributions.items():
        inp = catalog.inputs.get(name)
        if inp is None:
            raise ValueError(f"{name!r} is not an input of this catalog")
        x = _draw(spec, rng, n)
        if inp.integral:
            x = np.rint(x)
        low = 1.0 if inp.kind is InputKind.RANK else 0.0
        high = (
            float(inp.rank_of or 1)
            if inp.kind is InputKind.RANK
            else float(len(inp.items))
            if inp.kind is InputKind.CHECKLIST
            else np.inf
        )
        draws[name] = np.clip(x, low, high)
    for name, x in draws.items():
        whole = catalog.inputs[name].at_most
        if whole is not None:
            cap = draws.get(whole.id, fixed.get(whole.id))
            if cap is not None:
                draws[name] = np.minimum(x, np.asarray(cap, dtype=float))
    return scenarios(catalog, base, draws, row=row, grid=False)
