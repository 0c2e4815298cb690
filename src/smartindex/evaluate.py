"""Vectorised, exact evaluation of a whole catalog over many rows.

Units are converted once at the edge; the formulas run on float64 magnitudes with numpy. A row
whose quantity lands within float noise of a threshold is re-decided with exact rational
arithmetic from its raw inputs, so float rounding never moves a city across a boundary.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, overload

import attrs
import numpy as np
import numpy.typing as npt

from smartindex.errors import InputError, UnitError
from smartindex.expr import Const, Expr, Input, InputKind, Ratio, to_fraction
from smartindex.thresholds import AllOf, Grade, MissingFromSource, NoTarget, Op, Target
from smartindex.units import conversion_factor, is_quantity, split_quantity
from smartindex.validation import (
    percent_suspicion,
    quantity_vector_problems,
    vector_problems,
    zero_message,
)

if TYPE_CHECKING:
    import pandas as pd

    from smartindex.model import Catalog, Indicator, Quantity

__all__ = ["EvaluationResult", "InputTable", "engine_for", "parse_header"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INVALID, UNKNOWN, NOT_MET, FOUR, FIVE = -2, -1, 0, 1, 2
CODE_NAMES = {
    INVALID: "invalid",
    UNKNOWN: "unknown",
    NOT_MET: Grade.NOT_MET.value,
    FOUR: Grade.FOUR_STAR.value,
    FIVE: Grade.FIVE_STAR.value,
}
#: Relative width of the band around a threshold inside which rows are re-decided exactly.
NEAR = 1e-9
#: Header cells naming the label column (lower-cased): English, and the usual Chinese ones.
LABEL_COLUMNS = ("label", "city", "name", "scenario", "城市", "城市名称", "名称", "地区", "情景")
_FULL_WIDTH_BRACKETS = str.maketrans({"［": "[", "］": "]", "【": "[", "】": "]"})
_HEADER = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*(?:\[(?P<unit>[^\[\]]*)\])?\s*$")


def parse_header(cell: str) -> tuple[str, str | None]:
    """Split a column header ``"download_speed [MB/s]"`` into name and unit."""
    m = _HEADER.match(cell)
    if not m:
        raise UnitError(f"column header {cell!r} is not 'name' or 'name [unit]'")
    unit = m.group("unit")
    return m.group("name"), (unit.strip() or None) if unit is not None else None


@attrs.define
class InputTable:
    """Raw inputs normalised to float64 columns in declared units, with per-cell problems."""

    n_rows: int
    labels: Sequence[str]
    raw: dict[str, FloatArray]  # magnitudes as given
    factor: dict[str, Fraction]  # exact factor from given unit to declared unit
    cell_errors: dict[str, dict[int, str]]  # input id -> row -> message
    column_errors: dict[str, str]  # input id -> message for every row
    given: frozenset[str] = frozenset()  # quantity ids given directly as columns
    source: Any = None  # the InputColumns read from a file, which knows lines and columns
    headers: dict[str, str] = attrs.Factory(dict)  # input or quantity id -> its column header

    def where(self, row: int, column_id: str) -> str:
        """``row N``, with the file, line and column of the cell when it came from a file."""
        header = self.headers.get(column_id)
        place = self.source.where(row, header) if self.source is not None and header else None
        return f"row {row} ({place})" if place else f"row {row}"

    @functools.cached_property
    def values(self) -> dict[str, FloatArray]:
        """Columns in declared units."""
        return {
            k: (v if self.factor[k] == 1 else v * float(self.factor[k]))
            for k, v in self.raw.items()
        }

    def exact(self, input_id: str, row: int) -> Fraction:
        """The exact value of one cell, in the declared unit."""
        return to_fraction(float(self.raw[input_id][row])) * self.factor[input_id]


class RowNumbers(Sequence[str]):
    """The labels ``"0"``, ``"1"``, ... of unlabelled rows, made when read.

    A million rows would otherwise spend more on label strings than on grading them.
    """

    def __init__(self, n: int) -> None:
        self._rows = range(n)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [str(i) for i in self._rows[index]]
        return str(self._rows[index])

    def __iter__(self) -> Iterator[str]:
        return map(str, self._rows)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RowNumbers):
            return self._rows == other._rows
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so unhashable like them

    def __repr__(self) -> str:
        return f"RowNumbers({len(self._rows)})"


def _label_list(labels: Any) -> Sequence[str]:
    return labels if isinstance(labels, RowNumbers) else list(labels)


def _label_column(names: Sequence[str]) -> str | None:
    for name in names:
        if str(name).strip().lower() in LABEL_COLUMNS:
            return name
    return None


def _to_float_column(values: Sequence[Any], input_id: str, errors: dict[int, str]) -> FloatArray:
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and not v.strip()) or type(v).__name__ in _MISSING:
            out[i] = np.nan
            continue
        if isinstance(v, _BadCell):
            out[i] = np.nan
            errors[i] = v.message
            continue
        if isinstance(v, bool | np.bool_):
            out[i] = np.nan
            errors[i] = f"{v!r} is a yes/no value, not a number"
            continue
        try:
            out[i] = float(to_fraction(v)) if isinstance(v, str) else float(v)
        except (TypeError, ValueError) as exc:
            out[i] = np.nan
            reason = str(exc) if isinstance(v, str) else f"{v!r} is not a number"
            errors[i] = f"{reason}; give digits only, such as 1200 or 0.85"
        except (OverflowError, ZeroDivisionError):
            out[i] = np.nan
            errors[i] = f"{v!r} is too large to compute with (beyond 1.8e308); give a finite number"
    return out


#: Types of pandas' missing-value markers (pd.NA, pd.NaT): an empty cell, named without pandas.
_MISSING = frozenset({"NAType", "NaTType"})


class Engine:
    """A catalog compiled once: input lookup, thresholds in quantity units, formulas."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.inputs: dict[str, Input] = catalog.inputs
        #: Quantities that may be given directly as a column (those that are not an input).
        self.quantities: dict[str, Quantity] = {
            q.id: q for ind in catalog for q in ind.quantities if q.id not in self.inputs
        }
        self._aliases: dict[str, str] = {i: i for i in self.inputs}
        self._aliases.update({q: q for q in self.quantities})
        from smartindex.io import HEADER_NAMES_ZH

        self._aliases.update(
            {zh: qid for zh, qid in HEADER_NAMES_ZH.items() if qid in self._aliases}
        )

    # --- the edge: normalising what users pass --------------------------------------------
    def table(self, data: Any, labels: Any = None) -> InputTable:
        """Normalise a mapping or DataFrame into an ``InputTable``."""
        if hasattr(data, "columns") and hasattr(data, "index"):
            return self._from_frame(data, labels)
        if isinstance(data, Mapping):
            return self._from_mapping(data, labels)
        raise InputError(
            f"cannot evaluate a {type(data).__name__}; pass a mapping of input id to values "
            "or a pandas DataFrame with one row per city"
        )

    def _resolve(self, name: str) -> tuple[str | None, str | None]:
        base, unit = parse_header(str(name).translate(_FULL_WIDTH_BRACKETS))
        return self._aliases.get(base), unit

    def _claim(self, header: str, columns: Mapping[str, Any]) -> tuple[str, str | None] | None:
        """Resolve a column header to (id, unit); warn and skip an unknown one; refuse a repeat."""
        input_id, unit = self._resolve(header)
        if input_id is None:
            self._warn_unknown(header)
            return None
        if input_id in columns:
            raise InputError(f"input {input_id!r} is given by two columns (column {header!r})")
        return input_id, unit

    def _warn_unknown(self, name: str) -> None:
        base = str(name).translate(_FULL_WIDTH_BRACKETS).split("[")[0].strip()
        near = difflib.get_close_matches(base, list(self._aliases), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        warnings.warn(f"column {name!r} is not an input of this catalog{hint}", stacklevel=5)

    def _from_frame(self, frame: pd.DataFrame, labels: Any) -> InputTable:
        n = len(frame)
        names = [str(c) for c in frame.columns]
        dupes = sorted({c for c in names if names.count(c) > 1})
        if dupes:
            raise InputError(f"duplicate column(s) {dupes}; each input must appear once")
        label_col = _label_column(names)
        if labels is None:
            labels = (
                [str(x) for x in frame[label_col].tolist()]
                if label_col is not None
                else [str(x) for x in frame.index.tolist()]
            )
        columns: dict[str, tuple[Any, str | None]] = {}
        for col in frame.columns:
            if str(col) == label_col:
                continue
            claimed = self._claim(str(col), columns)
            if claimed is None:
                continue
            input_id, unit = claimed
            series = frame[col]
            kind = getattr(series.dtype, "kind", "O")
            values = series.to_numpy(dtype=np.float64) if kind in "iuf" else series.tolist()
            columns[input_id] = (values, unit)
        return self._assemble(n, list(labels), columns)

    def _from_mapping(self, data: Mapping[str, Any], labels: Any) -> InputTable:
        from smartindex.io import InputColumns

        columns: dict[str, tuple[Any, str | None]] = {}
        headers: dict[str, str] = {}
        sizes: set[int] = set()
        label_values = None
        for key, given in data.items():
            value = given
            if str(key).strip().lower() in LABEL_COLUMNS and labels is None:
                label_values = value
                continue
            claimed = self._claim(str(key), columns)
            if claimed is None:
                continue
            input_id, unit = claimed
            headers[input_id] = str(key)
            if is_quantity(value):
                magnitude, unit = split_quantity(value)
                value = magnitude
            inp = self.inputs.get(input_id)
            if inp is not None and inp.kind is InputKind.CHECKLIST:
                if _is_name_set(value):
                    value = _count_items(inp, value)
                elif isinstance(value, list | tuple) and any(_is_name_set(v) for v in value):
                    value = [_cell_items(inp, v) for v in value]  # per row: the names achieved
            size = _row_count(input_id, value)
            if size is not None:
                sizes.add(size)
            columns[input_id] = (value, unit)
        if len(sizes) > 1:
            raise InputError(f"inputs have different numbers of rows: {sorted(sizes)}")
        n = sizes.pop() if sizes else 1
        if labels is None:
            if label_values is None:
                labels = RowNumbers(n)
            else:
                labels = (
                    [str(label_values)] * n
                    if isinstance(label_values, str)
                    else [str(x) for x in label_values]
                )
        table = self._assemble(n, _label_list(labels), columns)
        table.headers = headers
        table.source = data if isinstance(data, InputColumns) else None
        return table

    def _assemble(
        self, n: int, labels: Sequence[str], columns: Mapping[str, tuple[Any, str | None]]
    ) -> InputTable:
        if len(labels) != n:
            raise InputError(f"{len(labels)} labels for {n} rows")
        raw: dict[str, FloatArray] = {}
        factor: dict[str, Fraction] = {}
        cell_errors: dict[str, dict[int, str]] = {}
        column_errors: dict[str, str] = {}
        for input_id, inp in self.inputs.items():
            if input_id not in columns:
                column_errors[input_id] = f"is missing; give it in {inp.unit} ({inp.description})"
                raw[input_id] = np.full(n, np.nan)
                factor[input_id] = Fraction(1)
                continue
            value, unit = columns[input_id]
            errors: dict[int, str] = {}
            if isinstance(value, np.ndarray) and value.dtype.kind in "iuf":
                array = value.astype(np.float64, copy=False).reshape(-1)
            else:
                seq = list(value) if _is_sequence(value) else [value]
                array = _to_float_column(seq, input_id, errors)
            if array.shape[0] == 1 and n != 1:
                array = np.repeat(array, n)
            raw[input_id] = array
            try:
                factor[input_id] = conversion_factor(unit, inp.unit) if unit else Fraction(1)
            except UnitError as exc:
                column_errors[input_id] = f"unit: {exc}"
                factor[input_id] = Fraction(1)
            if errors:
                cell_errors[input_id] = errors
        given = [c for c in columns if c in self.quantities]
        for qid in given:
            q = self.quantities[qid]
            value, unit = columns[qid]
            errors = {}
            seq = list(value) if _is_sequence(value) else [value]
            array = _to_float_column(seq, qid, errors)
            raw[qid] = np.repeat(array, n) if array.shape[0] == 1 and n != 1 else array
            try:
                factor[qid] = conversion_factor(unit, q.unit) if unit else Fraction(1)
            except UnitError as exc:
                column_errors[qid] = f"unit: {exc}"
                factor[qid] = Fraction(1)
            if errors:
                cell_errors[qid] = errors
            hint = percent_suspicion(q, factor[qid], raw[qid].tolist())
            if hint:
                warnings.warn(f"column {qid!r}: {hint}", stacklevel=5)
        return InputTable(
            n, labels, raw, factor, cell_errors, column_errors, given=frozenset(given)
        )

    # --- evaluation -----------------------------------------------------------------------
    def evaluate(
        self, data: Any, labels: Any = None, progress: Callable[[int, int], None] | None = None
    ) -> EvaluationResult:
        """Evaluate every indicator over every row of ``data``.

        ``progress(done, total)`` is called after each indicator (for a progress bar).
        """
        if isinstance(data, dict):  # one city of plain numbers: compiled float path, same grades
            from smartindex.onecity import evaluate_one

            one = evaluate_one(self, data, labels)
            if one is not None:
                return one
        table = self.table(data, labels)
        problems = self._input_problems(table)
        results = {}
        for done, ind in enumerate(self.catalog, start=1):
            results[ind.id] = self._indicator(ind, table, problems)
            if progress is not None:
                progress(done, len(self.catalog))
        return EvaluationResult(self.catalog, table.labels, results)

    def _input_problems(self, table: InputTable) -> dict[str, dict[int, str]]:
        """Input id -> row -> message, for every bad cell (values in declared units)."""
        out: dict[str, dict[int, str]] = {}
        values = table.values
        for input_id, inp in self.inputs.items():
            rows: dict[int, str] = dict(table.cell_errors.get(input_id, {}))
            if input_id in table.column_errors:
                continue  # a whole-column problem: kept once, not once per row (RowErrors)
            x = values[input_id]
            for mask, template in vector_problems(inp, x):
                for i in np.flatnonzero(mask):
                    rows.setdefault(int(i), template.format(v=_fmt_float(x[i])))
            if inp.at_most is not None and inp.at_most.id in values:
                whole = values[inp.at_most.id]
                with np.errstate(invalid="ignore"):
                    over = x > whole
                for i in np.flatnonzero(over):
                    rows.setdefault(
                        int(i),
                        f"{_fmt_float(x[i])} is above its whole {inp.at_most.id!r} "
                        f"({_fmt_float(whole[i])}); a part cannot exceed its whole",
                    )
            if rows:
                out[input_id] = rows
        for qid in table.given:
            rows = dict(table.cell_errors.get(qid, {}))
            if qid in table.column_errors:
                continue  # a whole-column problem: kept once, not once per row (RowErrors)
            x = values[qid]
            for mask, template in quantity_vector_problems(self.quantities[qid], x):
                for i in np.flatnonzero(mask):
                    rows.setdefault(
                        int(i), template.format(v=_fmt_float(x[i]), p=_fmt_float(x[i] / 100))
                    )
            if rows:
                out[qid] = rows
        return out

    def _indicator(
        self, ind: Indicator, table: InputTable, problems: Mapping[str, Mapping[int, str]]
    ) -> IndicatorResult:
        n = table.n_rows
        given = [q for q in ind.quantities if q.id in table.given]
        # Quantities given directly replace their formulas; the others are computed from inputs,
        # and their inputs must be valid only when a target compares them (or nothing is given).
        compared = _compared_quantities(ind)
        computed = [q for q in ind.quantities if q.id not in table.given]
        required = [q for q in computed if not given or q.id in compared]
        used = {i.id: i for q in required for i in q.expr.inputs()}
        errors: dict[int, list[str]] = {}
        every_row = [
            f"indicator {ind.id!r}, {kind} {cid!r}, row {{row}}: {table.column_errors[cid]}"
            for kind, ids in (("input", list(used)), ("quantity", [q.id for q in given]))
            for cid in ids
            if cid in table.column_errors
        ]
        for inp in ind.inputs:
            if inp.id not in used:
                continue
            for row, msg in problems.get(inp.id, {}).items():
                errors.setdefault(row, []).append(
                    f"indicator {ind.id!r}, input {inp.id!r}, {table.where(row, inp.id)}: {msg}"
                )
        for q in given:
            for row, msg in problems.get(q.id, {}).items():
                errors.setdefault(row, []).append(
                    f"indicator {ind.id!r}, quantity {q.id!r}, {table.where(row, q.id)}: {msg}"
                )
        values = table.values
        zero_rows: dict[int, str] = {}

        def guard(node: Expr, denominator: Any) -> None:
            zero = np.asarray(denominator) == 0
            if zero.any():
                msg = zero_message(node)
                for i in np.flatnonzero(np.broadcast_to(zero, (n,))):
                    zero_rows.setdefault(int(i), msg)

        def ignore(node: Expr, denominator: Any) -> None:
            """Zero denominators of quantities no target compares make NaN, not errors."""

        env = {inp.id: values[inp.id] for inp in ind.inputs}
        quantities: dict[str, FloatArray] = {}
        with np.errstate(all="ignore"):
            for q in ind.quantities:
                if q.id in table.given:
                    result = values[q.id]
                else:
                    result = q.expr.evaluate(env, float, guard if q in required else ignore)
                quantities[q.id] = np.broadcast_to(np.asarray(result, dtype=np.float64), (n,))
        for row, msg in zero_rows.items():
            errors.setdefault(row, []).append(f"indicator {ind.id!r}, row {row}: {msg}")
        invalid = np.full(n, bool(every_row))
        if errors:
            invalid[list(errors)] = True

        exact_cache: dict[int, dict[str, Fraction]] = {}

        def exact_row(i: int) -> dict[str, Fraction]:
            if i not in exact_cache:
                env_i = {inp_id: table.exact(inp_id, i) for inp_id in used}
                exact = {q.id: table.exact(q.id, i) for q in given}
                exact.update({q.id: q.expr.evaluate(env_i, lambda c: c) for q in required})
                exact_cache[i] = exact
            return exact_cache[i]

        four, four_gap = self._target(ind, ind.four_star, quantities, invalid, exact_row, table)
        five, five_gap = self._target(ind, ind.five_star, quantities, invalid, exact_row, table)
        codes = _codes(four, five, n)
        codes[invalid] = INVALID
        gaps = _Gaps(codes, quantities, four_gap, five_gap)
        five_known = not isinstance(ind.five_star, MissingFromSource)
        return IndicatorResult(
            quantities, codes, RowErrors(n, tuple(every_row), errors), gaps, five_known
        )

    def _target(
        self,
        ind: Indicator,
        target: Target,
        quantities: Mapping[str, FloatArray],
        invalid: BoolArray,
        exact_row: Any,
        table: InputTable | None = None,
    ) -> tuple[BoolArray | None, list[_Outcome]]:
        n = len(invalid)
        if isinstance(target, NoTarget):
            return np.ones(n, dtype=bool), []
        if isinstance(target, MissingFromSource):
            return None, []
        assert isinstance(target, AllOf)
        ok = np.ones(n, dtype=bool)
        outcomes: list[_Outcome] = []
        for cond in target.conditions:
            q = ind.quantity(cond.quantity)
            exact_t = ind.threshold(cond)
            t = float(exact_t)
            x = quantities[cond.quantity]
            tol = NEAR * max(1.0, abs(t))
            with np.errstate(invalid="ignore"):
                holds = _compare(cond.op, x, t)
                # two boolean passes, no float temporaries: this runs per condition per row
                rows = np.flatnonzero((x >= t - tol) & (x <= t + tol))
            rows = rows[~invalid[rows]]
            fast = None
            if rows.size and table is not None and cond.quantity not in table.given:
                fast = _exact_shortcut(q.expr, table, rows, cond.op, exact_t)
            if fast is not None:
                holds[rows] = fast
            elif rows.size:
                exact_cond = attrs.evolve(cond, value=exact_t)
                for i in rows:
                    holds[i] = exact_cond.holds(exact_row(int(i))[cond.quantity])
            outcomes.append((cond.quantity, t, holds))
            ok &= holds
        return ok, outcomes


def _compared_quantities(ind: Indicator) -> set[str]:
    """Ids of the quantities the indicator's targets compare."""
    return {
        cond.quantity
        for target in (ind.four_star, ind.five_star)
        if isinstance(target, AllOf)
        for cond in target.conditions
    }


def _exact_shortcut(
    expr: Expr, table: InputTable, rows: npt.NDArray[np.intp], op: Op, t: Fraction
) -> BoolArray | None:
    """Decide ``expr op t`` exactly for ``rows`` in float64, or ``None`` when no shortcut applies.

    Two shapes cover most rows that sit on a threshold, without a Fraction per row: a bare input
    whose threshold (in the given unit) is a short decimal keeps its order under float rounding,
    and a ratio of whole numbers is decided by cross-multiplying, exact below 2**53.
    """
    if isinstance(expr, Input):
        t_raw = t / table.factor[expr.id]
        t_float = float(t_raw)
        if to_fraction(t_float) != t_raw:
            return None
        return _compare(op, table.raw[expr.id][rows], t_float)
    if not isinstance(expr, Ratio):
        return None
    sides = [_whole_numbers(side, table, rows) for side in (expr.numerator, expr.denominator)]
    num, den = sides
    if num is None or den is None or not (den > 0).all():
        return None
    p, q = float(t.numerator), float(t.denominator)
    lhs, rhs = num * q, den * p
    if max(np.abs(lhs).max(), np.abs(rhs).max()) >= 2.0**53:
        return None
    return _compare(op, lhs, rhs)


def _whole_numbers(node: Expr, table: InputTable, rows: npt.NDArray[np.intp]) -> FloatArray | None:
    """Exact whole-number values of a constant or an input at ``rows``, or ``None``."""
    if isinstance(node, Const) and node.value.denominator == 1:
        return np.full(rows.size, float(node.value))
    if isinstance(node, Input) and table.factor.get(node.id) == 1:
        x = table.raw[node.id][rows]
        if (x == np.floor(x)).all() and (np.abs(x) < 2.0**53).all():
            return x
    return None


def _compare(op: Op, x: FloatArray, t: float | FloatArray) -> BoolArray:
    if op is Op.GE:
        return np.asarray(x >= t)
    if op is Op.GT:
        return np.asarray(x > t)
    if op is Op.LT:
        return np.asarray(x < t)
    if op is Op.LE:
        return np.asarray(x <= t)
    return np.asarray(x == t)


def _codes(four: BoolArray | None, five: BoolArray | None, n: int) -> npt.NDArray[np.int8]:
    if four is None:
        codes = np.full(n, UNKNOWN, dtype=np.int8)
        if five is not None:
            codes[five] = FIVE
        return codes
    # NOT_MET, FOUR, FIVE are 0, 1, 2: four-star counts one, five-star on top of it one more
    codes = four.astype(np.int8)
    if five is not None:
        codes += four & five
    return codes


def _fmt_float(x: float) -> str:
    return repr(float(x)).removesuffix(".0")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray) or (
        hasattr(value, "__iter__")
        and hasattr(value, "__len__")
        and not isinstance(value, str | bytes)
    )


