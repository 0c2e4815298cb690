"""Expression primitives: composition, units, direction, bounds, rendering, sympy."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from smartindex import (
    CatalogError,
    DimensionError,
    Direction,
    amount,
    checklist,
    count,
    distance,
    growth,
    measured,
    rank,
    ratio,
    weighted_mean,
)
from smartindex.expr import to_fraction

cams = count("cameras", "camera", "cameras")
homes = count("households", "household", "households")
part = count("part", "household", "part", at_most=homes)
patents = count("patents", "invention_patent", "patents")
people = count("people", "person", "people")
patents_prev = count("patents_prev", "invention_patent", "patents last year")
people_prev = count("people_prev", "person", "people last year")
PER_10K = "invention_patent / ten_thousand_people"


def exact(expr, **env):  # type: ignore[no-untyped-def]
    return expr.evaluate({k: Fraction(v) for k, v in env.items()}, lambda c: c)


def test_ratio_of_unlike_things_is_a_dimension_error_unless_declared() -> None:
    with pytest.raises(DimensionError, match=r"camera.*household"):
        ratio(cams, homes)
    declared = ratio(cams, homes, unit="camera / household")
    assert declared.unit == "camera / household"


def test_ratio_of_part_and_whole_is_a_bounded_dimensionless_share() -> None:
    r = ratio(part, homes)
    assert r.unit == "dimensionless"
    assert r.part_of_whole
    assert (r.bounds.low, r.bounds.high) == (0, 1)
    assert r.direction is Direction.HIGHER
    assert exact(r, part=3, households=4) == Fraction(3, 4)
    assert r.render() == "ratio(part, households)"


def test_composition_growth_of_per_10k_ratios() -> None:
    cur = ratio(patents, people, unit=PER_10K) * 10_000
    prev = ratio(patents_prev, people_prev, unit=PER_10K) * 10_000
    g = growth(cur, prev)
    assert [i.id for i in g.inputs()] == ["patents", "people", "patents_prev", "people_prev"]
    value = exact(g, patents=1100, people=10**6, patents_prev=1000, people_prev=10**6)
    assert value == Fraction(1, 10)
    assert g.render() == (
        "growth(ratio(patents, people) * 10000, ratio(patents_prev, people_prev) * 10000)"
    )
    assert g.unit == "dimensionless"
    assert g.bounds.low == -1


def test_weighted_mean_keeps_exact_weights() -> None:
    a = count("a", "household", "a", at_most=homes)
    b = count("b", "household", "b", at_most=homes)
    wm = weighted_mean({ratio(a, homes): "40%", ratio(b, homes): Fraction(3, 5)})
    assert wm.weights == (Fraction(2, 5), Fraction(3, 5))
    assert exact(wm, a=1, b=1, households=1) == 1
    assert (wm.bounds.low, wm.bounds.high) == (0, 1)
    assert wm.render() == "weighted_mean(2/5 * ratio(a, households), 3/5 * ratio(b, households))"
    with pytest.raises(DimensionError):
        weighted_mean({ratio(a, homes): 1, cams: 1})


def test_evaluate_is_generic_over_numpy_float_and_fraction() -> None:
    r = ratio(part, homes) * 100
    arr = r.evaluate({"part": np.array([1.0, 2.0]), "households": np.array([4.0, 4.0])}, float)
    assert arr.tolist() == [25.0, 50.0]
    assert r.evaluate({"part": 1.0, "households": 4.0}, float) == 25.0
    assert exact(r, part=1, households=3) == Fraction(100, 3)


def test_guard_sees_every_denominator() -> None:
    seen = []
    r = growth(ratio(part, homes), ratio(part, homes) + 1)
    r.evaluate({"part": 1.0, "households": 2.0}, float, lambda node, d: seen.append(d))
    assert len(seen) == 3


def test_primitives_know_direction_and_bounds() -> None:
    rk = rank("r", "place", of=16)
    assert rk.direction is Direction.LOWER
    assert (rk.bounds.low, rk.bounds.high) == (1, 16)
    sp = distance("spacing", "km between stations")
    assert sp.direction is Direction.LOWER
    assert sp.unit == "km"
    cl = checklist("items", "items", ["a", "b", "c"])
    assert cl.bounds.high == 3
    assert measured("speed", "Mbit/s", "speed").direction is Direction.HIGHER
    assert amount("money", "wan_yuan", "money").bounds.low == 0
    share = ratio(cl, 3, unit="dimensionless")
    assert share.bounds.high == 1


def test_bad_definitions_are_catalog_errors() -> None:
    with pytest.raises(CatalogError):
        count("Bad-Id", "household", "x")
    with pytest.raises(CatalogError):
        checklist("c", "x", [])
    with pytest.raises(CatalogError):
        checklist("c", "x", ["a", "a"])
    with pytest.raises(DimensionError):
        count("p", "camera", "x", at_most=homes)
    with pytest.raises(DimensionError):
        growth(cams, homes)


def test_formula_text_and_sympy_agree() -> None:
    r = ratio(part, homes)
    assert r.formula() == "(part) / (households)"
    s = r.to_sympy()
    import sympy

    assert s == sympy.Symbol("part", real=True, nonnegative=True, integer=True) / sympy.Symbol(
        "households", real=True, nonnegative=True, integer=True
    )


def test_to_fraction_reads_the_decimal_that_was_written() -> None:
    assert to_fraction(0.1) == Fraction(1, 10)
    assert to_fraction("40%") == Fraction(2, 5)
    assert to_fraction("1/3") == Fraction(1, 3)
    assert to_fraction(np.float64(0.3)) == Fraction(3, 10)
    with pytest.raises(ValueError, match="finite"):
        to_fraction(float("nan"))
    with pytest.raises(ValueError, match="not a number"):
        to_fraction("abc")


def test_import_does_not_load_sympy_pandas_or_pint() -> None:
    code = (
        "import sys, smartindex; from smartindex.catalog import shandong; "
        "c = shandong.FIRST_BATCH; c['open_data'].grade({'open_data_rate': 1}); "
        "c.evaluate({'download_speed': [30.0]}); "
        "bad = [m for m in ('sympy', 'pandas', 'matplotlib', 'pint') if m in sys.modules]; "
        "print(bad); assert not bad"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], check=False, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
