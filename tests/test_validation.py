"""Input rules: the scalar (exact) and vectorised paths agree, and every message says where."""

from __future__ import annotations

import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartindex import CatalogError, DimensionError, InputError, SmartIndexError
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.expr import Input, InputKind, to_fraction
from smartindex.units import get_registry
from smartindex.validation import (
    percent_suspicion,
    quantity_vector_problems,
    scalar_problem,
    vector_problems,
)

INPUTS = list(FIRST_BATCH.inputs.values())
KINDS = {kind: next(i for i in INPUTS if i.kind is kind) for kind in InputKind}


def Q(value: float, unit: str) -> object:  # noqa: N802 - reads like pint's own Q_
    return get_registry().Quantity(value, unit)


def test_the_catalog_has_an_input_of_every_kind() -> None:
    assert set(KINDS) == set(InputKind)


@given(
    inp=st.sampled_from(list(KINDS.values())),
    x=st.one_of(
        st.integers(min_value=-3, max_value=30).map(Fraction),
        st.fractions(min_value=-2, max_value=30, max_denominator=8),
    ),
)
def test_scalar_and_vector_rules_agree(inp: Input, x: Fraction) -> None:
    scalar = scalar_problem(inp, x)
    flagged = [t for mask, t in vector_problems(inp, np.array([float(x)])) if mask[0]]
    assert (scalar is None) == (not flagged)
    if scalar is not None:
        assert flagged[0].format(v=repr(float(x)).removesuffix(".0")) == scalar


def test_vector_rules_flag_nan_and_inf_first() -> None:
    inp = KINDS[InputKind.COUNT]
    problems = vector_problems(inp, np.array([np.nan, np.inf, -np.inf, 3.0]))
    flagged = {int(i): t for mask, t in problems for i in np.flatnonzero(mask)}
    assert set(flagged) == {0, 1, 2}
    assert "empty or NaN" in flagged[0]
    assert "infinite" in flagged[1]


def test_quantity_column_rules() -> None:
    q = FIRST_BATCH["e_license_usage"].quantity("e_license_rate")
    x = np.array([0.85, 85.0, 150.0, -0.1, np.nan])
    flagged = {
        int(i): t.format(v=x[i], p=x[i] / 100)
        for mask, t in quantity_vector_problems(q, x)
        for i in np.flatnonzero(mask)
    }
    assert set(flagged) == {1, 2, 3, 4}
    assert "did you mean 0.85" in flagged[1]
    assert "above its largest possible value 1" in flagged[2]
    assert "did you mean" not in flagged[2]
    assert "below its smallest possible value 0" in flagged[3]


def test_percent_suspicion_only_for_percent_shares_all_at_most_one() -> None:
    rate = FIRST_BATCH["e_license_usage"].quantity("e_license_rate")
    speed = FIRST_BATCH["mobile_download_speed"].quantity("download_speed")
    pct = Fraction(1, 100)
    assert percent_suspicion(rate, pct, [0.85, 0.9]) is not None
    assert percent_suspicion(rate, pct, [0.85, 85.0]) is None  # some are clearly percent
    assert percent_suspicion(rate, pct, [0.0, 0.0]) is None  # zero is zero in any unit
    assert percent_suspicion(rate, Fraction(1), [0.85]) is None
    assert percent_suspicion(speed, pct, [0.5]) is None


# --- the scalar path: Indicator.grade ---------------------------------------------------------


def test_share_as_85_hints_the_fraction_and_percent_quantity_works() -> None:
    ind = FIRST_BATCH["e_license_usage"]
    with pytest.raises(InputError, match=r"did you mean 0\.85 \(85%\)"):
        ind.grade({"e_license_rate": 85}, row=3)
    assert ind.grade({"e_license_rate": Q(85, "percent")}).value == "four_star"
    assert ind.grade({"e_license_rate": Q(86, "percent")}).value == "five_star"
    assert ind.grade({"e_license_rate": "86%"}).value == "five_star"


def test_fraction_in_percent_is_graded_but_warned() -> None:
    ind = FIRST_BATCH["e_license_usage"]
    with pytest.warns(UserWarning, match="the value is at most 1"):
        assert ind.grade({"e_license_rate": Q(0.85, "percent")}).value == "not_met"