@attrs.frozen
class _BadCell:
    """A cell already known to be bad (a checklist naming unknown items), with the reason."""

    message: str


def _cell_items(inp: Input, value: Any) -> Any:
    """One row's checklist cell: the item names achieved become their count."""
    if not _is_name_set(value):
        return value
    unknown = sorted(set(value) - set(inp.items))
    if unknown:
        return _BadCell(f"unknown checklist item(s) {unknown}; the list is: {', '.join(inp.items)}")
    return len(set(value))


def _row_count(input_id: str, value: Any) -> int | None:
    """Rows a column gives (``None`` for one value that applies to every row)."""
    if isinstance(value, np.ndarray):
        if value.ndim > 1:
            raise InputError(
                f"input {input_id!r} has {value.ndim} dimensions; give one value per row"
            )
        return None if value.ndim == 0 else len(value)
    if isinstance(value, str | bytes) or not _is_sequence(value):
        return None
    return len(value)


def _is_name_set(value: Any) -> bool:
    return isinstance(value, set | frozenset) or (
        isinstance(value, list | tuple)
        and bool(value)
        and all(isinstance(v, str) for v in value)
        and not all(_numeric_text(v) for v in value)
    )


def _numeric_text(v: str) -> bool:
    try:
        to_fraction(v)
    except ValueError:
        return False
    return True


