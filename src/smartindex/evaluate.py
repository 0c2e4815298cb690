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
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from smartindex.errors import InputError, UnitError
from smartindex.expr import Expr, Input, InputKind, to_fraction
from smartindex.thresholds import AllOf, Grade, MissingFromSource, NoTarget, Op, Target
from smartindex.units import conversion_factor, is_quantity, split_quantity
from smartindex.validation import vector_problems, zero_message

if TYPE_CHECKING:
    import pandas as pd

    from smartindex.model import Catalog, Indicator

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
LABEL_COLUMNS = ("label", "city", "name", "scenario")
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
    labels: list[str]
    raw: dict[str, FloatArray]  # magnitudes as given
    factor: dict[str, Fraction]  # exact factor from given unit to declared unit
    cell_errors: dict[str, dict[int, str]]  # input id -> row -> message
    column_errors: dict[str, str]  # input id -> message for every row

    @functools.cached_property
    def values(self) -> dict[str, FloatArray]:
        """Columns in declared units."""
        return {
            k: (v if self.factor[k] == 1 else v * float(self.factor[k]))
            for k, v in self.raw.items()
        }

    def exact(self, input_id: str, row: int) -> Fraction:
        """The exact value of one cell, in the declared unit."""
        return Fraction(repr(float(self.raw[input_id][row]))) * self.factor[input_id]


def _label_column(names: Sequence[str]) -> str | None:
    for name in names:
        if str(name).strip().lower() in LABEL_COLUMNS:
            return name
    return None


def _to_float_column(values: Sequence[Any], input_id: str, errors: dict[int, str]) -> FloatArray:
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, str) and not v.strip()):
            out[i] = np.nan
            continue
        try:
            out[i] = float(to_fraction(v)) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            out[i] = np.nan
            errors[i] = f"{v!r} is not a number"
    return out


