"""Conditions named after the source wording, compared exactly; the Grade order."""

from __future__ import annotations

from fractions import Fraction

import pytest

from smartindex import CatalogError, Grade, Op
from smartindex.thresholds import (
    all_of,
    among_first,
    at_least,
    at_most,
    exactly_all,
    exceeds,
    less_than,
    missing_from_source,
    no_target,
    ranked_between,
    reaches,
)

CASES = [
    # constructor, threshold, (below, at, above) expected
    (reaches, Fraction(9, 10), (False, True, True)),
    (at_least, Fraction(9, 10), (False, True, True)),
    (exceeds, Fraction(9, 10), (False, False, True)),
    (less_than, Fraction(9, 10), (True, False, False)),
    (at_most, Fraction(9, 10), (True, True, False)),
]


@pytest.mark.parametrize(("make", "t", "expected"), CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_each_comparison_at_just_above_and_just_below(make, t, expected) -> None:  # type: ignore[no-untyped-def]
    cond = make("q", "90%", source="…")
    assert cond.value == t
    eps = Fraction(1, 10**12)
    assert (cond.holds(t - eps), cond.holds(t), cond.holds(t + eps)) == expected


def test_exactly_all_has_no_float_slack() -> None:
    cond = exactly_all("q", source="达到100%")
    assert cond.op is Op.EQ
    assert cond.holds(Fraction(1))
    assert not cond.holds(Fraction(1) - Fraction(1, 10**15))


def test_rank_wording() -> None:
    first = among_first("rank", 3, source="前3名")
    assert first.op is Op.LE
    assert (first.holds(Fraction(3)), first.holds(Fraction(4))) == (True, False)
    band = ranked_between("rank", 4, 6, source="排4至6名")
    assert band.op is Op.LE
    assert band.value == 6
    assert band.band_low == 4
    with pytest.raises(CatalogError):
        ranked_between("rank", 6, 4)


def test_percent_values_are_fractions_and_units_are_kept() -> None:
    assert reaches("q", "80%").value == Fraction(4, 5)
    speed = reaches("speed", 25, "Mbit/s")
    assert (speed.value, speed.unit) == (25, "Mbit/s")
    with pytest.raises(CatalogError):
        reaches("speed", "25%", "Mbit/s")
    with pytest.raises(CatalogError):
        reaches("q", "many")


def test_targets() -> None:
    with pytest.raises(CatalogError):
        all_of()
    t = all_of(reaches("a", "90%", source="A,且B"), exceeds("b", "20%", source="A,且B"))
    assert t.source_zh == "A,且B"
    assert no_target().source_zh == "/"
    assert missing_from_source("lost").note == "lost"


def test_grades_are_ordered() -> None:
    assert Grade.NOT_MET < Grade.FOUR_STAR < Grade.FIVE_STAR
    assert max(Grade) is Grade.FIVE_STAR
    assert [g.value for g in Grade] == ["not_met", "four_star", "five_star"]