def _count_items(inp: Input, names: Any) -> int:
    unknown = sorted(set(names) - set(inp.items))
    if unknown:
        raise InputError(
            f"unknown checklist item(s) {unknown}; the list is: {', '.join(inp.items)}",
            input_id=inp.id,
        )
    return len(set(names))


class RowErrors(Mapping[int, list[str]]):
    """Row -> messages; whole-column problems are stored once and named per row on access.

    A missing column of a million rows costs one message, not a million.
    """

    def __init__(self, n: int, every_row: tuple[str, ...], by_row: dict[int, list[str]]) -> None:
        self._n, self._every_row, self._by_row = n, every_row, by_row

    def __getitem__(self, row: int) -> list[str]:
        if self._every_row and 0 <= row < self._n:
            return [m.replace("{row}", str(row)) for m in self._every_row] + self._by_row.get(
                row, []
            )
        return self._by_row[row]

    def __iter__(self) -> Iterator[int]:
        return iter(range(self._n)) if self._every_row else iter(sorted(self._by_row))

    def __len__(self) -> int:
        return self._n if self._every_row else len(self._by_row)


#: One condition's outcome over all rows: quantity id, threshold (quantity unit), whether it holds.
_Outcome = tuple[str, float, BoolArray]


class _Gaps(Mapping[str, FloatArray]):
    """``threshold - value`` per quantity for the next grade's unmet conditions, built when read.

    Few callers read gaps; building them eagerly cost several passes and 8 bytes per row and
    quantity, more than grading itself.
    """

    def __init__(
        self,
        codes: npt.NDArray[np.int8],
        quantities: Mapping[str, FloatArray],
        four: Sequence[_Outcome],
        five: Sequence[_Outcome],
    ) -> None:
        self._args = (codes, quantities, four, five)

    @functools.cached_property
    def _arrays(self) -> dict[str, FloatArray]:
        codes, quantities, four, five = self._args
        per_grade: list[dict[str, FloatArray]] = []
        for outcomes in (four, five):
            gaps: dict[str, FloatArray] = {}
            for qid, t, holds in outcomes:
                gap = np.where(holds, np.nan, t - quantities[qid])
                gaps[qid] = gap if qid not in gaps else np.fmax(gaps[qid], gap)
            per_grade.append(gaps)
        four_gap, five_gap = per_grade
        out = {
            qid: np.where(codes == NOT_MET, four_gap.get(qid, np.nan), np.nan) for qid in quantities
        }
        for qid, gap in five_gap.items():
            out[qid] = np.where(codes == FOUR, gap, out[qid])
        return {qid: gap for qid, gap in out.items() if not np.isnan(gap).all()}

    def __getitem__(self, quantity_id: str) -> FloatArray:
        return self._arrays[quantity_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)


