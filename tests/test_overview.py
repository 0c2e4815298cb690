"""The overall view: counts per grade and the two named readings, never an invented rating."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smartindex.catalog import shandong
from smartindex.io import read_inputs

CATALOG = shandong.FIRST_BATCH


def test_counts_and_readings_on_the_example_cities() -> None:
    result = CATALOG.evaluate(read_inputs("examples/example-city.csv"))
    a, b = result.overview(0), result.overview(1)
    assert a.counts["total"]["five_star"] + a.counts["total"]["four_star"] == len(CATALOG)
    assert sum(b.counts["total"].values()) == len(CATALOG)
    assert sum(b.counts["digital_economy"].values()) == 8
    assert a.reaches("four_star") is True
    assert b.reaches("four_star") is False
    assert a.reaches("five_star", rule="share", share="50%") is True
    assert a.five_star_unknown == ("video_networking",)
    assert a.to_dict()["every_indicator"]["four_star"] is True


def test_a_missing_five_star_target_makes_every_indicator_five_star_unknown() -> None:
    result = CATALOG.evaluate(read_inputs("examples/example-city.csv"))
    view = result.overview(0)
    # pretend every other indicator is five-star: the lost target decides, so it is unknown
    counts = {k: dict(v) for k, v in view.counts.items()}
    counts["total"] = {**counts["total"], "five_star": len(CATALOG) - 1, "four_star": 1}
    from smartindex.overview import Overview

    assert Overview(view.label, counts, ("video_networking",)).reaches("five_star") is None
    assert Overview(view.label, counts, ()).reaches("five_star") is False


def test_bad_reading_arguments() -> None:
    view = CATALOG.evaluate(read_inputs("examples/example-city.csv")).overview(0)
    with pytest.raises(ValueError, match="grade"):
        view.reaches("three_star")
    with pytest.raises(ValueError, match="rule"):
        view.reaches("four_star", rule="average")
    with pytest.raises(ValueError, match="share"):
        view.reaches("four_star", rule="share", share=0)


def test_demo_prints_both_named_readings() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "smartindex", "demo"], check=True, capture_output=True, text=True
    ).stdout
    assert "every indicator reaches four-star  yes" in out
    assert "the source defines no overall rating" in out
