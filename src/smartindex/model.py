"""The indicator and catalog models: frozen, validated attrs classes."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from smartindex.errors import CatalogError, GradeUndecidableError
from smartindex.expr import Direction, Expr, Input
from smartindex.thresholds import AllOf, Condition, Grade, MissingFromSource, NoTarget, Target

if TYPE_CHECKING:
    from smartindex.checks import Report
    from smartindex.evaluate import EvaluationResult
    from smartindex.whatif import GapReport

__all__ = ["Catalog", "Indicator", "Quantity", "Table", "decide"]

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class Table(enum.Enum):
    """The four parts (一级指标) of the Shandong tables."""

    DIGITAL_BENEFIT = "digital_benefit"
    DIGITAL_GOVERNMENT = "digital_government"
    DIGITAL_ECONOMY = "digital_economy"
    INFRASTRUCTURE = "infrastructure"

    @property
    def name_zh(self) -> str:
        """The table's Chinese name as the source writes it."""
        return _TABLE_ZH[self]

    @property
    def name_en(self) -> str:
        """A short English name."""
        return _TABLE_EN[self]


_TABLE_ZH = {
    Table.DIGITAL_BENEFIT: "数字惠民建设指标",
    Table.DIGITAL_GOVERNMENT: "数字政府建设指标",
    Table.DIGITAL_ECONOMY: "数字经济建设指标",
    Table.INFRASTRUCTURE: "基础设施建设指标",
}
_TABLE_EN = {
    Table.DIGITAL_BENEFIT: "Digital services for citizens",
    Table.DIGITAL_GOVERNMENT: "Digital government",
    Table.DIGITAL_ECONOMY: "Digital economy",
    Table.INFRASTRUCTURE: "Infrastructure",
}


def _check_id(kind: str, value: str) -> None:
    if not _ID.match(value):
        raise CatalogError(f"{kind} id {value!r} is not snake_case ([a-z][a-z0-9_]*)")


@attrs.frozen
class Quantity:
    """A named value the thresholds compare, defined by a DSL formula over inputs."""

    id: str
    expr: Expr
    unit: str = "dimensionless"
    name_en: str = ""
    direction: Direction = attrs.field()

    @direction.default
    def _direction_from_expr(self) -> Direction:
        return self.expr.direction

    def __attrs_post_init__(self) -> None:
        _check_id("quantity", self.id)


def decide(four: bool | None, five: bool | None) -> Grade | None:
    """Combine the two targets' outcomes (``None`` = undecidable) into a grade or ``None``."""
    if four is False:
        return Grade.NOT_MET
    if five is True:
        return Grade.FIVE_STAR
    if four is None:
        return None
    return Grade.FOUR_STAR