def test_wrong_dimension_names_indicator_input_and_row() -> None:
    ind = FIRST_BATCH["mobile_download_speed"]
    with pytest.raises(DimensionError) as info:
        ind.grade({"download_speed": Q(30, "km")}, row=4)
    message = str(info.value)
    for part in (
        "indicator 'mobile_download_speed'",
        "input 'download_speed'",
        "row 4",
        "kilometer",
    ):
        assert part in message


def test_a_quantity_that_is_an_input_keeps_the_input_rules() -> None:
    # The rank quantity is the rank input: 2.5 is not a place, though within 1..16.
    with pytest.raises(InputError, match=r"input 'aishandong_app_rank'.*not a whole number"):
        FIRST_BATCH["gov_service_app"].grade({"aishandong_app_rank": 2.5})
    with pytest.raises(InputError, match=r"1\.\.16"):
        FIRST_BATCH["gov_service_app"].grade({"aishandong_app_rank": 17})
    with pytest.raises(InputError, match="not a whole number"):
        FIRST_BATCH["enterprise_cloud"].grade({"enterprises_on_cloud": 2000.5})


def test_checklist_names_in_the_scalar_path() -> None:
    ind = FIRST_BATCH["employment_service_channels"]
    items = FIRST_BATCH.inputs["employment_service_channels"].items
    assert ind.grade({"employment_service_channels": set(items[:5])}).value == "five_star"
    with pytest.raises(InputError, match="unknown item"):
        ind.grade({"employment_service_channels": {"飞鸽传书"}})


@pytest.mark.parametrize(
    ("values", "pattern"),
    [
        ({"smart_campus_schools": 0, "schools_total": 0}, "denominator schools_total is 0"),
        ({"smart_campus_schools": 5}, "input 'schools_total', row 2: missing"),
        ({"smart_campus_schools": 7, "schools_total": 5}, "above its whole 'schools_total'"),
        ({"smart_campus_schools": -1, "schools_total": 5}, "-1 is negative"),
        ({"smart_campus_schools": "lots", "schools_total": 5}, "'lots' is not a number"),
        ({"smart_campus_schools": None, "schools_total": 5}, "None is not a number"),
        ({"smart_campus_schools": True, "schools_total": 5}, "True is not a number"),
        ({"smart_campus_schools": float("nan"), "schools_total": 5}, "not a finite number"),
    ],
)
def test_scalar_refusals_name_the_place(values: dict[str, object], pattern: str) -> None:
    with pytest.raises(InputError, match=pattern) as info:
        FIRST_BATCH["smart_campus_coverage"].grade(values, row=2)
    assert "indicator 'smart_campus_coverage'" in str(info.value)
    assert "row 2" in str(info.value)


def test_growth_with_previous_zero_is_refused_exactly() -> None:
    ind = FIRST_BATCH["invention_patent_growth"]
    values = {
        "valid_invention_patents": 10,
        "population": 1000,
        "valid_invention_patents_prev": 0,
        "population_prev": 1000,
    }
    with pytest.raises(InputError, match="growth is undefined"):
        ind.grade(values)


def test_all_refusals_are_library_errors() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for bad in (object(), [1, 2], {"a": 1}, b"12", Q(1, "m")):
            with pytest.raises(SmartIndexError):
                FIRST_BATCH["smart_campus_coverage"].grade(
                    {"smart_campus_schools": bad, "schools_total": 5}
                )


# --- numbers that would cost too much to read exactly -------------------------------------------


@pytest.mark.parametrize(
    "text", ["1e999999999", "-2.5E+1000000", "1e-99999999", "3e1_000_000", "7e0000012345"]
)
def test_huge_exponents_are_refused_not_computed(text: str) -> None:
    with pytest.raises(ValueError, match="exponent beyond"):
        to_fraction(text)
    with pytest.raises(ValueError, match="exponent beyond"):
        to_fraction(Decimal(text.replace("_", "")))


def test_exponents_up_to_the_limit_are_exact() -> None:
    assert to_fraction("1e1000") == 10**1000
    assert to_fraction("25e-1000") == Fraction(25, 10**1000)
    assert to_fraction("1.5E+3") == 1500


def test_a_catalog_with_a_huge_exponent_is_a_catalog_error() -> None:
    from smartindex.load import catalog_from_dict

    data = FIRST_BATCH.to_dict()
    data["indicators"][1]["grades"]["four_star"]["conditions"][0]["value_exact"] = "1e999999999"
    with pytest.raises(CatalogError, match="exponent beyond"):
        catalog_from_dict(data)
