"""Symbolic checks of indicators and catalogs: proved with sympy and pint, never by sampling.

Stages, as in MetricFlow: the plain data of a file first (ids, references, unused inputs), then
the built catalog (units and dimensions, natural bounds, weights, division by zero, direction,
five-star implies four-star, gaps in the source). Each finding says what is wrong and what
would fix it. ``Report.ok`` is true when there is no error and no warning; notes inform only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from smartindex.errors import CatalogError, FileFormatError, UnitError
from smartindex.expr import BinOp, Const, Direction, Expr, Growth, Input, Ratio
from smartindex.expr import WeightedMean as _WeightedMean
from smartindex.thresholds import AllOf, Condition, MissingFromSource, NoTarget, Op

if TYPE_CHECKING:
    from smartindex.model import Catalog, Indicator, Quantity

__all__ = [
    "CHECKS",
    "SEVERITIES",
    "Finding",
    "Report",
    "check_catalog",
    "check_data",
    "check_file",
    "check_indicator",
]

#: Every check, in the order it runs.
CHECKS = (
    "ids",
    "references",
    "inputs_used",
    "units",
    "dimensions",
    "bounds",
    "weights",
    "division",
    "direction",
    "implication",
    "source",
)
SEVERITIES = ("error", "warning", "note")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@attrs.frozen
class Finding:
    """One problem (or remark) about one indicator; ``indicator`` is ``""`` for the catalog."""

    indicator: str
    check: str
    severity: str = attrs.field(validator=attrs.validators.in_(SEVERITIES))
    message: str

    def __str__(self) -> str:
        where = self.indicator or "(catalog)"
        return f"{self.severity}: {where}: [{self.check}] {self.message}"

    def to_dict(self) -> dict[str, str]:
        """The finding as plain data."""
        return attrs.asdict(self)


@attrs.frozen
class Report:
    """The findings of one run of the checks, errors first."""

    findings: tuple[Finding, ...]
    subject: str = ""
    checked: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing is an error or a warning (notes do not fail a catalog)."""
        return not any(f.severity in ("error", "warning") for f in self.findings)

    def by_severity(self, severity: str) -> tuple[Finding, ...]:
        """The findings of one severity."""
        return tuple(f for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """The error findings."""
        return self.by_severity("error")

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def summary(self) -> str:
        """One line: what was checked and how many findings of each severity."""
        counts = ", ".join(f"{len(self.by_severity(s))} {s}s" for s in SEVERITIES)
        verdict = "all checks pass" if self.ok else "checks FAILED"
        return f"{self.subject}: {self.checked} indicators checked, {counts}: {verdict}"

    def text(self) -> str:
        """Plain text: one line per finding, then the summary."""
        return "\n".join([*(str(f) for f in self.findings), self.summary()])

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (for ``--format json``)."""
        return {
            "subject": self.subject,
            "ok": self.ok,
            "checked": self.checked,
            "counts": {s: len(self.by_severity(s)) for s in SEVERITIES},
            "findings": [f.to_dict() for f in self.findings],
        }

    def __str__(self) -> str:
        return self.text()


def _sorted(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return tuple(sorted(findings, key=lambda f: order[f.severity]))


# --- stage 1: plain data ---------------------------------------------------------------


def _names_in(spec: Mapping[str, Any]) -> set[str]:
    """Input ids a quantity's formula reads, from its tree or its text."""
    tree = spec.get("expression")
    if tree is not None:
        found: set[str] = set()
        stack: list[Any] = [tree]
        while stack:
            node = stack.pop()
            if isinstance(node, Mapping):
                if isinstance(node.get("input"), str):
                    found.add(node["input"])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return found
    text = spec.get("dsl") if spec.get("dsl") is not None else spec.get("formula")
    if not isinstance(text, str):
        return set()
    from smartindex.formula import input_names

    return input_names(text)


def _dicts(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def check_data(data: object) -> Report:
    """Check the plain data of a catalog file: ids, references and unused inputs.

    Runs before the catalog is built, so it finds what the model's constructors would refuse
    (a duplicate id, a threshold on an unknown quantity) as findings rather than one error.
    """
    findings: list[Finding] = []
    top = data if isinstance(data, Mapping) else {}
    indicators = _dicts(top.get("indicators"))
    seen_ind: set[str] = set()
    for i, ind in enumerate(indicators):
        ind_id = ind.get("id")
        name = ind_id if isinstance(ind_id, str) else f"indicators[{i}]"

        def add(check: str, message: str, name: str = name) -> None:
            findings.append(Finding(name, check, "error", message))

        if not isinstance(ind_id, str) or not _ID.match(ind_id):
            add("ids", f"indicator id {ind_id!r} is not snake_case; rename it like 'open_data'")
        elif ind_id in seen_ind:
            add("ids", f"indicator id {ind_id!r} is used twice; give each row its own id")
        seen_ind.add(name)
        inputs = _dicts(ind.get("inputs"))
        input_ids = [x.get("id") for x in inputs]
        for input_id in input_ids:
            if not isinstance(input_id, str) or not _ID.match(input_id):
                add("ids", f"input id {input_id!r} is not snake_case; rename it")
        for dup in sorted({x for x in input_ids if isinstance(x, str) and input_ids.count(x) > 1}):
            add("ids", f"input {dup!r} is declared twice; declare each input once")
        quantities = _dicts(ind.get("quantities"))
        q_ids = [q.get("id") for q in quantities]
        for qid in q_ids:
            if not isinstance(qid, str) or not _ID.match(qid):
                add("ids", f"quantity id {qid!r} is not snake_case; rename it")
        for dup in sorted({x for x in q_ids if isinstance(x, str) and q_ids.count(x) > 1}):
            add("ids", f"quantity {dup!r} is defined twice; give each quantity its own id")
        raw_grades = ind.get("grades")
        grades: Mapping[str, Any] = raw_grades if isinstance(raw_grades, Mapping) else {}
        for grade in ("four_star", "five_star"):
            target = grades.get(grade)
            conds = _dicts(target.get("conditions")) if isinstance(target, Mapping) else []
            for cond in conds:
                if cond.get("quantity") not in q_ids:
                    add(
                        "references",
                        f"the {grade} target compares {cond.get('quantity')!r}, which is not a "
                        f"quantity of this indicator (known: {', '.join(map(str, q_ids))}); "
                        "fix the name or define the quantity",
                    )
        declared = {x for x in input_ids if isinstance(x, str)}
        for inp in inputs:
            whole = inp.get("at_most")
            if whole is not None and whole not in declared:
                add(
                    "references",
                    f"input {inp.get('id')!r} is declared at most {whole!r}, which is not an "
                    "input of this indicator; declare the whole too",
                )
        used: set[str] = set()
        for q in quantities:
            names = _names_in(q)
            for missing in sorted(names - declared):
                add(
                    "references",
                    f"quantity {q.get('id')!r} reads {missing!r}, which is not a declared "
                    "input; declare it under inputs",
                )
            used |= names
        whole_of = {x.get("id"): x.get("at_most") for x in inputs}
        wholes: set[Any] = set()
        for start in used:  # every whole up a used part's chain counts as used
            node = whole_of.get(start)
            while node is not None and node not in wholes and len(wholes) <= len(inputs):
                wholes.add(node)
                node = whole_of.get(node)
        for input_id in input_ids:
            if isinstance(input_id, str) and input_id not in used and input_id not in wholes:
                findings.append(
                    Finding(
                        name,
                        "inputs_used",
                        "warning",
                        f"input {input_id!r} is declared but no formula reads it; use it in a "
                        "quantity or remove it",
                    )
                )
    subject = str(top.get("id", "catalog")) if top else "catalog"
    return Report(_sorted(findings), subject, len(indicators))


# --- stage 2: the built catalog --------------------------------------------------------


class _Units:
    """Derive each node's pint unit, recording mixed units as findings."""

    def __init__(self, ind: Indicator, out: list[Finding]) -> None:
        from smartindex.units import get_registry

        self.reg = get_registry()
        self.ind = ind
        self.out = out

    def add(self, check: str, message: str, severity: str = "error") -> None:
        self.out.append(Finding(self.ind.id, check, severity, message))

    def parse(self, text: str, what: str) -> Any:
        try:
            return self.reg.parse_units(text)
        except Exception:  # pint raises several unrelated types for unparsable text
            self.add("units", f"{what} has unknown unit {text!r}; use a unit of units.txt")
            return None

    def same(self, a: Any, b: Any) -> tuple[bool, bool]:
        """(same dimension, same scale) of two units."""
        dims = self.reg.Quantity(1, a).dimensionality == self.reg.Quantity(1, b).dimensionality
        if not dims:
            return False, False
        factor = self.reg.Quantity(1.0, a).to(b).magnitude
        return True, abs(factor - 1.0) < 1e-12

    def unit(self, node: Expr) -> Any:
        if isinstance(node, Input):
            return self.parse(node.unit, f"input {node.id!r}")
        if isinstance(node, Const):
            return self.reg.dimensionless
        parts = [self.unit(child) for child in node.children()]
        if any(p is None for p in parts):
            return None
        if isinstance(node, Ratio):
            return self._ratio(node, parts[0], parts[1])
        if isinstance(node, BinOp) and node.op in "*/":
            return parts[0] * parts[1] if node.op == "*" else parts[0] / parts[1]
        dims, scale = (
            all(self.same(parts[0], p)[0] for p in parts),
            all(self.same(parts[0], p)[1] for p in parts),
        )
        if not dims or not scale:
            what = "different dimensions" if not dims else "the same dimension in different units"
            self.add(
                "dimensions",
                f"{node.render()} combines {what} ({', '.join(str(p) for p in parts)}); "
                "declare the inputs in one unit",
            )
        return self.reg.dimensionless if isinstance(node, Growth) else parts[0]

    def _ratio(self, node: Ratio, num: Any, den: Any) -> Any:
        if node.unit_override is not None:
            return self.parse(node.unit_override, f"{node.render()}'s declared unit")
        dims, scale = self.same(num, den)
        if not dims:
            self.add(
                "dimensions",
                f"{node.render()} divides {num} by {den} without a declared unit; a ratio is "
                "dimensionless unless ratio(..., unit=...) declares its result",
            )
            return num / den
        if not scale:
            self.add(
                "dimensions",
                f"{node.render()} divides {num} by {den}; declare both inputs in one unit",
            )
        return self.reg.dimensionless


def _threshold(ind: Indicator, q: Quantity, cond: Condition) -> Fraction | None:
    from smartindex.units import conversion_factor

    try:
        return cond.value * conversion_factor(cond.unit, q.unit)
    except UnitError:
        return None


def _check_units(ind: Indicator, out: list[Finding]) -> None:
    units = _Units(ind, out)
    for q in ind.quantities:
        derived = units.unit(q.expr)
        declared = units.parse(q.unit, f"quantity {q.id!r}")
        if derived is not None and declared is not None and not units.same(derived, declared)[0]:
            units.add(
                "dimensions",
                f"quantity {q.id!r} is declared in {q.unit!r} "
                f"({units.reg.Quantity(1, declared).dimensionality or 'dimensionless'}) but its "
                f"formula gives {derived} "
                f"({units.reg.Quantity(1, derived).dimensionality or 'dimensionless'}); declare "
                "the formula's unit or fix the formula",
            )
    for grade, cond in _conditions(ind):
        q = ind.quantity(cond.quantity)
        if units.parse(cond.unit, f"the {grade} threshold on {q.id!r}") is None:
            continue
        if _threshold(ind, q, cond) is None:
            units.add(
                "dimensions",
                f"the {grade} threshold {cond} is in {cond.unit!r}, which cannot be compared with "
                f"quantity {q.id!r} in {q.unit!r}; give the threshold in {q.unit!r}",
            )


def _conditions(ind: Indicator) -> Iterator[tuple[str, Condition]]:
    for grade, target in (("four_star", ind.four_star), ("five_star", ind.five_star)):
        if isinstance(target, AllOf):
            for cond in target.conditions:
                yield grade, cond


def _check_bounds(ind: Indicator, out: list[Finding]) -> None:
    for grade, cond in _conditions(ind):
        q = ind.quantity(cond.quantity)
        t = _threshold(ind, q, cond)
        if t is None:
            continue
        b = q.expr.bounds
        low, high = b.low, b.high
        rng = f"[{_num(low)}, {_num(high)}]"
        never = always = edge = False
        if cond.op in (Op.GE, Op.GT):
            never = high is not None and (t > high or (cond.op is Op.GT and t == high))
            always = low is not None and (t < low or (cond.op is Op.GE and t == low))
            edge = cond.op is Op.GE and high is not None and t == high
        elif cond.op in (Op.LE, Op.LT):
            never = low is not None and (t < low or (cond.op is Op.LT and t == low))
            always = high is not None and (t > high or (cond.op is Op.LE and t == high))
            edge = cond.op is Op.LE and low is not None and t == low
        else:
            never = (low is not None and t < low) or (high is not None and t > high)
            edge = t in (low, high)
        if never:
            out.append(
                Finding(
                    ind.id,
                    "bounds",
                    "error",
                    f"the {grade} threshold {cond} can never be met: {q.id!r} lies in {rng} under "
                    "the declared input constraints; correct the threshold or the formula",
                )
            )
        elif always:
            out.append(
                Finding(
                    ind.id,
                    "bounds",
                    "warning",
                    f"the {grade} threshold {cond} always holds: {q.id!r} lies in {rng}; "
                    "the target decides nothing, so correct it",
                )
            )
        elif edge:
            out.append(
                Finding(
                    ind.id,
                    "bounds",
                    "note",
                    f"the {grade} threshold {cond} sits on the edge of the range {rng} of "
                    f"{q.id!r}: only the extreme value meets it",
                )
            )


def _check_contradictions(ind: Indicator, out: list[Finding]) -> None:
    """Several conditions of one target on one quantity that no value meets together."""
    for grade, target in (("four_star", ind.four_star), ("five_star", ind.five_star)):
        if not isinstance(target, AllOf) or len(target.conditions) < 2:
            continue
        for q in ind.quantities:
            conds = [c for c in target.conditions if c.quantity == q.id]
            limits = [(c, _threshold(ind, q, c)) for c in conds]
            if len(conds) < 2 or any(t is None for _, t in limits):
                continue
            import sympy

            got = _range_set(sympy, q)
            for c, t in limits:
                assert t is not None
                got = sympy.Intersection(got, _cond_set(sympy, c.op, t))
            if got.is_empty:
                shown = " and ".join(str(c) for c in conds)
                out.append(
                    Finding(
                        ind.id,
                        "bounds",
                        "error",
                        f"the {grade} conditions {shown} can never hold together; correct one "
                        "of them",
                    )
                )


def _num(value: Fraction | None) -> str:
    if value is None:
        return "inf"
    return str(value.numerator) if value.denominator == 1 else str(float(value))


def _check_weights(ind: Indicator, out: list[Finding]) -> None:
    for q in ind.quantities:
        for node in q.expr.walk():
            if not isinstance(node, _WeightedMean):
                continue
            bad = [w for w in node.weights if w <= 0]
            if bad:
                out.append(
                    Finding(
                        ind.id,
                        "weights",
                        "error",
                        f"weighted_mean in {q.id!r} has weights that are not positive "
                        f"({', '.join(map(str, bad))}); drop the term or give it a positive weight",
                    )
                )
            total = sum(node.weights, Fraction(0))
            if total != 1:
                out.append(
                    Finding(
                        ind.id,
                        "weights",
                        "error",
                        f"weighted_mean weights in {q.id!r} sum to {total}, not exactly 1; "
                        "write them as exact fractions ('1/3', '40%') that add up to 1",
                    )
                )


def _can_be_zero(node: Expr) -> bool:
    if isinstance(node, Const):
        return node.value == 0
    low = node.bounds.low
    if low is not None and low > 0:
        return False
    return node.to_sympy().is_zero is not False


def _check_division(ind: Indicator, out: list[Finding]) -> None:
    for q in ind.quantities:
        for node in q.expr.walk():
            if isinstance(node, Ratio | Growth):
                den = node.denominator if isinstance(node, Ratio) else node.previous
                if isinstance(den, Const) and den.value == 0:
                    out.append(
                        Finding(
                            ind.id,
                            "division",
                            "error",
                            f"{node.render()} in {q.id!r} always divides by zero; fix the "
                            "denominator",
                        )
                    )
            elif isinstance(node, BinOp) and node.op == "/" and _can_be_zero(node.right):
                out.append(
                    Finding(
                        ind.id,
                        "division",
                        "error",
                        f"{node.render()} in {q.id!r} divides by {node.right.render()}, which can "
                        "be zero, with no rule for that case; write ratio(a, b) (a zero "
                        "denominator makes the row invalid) or growth(current, previous)",
                    )
                )


def _check_direction(ind: Indicator, out: list[Finding]) -> None:
    for grade, cond in _conditions(ind):
        q = ind.quantity(cond.quantity)
        rewarded = cond.op.direction
        if rewarded is not None and rewarded is not q.direction:
            fix = (
                "use reaches/exceeds (>=, >)"
                if q.direction is Direction.HIGHER
                else "use less_than/at_most (<, <=)"
            )
            out.append(
                Finding(
                    ind.id,
                    "direction",
                    "error",
                    f"the {grade} threshold {cond} rewards {rewarded.value} values, but "
                    f"{q.id!r} is {q.direction.value}-is-better; {fix}, or declare the quantity's "
                    "direction if the formula's is wrong",
                )
            )


def _check_source(ind: Indicator, out: list[Finding]) -> None:
    if not ind.departments_zh:
        out.append(
            Finding(
                ind.id,
                "source",
                "note",
                "no department answers for this row (the cell is empty or lost from the source)",
            )
        )
    for grade, target in (("four_star", ind.four_star), ("five_star", ind.five_star)):
        if isinstance(target, MissingFromSource):
            out.append(
                Finding(
                    ind.id,
                    "source",
                    "note",
                    f"the {grade} target is missing from the source, so grades that need it are "
                    f"'unknown' and five-implies-four is not checked: {target.note}",
                )
            )


# --- five stars imply four stars -------------------------------------------------------


def _cond_set(sp: Any, op: Op, t: Fraction) -> Any:
    r = sp.Rational(t.numerator, t.denominator)
    if op is Op.GE:
        return sp.Interval(r, sp.oo)
    if op is Op.GT:
        return sp.Interval.open(r, sp.oo)
    if op is Op.LE:
        return sp.Interval(-sp.oo, r)
    if op is Op.LT:
        return sp.Interval.open(-sp.oo, r)
    return sp.FiniteSet(r)


def _range_set(sp: Any, q: Quantity) -> Any:
    b = q.expr.bounds
    low = -sp.oo if b.low is None else sp.Rational(b.low.numerator, b.low.denominator)
    high = sp.oo if b.high is None else sp.Rational(b.high.numerator, b.high.denominator)
    return sp.Interval(low, high)


def _slack_symbols(sp: Any, inputs: Sequence[Input]) -> dict[str, Any]:
    """Each input as a sympy term; a part is its whole minus a non-negative slack.

    Wholes are positive symbols, so 'part <= whole' holds by construction.
    """
    table: dict[str, Any] = {}

    def term(inp: Input) -> Any:
        if inp.id not in table:
            if inp.at_most is None:
                table[inp.id] = sp.Symbol(inp.id, positive=True)
            else:
                slack = sp.Symbol(f"{inp.id}__slack", nonnegative=True)
                table[inp.id] = term(inp.at_most) - slack
        return table[inp.id]

    for inp in inputs:
        term(inp)
    return table


def _dominates(sp: Any, hi: Expr, lo: Expr, inputs: Sequence[Input]) -> bool:
    """Prove ``hi >= lo`` for every input allowed by the declared constraints."""
    table = _slack_symbols(sp, inputs)
    diff = sp.factor(sp.together(hi.to_sympy(table) - lo.to_sympy(table)))
    return bool(diff.is_nonnegative is True)


def _implied(sp: Any, ind: Indicator, five: AllOf, c4: Condition) -> bool:
    q4 = ind.quantity(c4.quantity)
    t4 = _threshold(ind, q4, c4)
    if t4 is None:
        return False
    want = _cond_set(sp, c4.op, t4)
    for q5 in ind.quantities:
        conds = [c for c in five.conditions if c.quantity == q5.id]
        limits = [(c, _threshold(ind, q5, c)) for c in conds]
        if not conds or any(t is None for _, t in limits) or q5.unit != q4.unit:
            continue
        got = _range_set(sp, q5)
        for c, t in limits:
            assert t is not None
            got = sp.Intersection(got, _cond_set(sp, c.op, t))
        if got.is_empty:
            return True  # five stars can never be met, so the implication holds vacuously
        if q5.id == q4.id:
            if got.is_subset(want):
                return True
            continue
        if q4.direction is Direction.HIGHER and c4.op in (Op.GE, Op.GT):
            closure = sp.Interval(got.inf, sp.oo, left_open=not got.contains(got.inf))
            if closure.is_subset(want) and _dominates(sp, q4.expr, q5.expr, ind.inputs):
                return True
        if q4.direction is Direction.LOWER and c4.op in (Op.LE, Op.LT):
            closure = sp.Interval(-sp.oo, got.sup, right_open=not got.contains(got.sup))
            if closure.is_subset(want) and _dominates(sp, q5.expr, q4.expr, ind.inputs):
                return True
    return False


def _all_inputs(ind: Indicator) -> list[Input]:
    seen: dict[str, Input] = {}
    stack = list(ind.inputs)
    while stack:
        inp = stack.pop()
        if inp.id not in seen:
            seen[inp.id] = inp
            if inp.at_most is not None:
                stack.append(inp.at_most)
    return list(seen.values())


def _counterexample(sp: Any, ind: Indicator, five: AllOf, c4: Condition) -> dict[str, Any] | None:
    """Inputs meeting five stars but not ``c4``, found by exact linear programming.

    Each ratio's denominator input is fixed to a whole number, which makes most indicators
    linear; the candidate is then verified with exact arithmetic, so it is never a guess.
    """
    inputs = _all_inputs(ind)
    scale = 100
    for _, cond in _conditions(ind):
        scale = scale * cond.value.denominator // _gcd(scale, cond.value.denominator)
    fixed: dict[str, int] = {}
    for q in ind.quantities:
        for node in q.expr.walk():
            den = node.denominator if isinstance(node, Ratio) else None
            if isinstance(den, Input):
                fixed[den.id] = scale
    free = [i for i in inputs if i.id not in fixed]
    syms = {i.id: sp.Symbol(i.id, real=True) for i in free}
    table = {i.id: sp.Integer(fixed[i.id]) if i.id in fixed else syms[i.id] for i in inputs}
    q4 = ind.quantity(c4.quantity)
    t4 = _threshold(ind, q4, c4)
    if t4 is None:
        return None
    # Constraints as linear expressions: (expr, True) means expr == 0, (expr, False) expr <= 0.
    base = [(table[i.id] - table[i.at_most.id], False) for i in inputs if i.at_most is not None]
    for margin in (Fraction(0), Fraction(1, scale)):
        rows = list(base)
        for c in five.conditions:
            q = ind.quantity(c.quantity)
            t = _threshold(ind, q, c)
            if t is None:
                return None
            value = q.expr.to_sympy(table)
            if c.op in (Op.GE, Op.GT):
                rows.append((_rational(sp, t + (margin if c.op is Op.GT else 0)) - value, False))
            elif c.op in (Op.LE, Op.LT):
                rows.append((value - _rational(sp, t - (margin if c.op is Op.LT else 0)), False))
            else:
                rows.append((value - _rational(sp, t), True))
        objective = q4.expr.to_sympy(table)
        for sign in (1, -1):
            point = _linprog(sp, sign * objective, rows, free, syms)
            if point is None:
                continue
            env = {k: Fraction(v) for k, v in fixed.items()}
            env.update(point)
            for rounding in (None, math.floor, math.ceil):  # whole numbers for counts and ranks
                candidate = dict(env)
                if rounding is not None:
                    for inp in free:
                        if inp.integral:
                            candidate[inp.id] = Fraction(rounding(candidate[inp.id]))
                if _verify(ind, five, c4, candidate):
                    return candidate
    return None


def _rational(sp: Any, value: Fraction) -> Any:
    return sp.Rational(value.numerator, value.denominator)


def _linprog(
    sp: Any,
    objective: Any,
    rows: list[tuple[Any, bool]],
    free: list[Input],
    syms: Mapping[str, Any],
) -> dict[str, Fraction] | None:
    """Minimise a linear objective exactly with sympy's simplex on matrices.

    None when the problem is not linear, infeasible or unbounded.
    """
    from sympy.solvers.simplex import linprog

    xs = [syms[i.id] for i in free]

    def coefficients(expr: Any) -> tuple[list[Any], Any] | None:
        expr = sp.expand(expr)
        if not xs:
            return [], expr
        try:
            poly = sp.Poly(expr, *xs)
        except sp.PolynomialError:
            return None
        if poly.total_degree() > 1 or not all(c.is_Rational for c in poly.coeffs()):
            return None
        return [poly.coeff_monomial(x) for x in xs], poly.coeff_monomial(1)

    goal = coefficients(objective)
    if goal is None:
        return None
    a_ub: list[list[Any]] = []
    b_ub: list[Any] = []
    a_eq: list[list[Any]] = []
    b_eq: list[Any] = []
    for expr, is_eq in rows:
        parsed = coefficients(expr)
        if parsed is None:
            return None
        coeffs, const = parsed
        if not any(coeffs):
            if (const != 0) if is_eq else (const > 0):
                return None  # a constant constraint that fails: infeasible
            continue
        (a_eq if is_eq else a_ub).append(coeffs)
        (b_eq if is_eq else b_ub).append(-const)
    if not xs:
        return {}
    for k, inp in enumerate(free):  # variables are non-negative; other bounds become rows
        low, high = inp.bounds.low, inp.bounds.high
        unit_row = [sp.Integer(1 if j == k else 0) for j in range(len(xs))]
        if low is not None and low > 0:
            a_ub.append([-c for c in unit_row])
            b_ub.append(-_rational(sp, low))
        if high is not None:
            a_ub.append(unit_row)
            b_ub.append(_rational(sp, high))
    try:
        _, values = linprog(
            sp.Matrix([goal[0]]),
            sp.Matrix(a_ub) if a_ub else None,
            sp.Matrix(b_ub) if b_ub else None,
            sp.Matrix(a_eq) if a_eq else None,
            sp.Matrix(b_eq) if b_eq else None,
        )
    except Exception:  # infeasible or unbounded: no counterexample this way
        return None
    return {
        inp.id: Fraction(int(sp.Rational(v).p), int(sp.Rational(v).q))
        for inp, v in zip(free, values, strict=True)
    }


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _verify(ind: Indicator, five: AllOf, c4: Condition, env: dict[str, Fraction]) -> bool:
    """Whether ``env`` meets every five-star condition and fails ``c4``, exactly."""
    for inp in _all_inputs(ind):
        x = env[inp.id]
        if x < (inp.bounds.low or 0) or (inp.bounds.high is not None and x > inp.bounds.high):
            return False
        if inp.integral and x.denominator != 1:
            return False
        if inp.at_most is not None and x > env[inp.at_most.id]:
            return False
    try:
        values = {q.id: q.expr.evaluate(env, lambda c: c) for q in ind.quantities}
    except ZeroDivisionError:
        return False
    if not ind.target_holds(five, values):
        return False
    return ind.target_holds(AllOf((c4,)), values) is False


def _check_implication(ind: Indicator, out: list[Finding]) -> None:
    four, five = ind.four_star, ind.five_star
    if isinstance(four, NoTarget | MissingFromSource) or isinstance(five, MissingFromSource):
        return
    if isinstance(five, NoTarget):
        out.append(
            Finding(
                ind.id,
                "implication",
                "error",
                "the five-star cell is '/' (nothing to meet) while four stars have conditions, "
                "so five stars do not imply four; give five stars the four-star conditions or "
                "stronger ones",
            )
        )
        return
    import sympy

    for c4 in four.conditions:
        if _implied(sympy, ind, five, c4):
            continue
        example = _counterexample(sympy, ind, five, c4)
        if example is not None:
            shown = ", ".join(
                f"{k}={v.numerator if v.denominator == 1 else float(v)}" for k, v in example.items()
            )
            out.append(
                Finding(
                    ind.id,
                    "implication",
                    "error",
                    f"five stars do not imply four: {shown} meets every five-star condition but "
                    f"not the four-star {c4}; tighten the five-star target or declare the "
                    "constraint that rules this out (e.g. at_most= between part counts)",
                )
            )
        else:
            out.append(
                Finding(
                    ind.id,
                    "implication",
                    "warning",
                    f"could not prove that five stars imply the four-star {c4}, and found no "
                    "counterexample; state the constraint that makes it hold (at_most=) or "
                    "restate the targets",
                )
            )


_STAGES = (
    _check_units,
    _check_bounds,
    _check_contradictions,
    _check_weights,
    _check_division,
    _check_direction,
    _check_implication,
    _check_source,
)


def _indicator_findings(ind: Indicator) -> list[Finding]:
    out: list[Finding] = []
    for stage in _STAGES:
        stage(ind, out)
    return out


def check_indicator(indicator: Indicator) -> Report:
    """Run every check on one indicator."""
    from smartindex.model import Catalog

    data = Catalog(id=indicator.id, title_zh=indicator.name_zh, indicators=(indicator,)).to_dict()
    findings = list(check_data(data)) + _indicator_findings(indicator)
    return Report(_sorted(findings), indicator.id, 1)


def check_catalog(catalog: Catalog) -> Report:
    """Run every check on every indicator of ``catalog``."""
    findings = list(check_data(catalog.to_dict()))
    for ind in catalog:
        findings += _indicator_findings(ind)
    return Report(_sorted(findings), catalog.id, len(catalog))


def check_file(path: str | Path) -> Report:
    """Check a catalog file (JSON, YAML or TOML): its plain data first, then the catalog.

    Raises:
        FileFormatError: the file cannot be read or parsed, or a formula is rejected.
        CatalogError: the data cannot be built into a catalog (names the place).

    """
    from smartindex.load import catalog_from_dict, read_catalog_data

    data = read_catalog_data(path)
    first = check_data(data)
    if first.errors:
        return attrs.evolve(first, subject=str(path))
    try:
        catalog = catalog_from_dict(data)
    except (CatalogError, FileFormatError) as exc:
        raise type(exc)(f"{path}: {exc}") from None
    report = check_catalog(catalog)
    return attrs.evolve(
        report, findings=_sorted([*first.findings, *report.findings]), subject=str(path)
    )