class Engine:
    """A catalog compiled once: input lookup, thresholds in quantity units, formulas."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.inputs: dict[str, Input] = catalog.inputs
        self._aliases: dict[str, str] = {i: i for i in self.inputs}

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
        base, unit = parse_header(str(name))
        return self._aliases.get(base), unit

    def _warn_unknown(self, name: str) -> None:
        near = difflib.get_close_matches(str(name), list(self.inputs), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        warnings.warn(f"column {name!r} is not an input of this catalog{hint}", stacklevel=4)

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
            input_id, unit = self._resolve(str(col))
            if input_id is None:
                self._warn_unknown(str(col))
                continue
            if input_id in columns:
                raise InputError(f"input {input_id!r} is given by two columns")
            series = frame[col]
            kind = getattr(series.dtype, "kind", "O")
            values = series.to_numpy(dtype=np.float64) if kind in "biuf" else series.tolist()
            columns[input_id] = (values, unit)
        return self._assemble(n, list(labels), columns)

    def _from_mapping(self, data: Mapping[str, Any], labels: Any) -> InputTable:
        columns: dict[str, tuple[Any, str | None]] = {}
        sizes: set[int] = set()
        label_values = None
        for key, given in data.items():
            value = given
            if str(key).strip().lower() in LABEL_COLUMNS and labels is None:
                label_values = value
                continue
            input_id, unit = self._resolve(str(key))
            if input_id is None:
                self._warn_unknown(str(key))
                continue
            if is_quantity(value):
                magnitude, unit = split_quantity(value)
                value = magnitude
            inp = self.inputs[input_id]
            if inp.kind is InputKind.CHECKLIST and _is_name_set(value):
                value = _count_items(inp, value)
            array = np.asarray(value) if not isinstance(value, str) else np.asarray([value])
            if array.ndim > 1:
                raise InputError(
                    f"input {input_id!r} has {array.ndim} dimensions; give one value per row"
                )
            if array.ndim == 1:
                sizes.add(len(array))
            columns[input_id] = (value, unit)
        if len(sizes) > 1:
            raise InputError(f"inputs have different numbers of rows: {sorted(sizes)}")
        n = sizes.pop() if sizes else 1
        if labels is None:
            if label_values is None:
                labels = [str(i) for i in range(n)]
            else:
                labels = (
                    [str(label_values)] * n
                    if isinstance(label_values, str)
                    else [str(x) for x in label_values]
                )
        return self._assemble(n, list(labels), columns)

    def _assemble(
        self, n: int, labels: list[str], columns: Mapping[str, tuple[Any, str | None]]
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
            if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
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
        return InputTable(n, labels, raw, factor, cell_errors, column_errors)

    # --- evaluation -----------------------------------------------------------------------
    def evaluate(self, data: Any, labels: Any = None) -> EvaluationResult:
        """Evaluate every indicator over every row of ``data``."""
        table = self.table(data, labels)
        problems = self._input_problems(table)
        results = {ind.id: self._indicator(ind, table, problems) for ind in self.catalog}
        return EvaluationResult(self.catalog, table.labels, results)

    def _input_problems(self, table: InputTable) -> dict[str, dict[int, str]]:
        """Input id -> row -> message, for every bad cell (values in declared units)."""
        out: dict[str, dict[int, str]] = {}
        values = table.values
        for input_id, inp in self.inputs.items():
            rows: dict[int, str] = dict(table.cell_errors.get(input_id, {}))
            if input_id in table.column_errors:
                msg = table.column_errors[input_id]
                out[input_id] = dict.fromkeys(range(table.n_rows), msg)
                continue
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
        return out

    def _indicator(
        self, ind: Indicator, table: InputTable, problems: Mapping[str, Mapping[int, str]]
    ) -> IndicatorResult:
        n = table.n_rows
        errors: dict[int, list[str]] = {}
        for inp in ind.inputs:
            for row, msg in problems.get(inp.id, {}).items():
                errors.setdefault(row, []).append(f"input {inp.id!r}: {msg}")
        values = table.values
        zero_rows: dict[int, str] = {}

        def guard(node: Expr, denominator: Any) -> None:
            zero = np.asarray(denominator) == 0
            if zero.any():
                msg = zero_message(node)
                for i in np.flatnonzero(np.broadcast_to(zero, (n,))):
                    zero_rows.setdefault(int(i), msg)

        env = {inp.id: values[inp.id] for inp in ind.inputs}
        quantities: dict[str, FloatArray] = {}
        with np.errstate(all="ignore"):
            for q in ind.quantities:
                result = q.expr.evaluate(env, float, guard)
                quantities[q.id] = np.broadcast_to(np.asarray(result, dtype=np.float64), (n,))
        for row, msg in zero_rows.items():
            errors.setdefault(row, []).append(msg)
        invalid = np.zeros(n, dtype=bool)
        if errors:
            invalid[list(errors)] = True

        exact_cache: dict[int, dict[str, Fraction]] = {}

        def exact_row(i: int) -> dict[str, Fraction]:
            if i not in exact_cache:
                env_i = {inp.id: table.exact(inp.id, i) for inp in ind.inputs}
                exact_cache[i] = {q.id: q.expr.evaluate(env_i, lambda c: c) for q in ind.quantities}
            return exact_cache[i]

        four, four_gap = self._target(ind, ind.four_star, quantities, invalid, exact_row)
        five, five_gap = self._target(ind, ind.five_star, quantities, invalid, exact_row)
        codes = _codes(four, five, n)
        codes[invalid] = INVALID
        gaps = {
            qid: np.where(codes == NOT_MET, four_gap.get(qid, np.nan), np.nan) for qid in quantities
        }
        for qid, gap in five_gap.items():
            gaps[qid] = np.where(codes == FOUR, gap, gaps[qid])
        for qid in list(gaps):
            if np.isnan(gaps[qid]).all():
                del gaps[qid]
        five_known = not isinstance(ind.five_star, MissingFromSource)
        return IndicatorResult(quantities, codes, errors, gaps, five_known)

    def _target(
        self,
        ind: Indicator,
        target: Target,
        quantities: Mapping[str, FloatArray],
        invalid: BoolArray,
        exact_row: Any,
    ) -> tuple[BoolArray | None, dict[str, FloatArray]]:
        n = len(invalid)
        if isinstance(target, NoTarget):
            return np.ones(n, dtype=bool), {}
        if isinstance(target, MissingFromSource):
            return None, {}
        assert isinstance(target, AllOf)
        ok = np.ones(n, dtype=bool)
        gaps: dict[str, FloatArray] = {}
        for cond in target.conditions:
            q = ind.quantity(cond.quantity)
            exact_t = cond.value * conversion_factor(cond.unit, q.unit)
            t = float(exact_t)
            x = quantities[cond.quantity]
            with np.errstate(invalid="ignore"):
                holds = _compare(cond.op, x, t)
                near = np.abs(x - t) <= NEAR * max(1.0, abs(t))
            near &= ~invalid
            for i in np.flatnonzero(near):
                exact = exact_row(int(i))[cond.quantity]
                holds[i] = attrs.evolve(cond, value=exact_t).holds(exact)
            gap = np.where(holds, np.nan, t - x)
            gaps[cond.quantity] = (
                gap if cond.quantity not in gaps else np.fmax(gaps[cond.quantity], gap)
            )
            ok &= holds
        return ok, gaps


def _compare(op: Op, x: FloatArray, t: float) -> BoolArray:
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
    codes = np.full(n, FOUR, dtype=np.int8)
    if four is None:
        codes[:] = UNKNOWN
    if five is not None:
        codes[five] = FIVE
    if four is not None:
        codes[~four] = NOT_MET
    return codes


def _fmt_float(x: float) -> str:
    return repr(float(x)).removesuffix(".0")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, list | tuple | np.ndarray) or (
        hasattr(value, "__iter__")
        and hasattr(value, "__len__")
        and not isinstance(value, str | bytes)
    )


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


@attrs.frozen
class IndicatorResult:
    """One indicator's results over all rows."""

    quantities: dict[str, FloatArray]
    codes: npt.NDArray[np.int8]
    errors: dict[int, list[str]]
    gaps: dict[str, FloatArray]  # threshold - value for conditions of the next grade not met
    five_star_known: bool


class EvaluationResult:
    """Every row's quantities and grade for every indicator, in input order."""

    def __init__(
        self, catalog: Catalog, labels: list[str], results: dict[str, IndicatorResult]
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