@attrs.frozen(slots=False)
class Indicator:
    """One row (二级指标) of a table: what it measures, its targets and who answers for it."""

    id: str
    table: Table
    name_zh: str
    name_en: str
    definition_zh: str
    departments_zh: tuple[str, ...]
    quantities: tuple[Quantity, ...]
    four_star: Target
    five_star: Target
    notes: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        _check_id("indicator", self.id)
        if not self.quantities:
            raise CatalogError(f"indicator {self.id!r} defines no quantity")
        ids = [q.id for q in self.quantities]
        if len(set(ids)) != len(ids):
            raise CatalogError(f"indicator {self.id!r} defines a quantity id twice: {ids}")
        seen: dict[str, Input] = {}
        for q in self.quantities:
            for inp in q.expr.inputs():
                if inp.id in seen and seen[inp.id] != inp:
                    raise CatalogError(
                        f"indicator {self.id!r}: two different inputs are called {inp.id!r}"
                    )
                seen[inp.id] = inp
        for grade, target in (("four_star", self.four_star), ("five_star", self.five_star)):
            if isinstance(target, AllOf):
                for cond in target.conditions:
                    if cond.quantity not in ids:
                        raise CatalogError(
                            f"indicator {self.id!r}: {grade} condition names unknown quantity "
                            f"{cond.quantity!r} (known: {', '.join(ids)})"
                        )

    # --- structure ---------------------------------------------------------------------
    @functools.cached_property
    def inputs(self) -> tuple[Input, ...]:
        """Every raw input the quantities read, each once, in first-use order."""
        seen: dict[str, Input] = {}
        for q in self.quantities:
            for inp in q.expr.inputs():
                seen.setdefault(inp.id, inp)
        return tuple(seen.values())

    def quantity(self, quantity_id: str) -> Quantity:
        """The quantity called ``quantity_id``."""
        for q in self.quantities:
            if q.id == quantity_id:
                return q
        raise KeyError(f"indicator {self.id!r} has no quantity {quantity_id!r}")

    def target(self, grade: Grade) -> Target:
        """The target of ``grade`` (four- or five-star)."""
        if grade is Grade.FOUR_STAR:
            return self.four_star
        if grade is Grade.FIVE_STAR:
            return self.five_star
        raise ValueError("only four_star and five_star have targets")

    # --- grading -----------------------------------------------------------------------
    def quantity_values(
        self, values: Mapping[str, Any], *, row: int | None = None
    ) -> dict[str, Fraction]:
        """Exact quantity values from quantity values or raw inputs (see ``grade``)."""
        from smartindex.validation import exact_quantities

        return exact_quantities(self, values, row=row)

    def threshold(self, cond: Condition) -> Fraction:
        """The condition's threshold in its quantity's declared unit, exactly.

        Raises ``UnitError`` (``DimensionError``) when the two units do not convert.
        """
        from smartindex.units import conversion_factor

        return cond.value * conversion_factor(cond.unit, self.quantity(cond.quantity).unit)

    def target_holds(self, target: Target, quantities: Mapping[str, Fraction]) -> bool | None:
        """Whether ``target`` holds for exact quantity values; ``None`` when the source lost it."""
        if isinstance(target, NoTarget):
            return True
        if isinstance(target, MissingFromSource):
            return None
        for cond in target.conditions:
            threshold = self.threshold(cond)
            holds = attrs.evolve(cond, value=threshold).holds(quantities[cond.quantity])
            if not holds:
                return False
        return True

    def grade(self, values: Mapping[str, Any], *, row: int | None = None) -> Grade:
        """Grade one city exactly.

        ``values`` maps quantity ids (or raw input ids, from which the quantities are computed)
        to plain numbers in the declared unit or to pint quantities. Shares are dimensionless:
        80% is ``0.8`` or ``Quantity(80, "percent")``.

        Raises:
            InputError: a value is missing, not a number or outside what it allows.
            UnitError: a quantity's unit cannot be converted to the declared one.
            GradeUndecidableError: the source lacks a target needed to decide.

        """
        quantities = self.quantity_values(values, row=row)
        result = decide(
            self.target_holds(self.four_star, quantities),
            self.target_holds(self.five_star, quantities),
        )
        if result is None:
            raise GradeUndecidableError(
                f"indicator {self.id!r}: the four-star target is missing from the source and "
                "the five-star target is not met, so the grade cannot be decided"
            )
        return result

    def evaluate(self, data: Any, *, labels: Any = None) -> EvaluationResult:
        """Evaluate this indicator alone over many rows (see ``Catalog.evaluate``)."""
        return self._alone.evaluate(data, labels=labels)

    @functools.cached_property
    def _alone(self) -> Catalog:
        """A one-indicator catalog, built once so its compiled engine is reused."""
        return Catalog(id=self.id, title_zh=self.name_zh, indicators=(self,))

    def check(self) -> Report:
        """Run the symbolic checks (units, bounds, weights, five implies four, ...) on this row."""
        from smartindex.checks import check_indicator

        return check_indicator(self)

    def __repr__(self) -> str:
        return f"<Indicator {self.id}: {self.name_zh} / {self.name_en}>"

    def _repr_html_(self) -> str:
        from smartindex.display import indicator_html

        return indicator_html(self)


