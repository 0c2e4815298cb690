from importlib import resources

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import smartindex.dask as sd
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.testing import inputs

EXAMPLE = resources.files("smartindex").joinpath("data/example-city.csv")


def _example() -> pd.DataFrame:
    with resources.as_file(EXAMPLE) as path:
        return pd.read_csv(path)


def _many_cities(n: int, seed: int = 0) -> pd.DataFrame:
    """The example cities, perturbed per row, with some bad cells so invalid rows travel too."""
    base = _example()
    frame = base.loc[np.arange(n) % len(base)].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    frame["label"] = [f"city {i}" for i in range(n)]
    frame["download_speed [Mbit/s]"] = np.round(rng.uniform(20, 35, n), 1)
    frame.loc[::7, "download_speed [Mbit/s]"] = 25.0  # exactly on 达到25
    frame.loc[3, "weather_station_spacing [km]"] = np.nan  # an empty cell: invalid, named in errors
    frame.loc[5, "public_hospitals [hospital]"] = -1  # negative count
    return frame


@pytest.mark.parametrize("scheduler", ["synchronous", "threads"])
@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_partitions_match_the_in_memory_result_row_for_row(scheduler, npartitions):
    frame = _many_cities(40)
    expected = FIRST_BATCH.evaluate(frame).to_frame()
    with dask.config.set(scheduler=scheduler):
        got = sd.evaluate(FIRST_BATCH, dd.from_pandas(frame, npartitions=npartitions)).compute()
    pd.testing.assert_frame_equal(got, expected)
    assert (got["mobile_download_speed.grade"] == "invalid").sum() == 0
    assert got.loc[3, "weather_station_coverage.grade"] == "invalid"
    assert got.loc[0, "mobile_download_speed.grade"] == "four_star"  # 25 reaches 25


def test_grades_only_and_labels_from_a_global_index():
    frame = _many_cities(30).drop(columns=["label"])
    expected = FIRST_BATCH.evaluate(frame).to_frame()
    with dask.config.set(scheduler="synchronous"):
        got = sd.evaluate(
            FIRST_BATCH, dd.from_pandas(frame, npartitions=4), grades_only=True
        ).compute()
    assert list(got.columns) == ["label", *(f"{ind.id}.grade" for ind in FIRST_BATCH)]
    pd.testing.assert_frame_equal(got, expected[list(got.columns)])
    assert list(got["label"]) == [str(i) for i in range(30)]


@given(inputs(FIRST_BATCH, rows=12))
@settings(max_examples=15)
def test_any_valid_frame_matches_in_memory(frame):
    expected = FIRST_BATCH.evaluate(frame).to_frame()
    with dask.config.set(scheduler="synchronous"):
        got = sd.evaluate(FIRST_BATCH, dd.from_pandas(frame, npartitions=3)).compute()
    pd.testing.assert_frame_equal(got, expected)


def test_a_csv_file_read_by_dask_in_blocks(tmp_path):
    path = tmp_path / "cities.csv"
    frame = _many_cities(400, seed=4)
    frame.to_csv(path, index=False)
    ddf = dd.read_csv(path, blocksize=20_000)
    assert ddf.npartitions > 1
    expected = FIRST_BATCH.evaluate(pd.read_csv(path)).to_frame()
    with dask.config.set(scheduler="synchronous"):
        got = sd.evaluate(FIRST_BATCH, ddf).compute()
    # dask.read_csv numbers rows per block; compare in order, by label
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)


def test_process_workers_get_a_pickled_catalog():
    frame = _many_cities(20)
    FIRST_BATCH.evaluate(dict.fromkeys(FIRST_BATCH.inputs, 1.0))  # caches compiled state
    expected = FIRST_BATCH.evaluate(frame).to_frame()
    with dask.config.set(scheduler="processes", num_workers=2):
        got = sd.evaluate(FIRST_BATCH, dd.from_pandas(frame, npartitions=2)).compute()
    pd.testing.assert_frame_equal(got, expected)


def test_a_pandas_frame_is_refused():
    with pytest.raises(TypeError, match=r"dask\.dataframe"):
        sd.evaluate(FIRST_BATCH, _example())
