"""Vectorised evaluation: exact at boundaries, agrees with the scalar path, never loses a row."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartindex import (
    Catalog,
    Grade,
    Indicator,
    Quantity,
    Table,
    all_of,
    amount,
    exceeds,
    ratio,
    reaches,
    weighted_mean,
)
from smartindex.catalog import shandong
from smartindex.io import read_inputs

CATALOG = shandong.FIRST_BATCH
EXAMPLE = read_inputs("examples/example-city.csv")

homes = amount("homes", "km**2", "area")
parts = [amount(f"p{i}", "km**2", f"part {i}", at_most=homes) for i in range(3)]
THIRDS = Indicator(
    id="thirds",
    table=Table.DIGITAL_BENEFIT,
    name_zh="三分",
    name_en="Thirds",
    definition_zh="",
    departments_zh=(),
    quantities=(
        Quantity("mean", weighted_mean({ratio(p, homes): "1/3" for p in parts})),
        Quantity(
            "forty", weighted_mean({ratio(parts[0], homes): "40%", ratio(parts[1], homes): "60%"})
        ),
    ),
    four_star=all_of(reaches("mean", "70%")),
    five_star=all_of(exceeds("forty", "90%")),
)
TOY = Catalog(id="toy", title_zh="toy", indicators=(THIRDS,))


def _decimal(places: int) -> st.SearchStrategy[float]:
    return st.integers(0, 10**places).map(lambda n: float(Decimal(n).scaleb(-places)))


@given(
    st.lists(
        st.tuples(_decimal(3), _decimal(3), _decimal(3), st.sampled_from([1, 3, 7, 10, 1000])),
        min_size=1,
        max_size=30,
    )
)
def test_vectorised_path_agrees_with_exact_scalar_path_row_by_row(rows) -> None:  # type: ignore[no-untyped-def]
    data = {
        "homes": [r[3] for r in rows],
        "p0": [r[0] * r[3] for r in rows],
        "p1": [r[1] * r[3] for r in rows],
        "p2": [r[2] * r[3] for r in rows],
    }
    result = TOY.evaluate(data)
    assert result.n_rows == len(rows)
    for i, r in enumerate(rows):
        values = {"homes": r[3], "p0": r[0] * r[3], "p1": r[1] * r[3], "p2": r[2] * r[3]}
        expected = THIRDS.grade(values).value
        assert result.grade("thirds", i) == expected


def test_float_noise_at_one_third_weights_does_not_move_a_boundary() -> None:
    # 0.7 = (0.6 + 0.7 + 0.8) / 3 exactly, but not in float arithmetic
    data = {"homes": [10, 10], "p0": [6, 6], "p1": [7, 7], "p2": [8, 7.9999]}
    result = TOY.evaluate(data)
    assert result.grades("thirds") == ["four_star", "not_met"]
    # 40% / 60% at exactly 90% does not exceed 90%
    data = {"homes": [10], "p0": [9], "p1": [9], "p2": [9]}
    assert TOY.evaluate(data).grades("thirds") == ["four_star"]
    assert THIRDS.grade({"homes": 10, "p0": 9, "p1": 9, "p2": 9}) is Grade.FOUR_STAR


@given(st.lists(st.integers(0, 44), min_size=1, max_size=20), st.integers(1, 44))
def test_shares_at_every_integer_boundary_match_exact_arithmetic(parts, whole) -> None:  # type: ignore[no-untyped-def]
    parts = [min(p, whole) for p in parts]
    data = {
        "departments_sharing_catalog": parts,
        "government_departments_total": [whole] * len(parts),
    }
    result = CATALOG.filter(table="digital_government").evaluate(data)
    for i, p in enumerate(parts):
        share = Fraction(p, whole)
        expected = (
            "five_star" if share == 1 else "four_star" if share >= Fraction(9, 10) else "not_met"
        )
        assert result.grade("data_sharing", i) == expected


def test_example_data_grades_every_indicator_and_keeps_row_order() -> None:
    result = CATALOG.evaluate(EXAMPLE)
    assert result.n_rows == 2
    assert result.labels[0].startswith("Synthetic City A")
    grades = {g for ind in CATALOG for g in result.grades(ind.id)}
    assert grades == {"not_met", "four_star", "five_star"}
    for ind in CATALOG:
        for i in range(2):
            assert result.errors(ind.id, i) == []


def test_dataframe_in_and_out_with_units_in_headers() -> None:
    frame = pd.DataFrame(
        {
            "city": ["a", "b", "c"],
            "download_speed [MB/s]": [3.125, 3.75, 3.124],
            "weather_station_spacing [m]": [3000, 2999, 5000],
        }
    )
    result = CATALOG.evaluate(frame)
    assert result.labels == ["a", "b", "c"]
    assert result.grades("mobile_download_speed") == ["four_star", "five_star", "not_met"]
    assert result.grades("weather_station_coverage") == ["four_star", "five_star", "not_met"]
    out = result.to_frame()
    assert len(out) == 3
    assert out["mobile_download_speed.download_speed"].tolist() == [25.0, 30.0, 24.992]
    assert list(out["mobile_download_speed.grade"]) == ["four_star", "five_star", "not_met"]
    long = result.to_long_frame()
    assert len(long) == 3 * len(CATALOG)


def test_bad_rows_are_invalid_for_their_indicators_only() -> None:
    data = {
        "download_speed": [30, float("nan"), 25],
        "key_area_cameras_networked": [9, 11, 0],
        "key_area_cameras_total": [10, 10, 0],
    }
    result = CATALOG.evaluate(data)
    assert result.n_rows == 3
    assert result.grades("mobile_download_speed") == ["five_star", "invalid", "four_star"]
    assert "NaN" in result.errors("mobile_download_speed", 1)[0]
    assert result.grades("video_networking") == ["four_star", "invalid", "invalid"]
    assert "above its whole" in result.errors("video_networking", 1)[0]
    assert "denominator" in result.errors("video_networking", 2)[0]
    # an indicator whose inputs were not given at all is invalid with a 'missing' reason
    assert result.grade("open_data", 0) == "invalid"
    assert "missing" in result.errors("open_data", 0)[0]


def test_json_contract_shape() -> None:
    doc = json.loads(CATALOG.evaluate(EXAMPLE).to_json())
    assert list(doc) == ["rows"]
    assert len(doc["rows"]) == 2
    row = doc["rows"][1]
    assert set(row) == {"label", "indicators"}
    entry = row["indicators"]["e_license_usage"]
    assert entry["grade"] in {"not_met", "four_star", "five_star", "unknown", "invalid"}
    assert entry["quantities"] == {"e_license_rate": 0.7}
    assert entry["errors"] == []
    assert list(row["indicators"]) == list(CATALOG.ids)


def test_distance_to_next_grade() -> None:
    result = CATALOG.evaluate({"download_speed": [24.2, 27.5, 31]})
    gaps = [
        result.row(i)["indicators"]["mobile_download_speed"].get("distance_to_next_grade")
        for i in range(3)
    ]
    assert gaps == [{"download_speed": 0.8}, {"download_speed": 2.5}, None]


def test_scalars_broadcast_and_mismatched_lengths_are_errors() -> None:
    result = CATALOG.evaluate(
        {
            "download_speed": [20, 30],
            "key_area_cameras_total": 100,
            "key_area_cameras_networked": [95, 80],
        }
    )
    assert result.grades("video_networking") == ["four_star", "not_met"]
    from smartindex import InputError

    with pytest.raises(InputError, match="different numbers of rows"):
        CATALOG.evaluate({"download_speed": [1, 2], "key_area_cameras_total": [1, 2, 3]})


def test_large_batches_are_vectorised() -> None:
    n = 200_000
    rng = np.random.default_rng(0)
    total = rng.integers(1, 1000, n)
    result = CATALOG.evaluate(
        {"it_systems_total": total, "it_systems_on_cloud": rng.integers(0, total + 1)}
    )
    codes = result.codes("gov_cloud")
    assert codes.shape == (n,)
    assert set(np.unique(codes)) <= {0, 1, 2}


def test_indicator_evaluate_reuses_one_compiled_engine() -> None:
    cloud = CATALOG["gov_cloud"]
    first = cloud.evaluate({"it_systems_on_cloud": [90, 96], "it_systems_total": [100, 100]})
    assert first.grades("gov_cloud") == ["four_star", "five_star"]
    from smartindex.evaluate import engine_for

    assert engine_for(cloud._alone) is engine_for(cloud._alone)
    again = cloud.evaluate({"it_systems_on_cloud": [95], "it_systems_total": [100]}, labels=["x"])
    assert (again.labels, again.grades("gov_cloud")) == (["x"], ["four_star"])
