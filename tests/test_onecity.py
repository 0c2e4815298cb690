import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smartindex import Grade
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.evaluate import engine_for
from smartindex.onecity import evaluate_one
from smartindex.testing import assert_paths_agree, cities_at_grade, inputs
from smartindex.units import get_registry

ENGINE = engine_for(FIRST_BATCH)
CITIES = st.one_of(
    inputs(FIRST_BATCH),
    *(cities_at_grade(FIRST_BATCH, g) for g in (Grade.NOT_MET, Grade.FOUR_STAR, Grade.FIVE_STAR)),
)


def _vectorised(city: dict[str, float]) -> dict[str, object]:
    """The same city through the numpy path (one-element columns never take the float path)."""
    return FIRST_BATCH.evaluate({k: [v] for k, v in city.items()}).row(0)


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@given(CITIES)
@settings(max_examples=80)
def test_one_city_matches_the_vectorised_path_and_the_scalar_grades(city):
    fast = evaluate_one(ENGINE, city)
    assert fast is not None, "a valid city of plain numbers takes the compiled path"
    assert _same(fast.row(0), _vectorised(city))
    assert _same(FIRST_BATCH.evaluate(city).row(0), fast.row(0))
    assert_paths_agree(FIRST_BATCH, city)


@given(CITIES)
@settings(max_examples=30)
def test_gaps_match_the_vectorised_path(city):
    fast = FIRST_BATCH.evaluate(city)
    slow = FIRST_BATCH.evaluate({k: [v] for k, v in city.items()})
    for ind in FIRST_BATCH:
        a, b = fast.results[ind.id].gaps, slow.results[ind.id].gaps
        assert sorted(a) == sorted(b), ind.id
        for qid in a:
            assert a[qid][0] == pytest.approx(b[qid][0], rel=0, abs=0), (ind.id, qid)


@pytest.fixture(scope="module")
def city() -> dict[str, float]:
    values = {inp.id: 1.0 for inp in FIRST_BATCH.inputs.values()}
    values.update({"aishandong_app_rank": 2, "download_speed": 25.0, "weather_station_spacing": 3})
    assert evaluate_one(ENGINE, values) is not None
    return values


def test_a_threshold_value_is_graded_exactly(city):
    at = dict(city, download_speed=25, weather_station_spacing=5.0)
    result = FIRST_BATCH.evaluate(at)
    assert evaluate_one(ENGINE, at) is not None
    assert result.grade("mobile_download_speed") == "four_star"  # 达到25: >= 25
    assert result.grade("weather_station_coverage") == "not_met"  # 小于5: 5 is not < 5
    share = dict(city, it_systems_total=20, it_systems_on_cloud=19)  # exactly 95%
    assert FIRST_BATCH.evaluate(share).grade("gov_cloud") == "four_star"  # 超过95%: > 0.95


def test_weighted_mean_on_a_threshold_is_exact(city):
    # 1/3 * 0.9 three times is 0.8999999999999999 in floats; exactly it is 90%
    at = dict(
        city,
        households_total=10,
        households_smart_water_meter=9,
        households_smart_electricity_meter=9,
        households_smart_gas_meter=9,
    )
    fast = FIRST_BATCH.evaluate(at)
    assert fast.grade("home_energy_auto_metering") == "five_star"  # exactly 90% reaches 90%
    assert FIRST_BATCH["home_energy_auto_metering"].grade(at) is Grade.FIVE_STAR


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("download_speed", "25"),  # text
        ("download_speed", math.nan),
        ("download_speed", math.inf),
        ("download_speed", -1.0),
        ("public_hospitals", 2.5),  # a count that is not whole
        ("aishandong_app_rank", 17),  # rank outside 1..16
        ("weather_station_spacing", 0.0),  # a spacing of 0
        ("employment_service_channels", 7),  # more items than the list names
        ("services_with_e_license", 2.0),  # a part above its whole (1)
        ("gov_services_total", 0),  # a zero denominator
        ("download_speed", True),
        ("public_hospitals", 10**400),  # too large for a float
        ("download_speed", [25.0]),
        ("download_speed [MB/s]", 3.125),  # a unit in the key
        ("no_such_input", 1.0),
    ],
)
def test_anything_but_plain_valid_numbers_goes_the_vectorised_way(city, key, value):
    data = dict(city)
    data[key] = value
    assert evaluate_one(ENGINE, data) is None


def test_quantities_and_missing_inputs_go_the_vectorised_way(city):
    ureg = get_registry()
    with_unit = dict(city, download_speed=ureg.Quantity(25, "Mbit/s"))
    assert evaluate_one(ENGINE, with_unit) is None
    assert FIRST_BATCH.evaluate(with_unit).grade("mobile_download_speed") == "four_star"
    missing = dict(city)
    del missing["download_speed"]
    assert evaluate_one(ENGINE, missing) is None
    assert FIRST_BATCH.evaluate(missing).grade("mobile_download_speed") == "invalid"


def test_labels_and_numpy_scalars(city):
    data = dict(city, label="Weihai", download_speed=np.float64(31.5), public_hospitals=np.int64(3))
    result = evaluate_one(ENGINE, data)
    assert result is not None
    assert result.labels == ["Weihai"]
    assert result.grade("mobile_download_speed") == "five_star"
    assert FIRST_BATCH.evaluate(city, labels=["Jinan"]).labels == ["Jinan"]
    assert FIRST_BATCH.evaluate(city).labels == ["0"]


def test_a_catalog_that_graded_one_city_still_pickles(city):
    import pickle

    before = FIRST_BATCH.evaluate(city).row(0)
    again = pickle.loads(pickle.dumps(FIRST_BATCH))
    assert again.evaluate(city).row(0) == before
