"""Thresholds that keep the legal meaning of the source wording, and the grades they decide.

Each constructor is named after the wording it encodes (DESIGN.md section 1): ``reaches`` is
达到 (>=), ``exceeds`` is 超过 (>), ``less_than`` is 小于 (<), ``exactly_all`` is 100% (== 1, no
float slack), ``among_first`` is 前 N 名 (rank <= N). Every condition keeps its source sentence.
"""

from __future__ import annotations

import enum
from fractions import Fraction
from typing import Union

import attrs

from smartindex.errors import CatalogError
from smartindex.expr import Direction, Number, to_fraction

__all__ = [
    "AllOf",
    "Condition",
    "Grade",
    "MissingFromSource",
    "NoTarget",
    "Op",
    "Target",
    "all_of",
    "among_first",
    "at_least",
    "at_most",
    "exactly_all",
    "exceeds",
    "less_than",
    "missing_from_source",
    "no_target",
    "ranked_between",
    "reaches",
]


class Grade(enum.Enum):
    """The ordered grades of one indicator: not met < four-star < five-star."""

    NOT_MET = "not_met"
    FOUR_STAR = "four_star"
    FIVE_STAR = "five_star"

    @property
    def rank(self) -> int:
        """0, 1 or 2, so grades compare in order."""
        return _GRADE_ORDER[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Grade):
            return NotImplemented
        return self.rank >= other.rank


_GRADE_ORDER = {Grade.NOT_MET: 0, Grade.FOUR_STAR: 1, Grade.FIVE_STAR: 2}


class Op(enum.Enum):
    """A comparison between a quantity and its threshold."""

    GE = ">="
    GT = ">"
    LT = "<"
    LE = "<="
    EQ = "=="

    @property
    def direction(self) -> Direction | None:
        """The quantity direction this comparison rewards (``None`` for ``==``)."""
        if self in (Op.GE, Op.GT):
            return Direction.HIGHER
        if self in (Op.LT, Op.LE):
            return Direction.LOWER
        return None


def _number(value: Number, unit: str) -> tuple[Fraction, str]:
    """Read a threshold value; ``"90%"`` becomes 9/10 dimensionless."""
    if isinstance(value, str) and value.strip().endswith("%"):
        if unit not in ("dimensionless", "percent"):
            raise CatalogError(f"threshold {value!r} is a percentage but unit is {unit!r}")
        return to_fraction(value), "dimensionless"
    try:
        return to_fraction(value), unit
    except (TypeError, ValueError) as exc:
        raise CatalogError(f"threshold value {value!r}: {exc}") from None


@attrs.frozen
class Condition:
    """One comparison ``quantity op value [unit]``, with the sentence it was read from.

    ``band_low`` records the lower end of a literal band (排4至6名 keeps 4) while the condition
    itself encodes what the band means for reaching the grade (rank <= 6).
    """

    quantity: str
    op: Op
    value: Fraction
    unit: str = "dimensionless"
    source_zh: str = ""
    band_low: Fraction | None = None

    def holds(self, x: Fraction) -> bool:
        """Decide the comparison exactly for one value (in this condition's unit)."""
        v = self.value
        if self.op is Op.GE:
            return x >= v
        if self.op is Op.GT:
            return x > v
        if self.op is Op.LT:
            return x < v
        if self.op is Op.LE:
            return x <= v
        return x == v

    def __str__(self) -> str:
        value = self.value
        text = str(value.numerator) if value.denominator == 1 else str(float(value))
        unit = "" if self.unit == "dimensionless" else f" {self.unit}"
        return f"{self.quantity} {self.op.value} {text}{unit}"


@attrs.frozen
class AllOf:
    """Every condition must hold (均达到, 且)."""

    conditions: tuple[Condition, ...]

    def __attrs_post_init__(self) -> None:
        if not self.conditions:
            raise CatalogError("a target needs at least one condition (use no_target() for '/')")

    @property
    def source_zh(self) -> str:
        """The source sentences, joined."""
        seen: list[str] = []
        for c in self.conditions:
            if c.source_zh and c.source_zh not in seen:
                seen.append(c.source_zh)
        return ";".join(seen)


@attrs.frozen
class NoTarget:
    """The source cell is ``/``: nothing to meet at this grade, so the grade holds."""

    source_zh: str = "/"


@attrs.frozen
class MissingFromSource:
    """The source lost this target; the grade it guards cannot be decided."""

    note: str


Target = Union[AllOf, NoTarget, MissingFromSource]  # noqa: UP007 - a runtime alias on 3.10


def _cond(
    quantity: str, op: Op, value: Number, unit: str, source: str, band_low: Number | None = None
) -> Condition:
    number, unit = _number(value, unit)
    low = None if band_low is None else to_fraction(band_low)
    return Condition(quantity, op, number, unit, source, low)


def reaches(
    quantity: str, value: Number, unit: str = "dimensionless", *, source: str = ""
) -> Condition:
    """达到 X, X以上, 不少于 X: the quantity is at least X."""
    return _cond(quantity, Op.GE, value, unit, source)


#: 不少于 X, X及以上: the same comparison as ``reaches``.
at_least = reaches


def exceeds(
    quantity: str, value: Number, unit: str = "dimensionless", *, source: str = ""
) -> Condition:
    """超过 X: the quantity is strictly above X."""
    return _cond(quantity, Op.GT, value, unit, source)


def less_than(
    quantity: str, value: Number, unit: str = "dimensionless", *, source: str = ""
) -> Condition:
    """小于 X: the quantity is strictly below X."""
    return _cond(quantity, Op.LT, value, unit, source)


def at_most(
    quantity: str, value: Number, unit: str = "dimensionless", *, source: str = ""
) -> Condition:
    """不超过 X: the quantity is X or below."""
    return _cond(quantity, Op.LE, value, unit, source)


def exactly_all(quantity: str, *, source: str = "") -> Condition:
    """100%: the share is exactly one, with no float slack."""
    return _cond(quantity, Op.EQ, 1, "dimensionless", source)


def among_first(quantity: str, n: int, *, source: str = "") -> Condition:
    """前 N 名: rank N or better (rank 1 is best)."""
    return _cond(quantity, Op.LE, n, "dimensionless", source)


def ranked_between(quantity: str, low: int, high: int, *, source: str = "") -> Condition:
    """排 A 至 B 名: the band below the next grade's band, so reaching it means rank <= B.

    The literal band is kept in ``band_low`` and the source sentence.
    """
    if not 1 <= low <= high:
        raise CatalogError(f"rank band {low}..{high} is empty or starts below 1")
    return _cond(quantity, Op.LE, high, "dimensionless", source, band_low=low)


def all_of(*conditions: Condition) -> AllOf:
    """A target met when every condition holds."""
    return AllOf(tuple(conditions))


def no_target(source: str = "/") -> NoTarget:
    """A ``/`` cell: no target at this grade."""
    return NoTarget(source)


def missing_from_source(note: str) -> MissingFromSource:
    """A target the source page lost; say what is known in ``note``."""
    return MissingFromSource(note)