@attrs.frozen
class IndicatorResult:
    """One indicator's results over all rows."""

    quantities: dict[str, FloatArray]
    codes: npt.NDArray[np.int8]
    errors: Mapping[int, list[str]]
    gaps: Mapping[str, FloatArray]  # threshold - value for conditions of the next grade not met
    five_star_known: bool


class EvaluationResult:
    """Every row's quantities and grade for every indicator, in input order."""

    def __init__(
        self, catalog: Catalog, labels: Sequence[str], results: Mapping[str, IndicatorResult]
    ) -> None:
        self.catalog = catalog
        self.labels = labels
        self.results = results

    @property
    def n_rows(self) -> int:
        """Number of rows, equal to the input's."""
        return len(self.labels)

    def __len__(self) -> int:
        return self.n_rows

    def grades(self, indicator_id: str) -> list[str]:
        """Grade names of one indicator for every row."""
        return [CODE_NAMES[int(c)] for c in self.results[indicator_id].codes]

    def grade(self, indicator_id: str, row: int = 0) -> str:
        """Grade name (``not_met``, ``four_star``, ``five_star``, ``unknown``, ``invalid``)."""
        return CODE_NAMES[int(self.results[indicator_id].codes[row])]

    def codes(self, indicator_id: str) -> npt.NDArray[np.int8]:
        """Grade codes: -2 invalid, -1 unknown, 0 not met, 1 four-star, 2 five-star."""
        return self.results[indicator_id].codes

    def quantities(self, indicator_id: str) -> dict[str, FloatArray]:
        """Quantity arrays (declared units) of one indicator."""
        return self.results[indicator_id].quantities

    def errors(self, indicator_id: str, row: int) -> list[str]:
        """Why a row is invalid for an indicator (empty when it is valid)."""
        return list(self.results[indicator_id].errors.get(row, []))

    def five_star_status(self, indicator_id: str, row: int) -> str:
        """``yes``, ``no``, ``unknown`` (the source lost the target) or ``invalid``."""
        res = self.results[indicator_id]
        code = int(res.codes[row])
        if code == INVALID:
            return "invalid"
        if code == FIVE:
            return "yes"
        if code == FOUR and not res.five_star_known:
            return "unknown"
        return "no"

    def row(self, row: int) -> dict[str, Any]:
        """One row as the JSON contract's row object."""
        indicators: dict[str, Any] = {}
        for ind in self.catalog:
            res = self.results[ind.id]
            code = int(res.codes[row])
            quantities = {
                qid: (None if code == INVALID or not np.isfinite(arr[row]) else float(arr[row]))
                for qid, arr in res.quantities.items()
            }
            entry: dict[str, Any] = {
                "quantities": quantities,
                "grade": CODE_NAMES[code],
                "errors": list(res.errors.get(row, [])),
            }
            if code != INVALID:
                entry["five_star"] = self.five_star_status(ind.id, row)
                gaps = {
                    qid: float(f"{g[row]:.12g}")
                    for qid, g in res.gaps.items()
                    if np.isfinite(g[row])
                }
                if gaps:
                    entry["distance_to_next_grade"] = gaps
            indicators[ind.id] = entry
        return {"label": self.labels[row], "indicators": indicators}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self.row(i) for i in range(self.n_rows))

    def to_dict(self) -> dict[str, Any]:
        """``{"rows": [...]}`` as in DESIGN.md section 2."""
        return {"rows": list(self)}

    def to_json(self, *, indent: int | None = 2) -> str:
        """The result as JSON text (UTF-8, Chinese kept as is)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_frame(self) -> pd.DataFrame:
        """A wide DataFrame: one row per input row, ``<indicator>.grade`` and quantity columns."""
        import pandas as pd

        data: dict[str, Any] = {"label": self.labels}
        for ind in self.catalog:
            res = self.results[ind.id]
            invalid = res.codes == INVALID
            for qid, arr in res.quantities.items():
                data[f"{ind.id}.{qid}"] = np.where(invalid, np.nan, arr)
            data[f"{ind.id}.grade"] = pd.Categorical(
                [CODE_NAMES[int(c)] for c in res.codes], categories=list(CODE_NAMES.values())
            )
        return pd.DataFrame(data)

    def to_long_frame(self) -> pd.DataFrame:
        """A tidy DataFrame: one line per row and indicator, with table and departments."""
        import pandas as pd

        records = []
        for ind in self.catalog:
            res = self.results[ind.id]
            for i in range(self.n_rows):
                records.append(
                    {
                        "row": i,
                        "label": self.labels[i],
                        "indicator": ind.id,
                        "table": ind.table.value,
                        "grade": CODE_NAMES[int(res.codes[i])],
                        "errors": "; ".join(res.errors.get(i, [])),
                    }
                )
        return pd.DataFrame.from_records(records)

    def counts(self, row: int) -> dict[str, dict[str, int]]:
        """Per table (and ``total``): how many indicators are at each grade in ``row``."""
        out: dict[str, dict[str, int]] = {}
        for ind in self.catalog:
            name = CODE_NAMES[int(self.results[ind.id].codes[row])]
            for key in (ind.table.value, "total"):
                bucket = out.setdefault(key, dict.fromkeys(CODE_NAMES.values(), 0))
                bucket[name] += 1
        return out

    def overview(self, row: int) -> Any:
        """Counts per grade and the named overall readings for one row (see ``overview``)."""
        from smartindex.overview import overview

        return overview(self, row)

    def __repr__(self) -> str:
        return f"<EvaluationResult: {self.n_rows} rows x {len(self.catalog)} indicators>"

    def _repr_html_(self) -> str:
        from smartindex.display import result_html

        return result_html(self)


def engine_for(catalog: Catalog) -> Engine:
    """The compiled engine of ``catalog``, built on first use and kept on the catalog."""
    cache = catalog.__dict__
    engine = cache.get("_engine")
    if engine is None:
        engine = cache["_engine"] = Engine(catalog)
    return engine