@attrs.frozen(slots=False)
class Catalog:
    """An ordered collection of indicators with lookup by id, table and department."""

    id: str
    title_zh: str
    indicators: tuple[Indicator, ...]
    title_en: str = ""
    four_star_due: str = ""
    source: str = ""
    notes: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        ids = [i.id for i in self.indicators]
        dupes = sorted({x for x in ids if ids.count(x) > 1})
        if dupes:
            raise CatalogError(f"catalog {self.id!r} has duplicate indicator ids: {dupes}")
        seen: dict[str, tuple[Input, str]] = {}
        for ind in self.indicators:
            for inp in ind.inputs:
                if inp.id in seen and seen[inp.id][0] != inp:
                    raise CatalogError(
                        f"input {inp.id!r} is defined differently in {seen[inp.id][1]!r} and "
                        f"{ind.id!r}; a shared input must be the same everywhere"
                    )
                seen.setdefault(inp.id, (inp, ind.id))

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the fields only: engines and solvers cached as ``_...`` are rebuilt on use."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def __getitem__(self, indicator_id: str) -> Indicator:
        try:
            return self._by_id[indicator_id]
        except KeyError:
            import difflib

            near = difflib.get_close_matches(indicator_id, self._by_id, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise KeyError(f"no indicator {indicator_id!r} in catalog {self.id!r}{hint}") from None

    @functools.cached_property
    def _by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    @property
    def ids(self) -> tuple[str, ...]:
        """Indicator ids in source order."""
        return tuple(i.id for i in self.indicators)

    @functools.cached_property
    def inputs(self) -> dict[str, Input]:
        """Every raw input of the catalog by id (shared inputs appear once)."""
        out: dict[str, Input] = {}
        for ind in self.indicators:
            for inp in ind.inputs:
                out.setdefault(inp.id, inp)
        return out

    def by_table(self) -> dict[Table, tuple[Indicator, ...]]:
        """Indicators grouped by table, tables in source order."""
        out: dict[Table, list[Indicator]] = {}
        for ind in self.indicators:
            out.setdefault(ind.table, []).append(ind)
        return {t: tuple(v) for t, v in out.items()}

    def by_department(self) -> dict[str, tuple[Indicator, ...]]:
        """Responsibility matrix: department -> indicators it answers for (jointly or alone)."""
        out: dict[str, list[Indicator]] = {}
        for ind in self.indicators:
            for dept in ind.departments_zh:
                out.setdefault(dept, []).append(ind)
        return {d: tuple(v) for d, v in out.items()}

    def filter(self, *, table: Table | str | None = None, department: str | None = None) -> Catalog:
        """A catalog of the indicators in ``table`` and/or answered for by ``department``."""
        chosen = list(self.indicators)
        if table is not None:
            want = Table(table) if isinstance(table, str) else table
            chosen = [i for i in chosen if i.table is want]
        if department is not None:
            chosen = [i for i in chosen if department in i.departments_zh]
        return attrs.evolve(self, indicators=tuple(chosen))

    # --- behaviour (modules imported on use) ---------------------------------------------
    def evaluate(self, data: Any, *, labels: Any = None) -> EvaluationResult:
        """Grade every row of ``data`` against every indicator, vectorised and exact.

        ``data`` is a mapping of input id to scalar, sequence, numpy array or pint quantity, or
        a pandas DataFrame with one row per city or scenario (a column name may carry a unit,
        ``"download_speed [MB/s]"``). Bad rows are reported as invalid per indicator; no row
        is ever dropped.
        """
        from smartindex.evaluate import engine_for

        return engine_for(self).evaluate(data, labels=labels)

    def gap(self, data: Any, *, labels: Any = None) -> GapReport:
        """The smallest one-input changes that lift each row to its next grades.

        Solved exactly per row and indicator below five stars (see ``smartindex.whatif.gap``).
        """
        from smartindex.whatif import gap

        return gap(self, data, labels=labels)

    def check(self) -> Report:
        """Run the symbolic checks on every indicator; ``report.ok`` when none fails."""
        from smartindex.checks import check_catalog

        return check_catalog(self)

    def to_dict(self) -> dict[str, Any]:
        """The catalog as the JSON export schema (DESIGN.md section 2)."""
        from smartindex.serialize import catalog_to_dict

        return catalog_to_dict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The catalog as JSON text."""
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def __repr__(self) -> str:
        return f"<Catalog {self.id}: {len(self)} indicators>"

    def _repr_html_(self) -> str:
        from smartindex.display import catalog_html

        return catalog_html(self)
