"""A city's overall view: counts per grade, and two named readings of an overall rating.

The source does not say how an overall star rating is computed, so none is invented. Two
readings are offered by name: ``every_indicator`` (the city holds a grade when every indicator
reaches it) and ``share`` (when at least a given share of the indicators reach it).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from smartindex.expr import Number, to_fraction

if TYPE_CHECKING:
    from smartindex.evaluate import EvaluationResult

__all__ = ["Overview", "overview"]

_AT_LEAST = {"four_star": ("four_star", "five_star"), "five_star": ("five_star",)}


@attrs.frozen
class Overview:
    """Counts of one row's indicators per grade, per table and in total."""

    label: str
    counts: dict[str, dict[str, int]]
    five_star_unknown: tuple[str, ...]

    def reaches(
        self, grade: str, *, rule: str = "every_indicator", share: Number = 1
    ) -> bool | None:
        """Whether the city reaches ``grade`` under a named reading; ``None`` if undecidable.

        ``every_indicator``: every indicator is at ``grade`` or above (invalid rows count
        against). ``share``: at least ``share`` of the indicators are. A five-star answer that
        depends on a target missing from the source is ``None``.
        """
        if grade not in _AT_LEAST:
            raise ValueError("grade must be 'four_star' or 'five_star'")
        total = self.counts["total"]
        n = sum(total.values())
        at = sum(total[g] for g in _AT_LEAST[grade])
        unknown = len(self.five_star_unknown) if grade == "five_star" else 0
        if rule == "every_indicator":
            need = Fraction(1)
        elif rule == "share":
            need = to_fraction(share)
            if not 0 < need <= 1:
                raise ValueError("share must be in (0, 1]")
        else:
            raise ValueError("rule must be 'every_indicator' or 'share'")
        if Fraction(at, n) >= need:
            return True
        if Fraction(at + unknown, n) >= need:
            return None
        return False

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "label": self.label,
            "counts": self.counts,
            "five_star_unknown": list(self.five_star_unknown),
            "every_indicator": {g: self.reaches(g) for g in _AT_LEAST},
        }


def overview(result: EvaluationResult, row: int) -> Overview:
    """The overall view of one row of an evaluation."""
    unknown = tuple(
        ind.id for ind in result.catalog if result.five_star_status(ind.id, row) == "unknown"
    )
    return Overview(result.labels[row], result.counts(row), unknown)
