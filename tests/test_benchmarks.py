import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from smartindex import Grade
from smartindex.catalog.shandong import FIRST_BATCH

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
SECTIONS = (
    "## 1. Whole-catalog evaluation of N scenarios",
    "## 2. One city through the whole catalog",
    "## 3. Import and catalog load",
    "## 4. Symbolic check and gap",
    "## 5. Peak memory",
    "## Targets",
)
CODE = {Grade.NOT_MET: 0, Grade.FOUR_STAR: 1, Grade.FIVE_STAR: 2}


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import numpy_floor
        import per_row_pint
        import scenarios

        yield scenarios, numpy_floor, per_row_pint
    finally:
        sys.path.remove(str(BENCH))


def test_quick_run_writes_every_section(tmp_path):
    out = tmp_path / "results" / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert section in text
    for line in ("- Machine:", "- Versions:", "| 1,000 |", "| 10,000 |", "`FIRST_BATCH.check()`"):
        assert line in text
    assert "not available" not in text  # check and gap exist now
    assert "This was a `--quick` run" in text
    facts = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert [b["n"] for b in facts["batch"]] == [1000, 10000]
    assert set(facts) >= {"batch", "one_city", "import", "check", "gap", "memory"}
    assert facts["memory"]["inputs"] == 10_000 * len(FIRST_BATCH.inputs) * 8
    assert facts["import"]["heavy"] == []  # sympy, pandas, matplotlib, pint stay unloaded


def test_scenarios_are_valid_and_hit_thresholds(bench):
    scenarios, _, _ = bench
    data = scenarios.scenarios(500)
    result = FIRST_BATCH.evaluate(data)
    for ind in FIRST_BATCH:
        assert "invalid" not in result.grades(ind.id), ind.id
    assert result.grade("mobile_download_speed", 0) == "four_star"  # exactly 25 reaches 25
    assert result.grade("weather_station_coverage", 0) != "five_star"
    assert result.codes("weather_station_coverage")[0] == 0  # exactly 5 is not less than 5


def test_baselines_grade_like_the_catalog(bench):
    scenarios, numpy_floor, per_row_pint = bench
    data = scenarios.scenarios(2000, seed=5)
    result = FIRST_BATCH.evaluate(data)
    floor = numpy_floor.evaluate(data)
    assert set(floor) == set(FIRST_BATCH.ids)
    for ind in FIRST_BATCH:
        ours = result.codes(ind.id)
        for row in np.flatnonzero(ours != floor[ind.id]):
            # the float-only floor may only disagree where exact arithmetic sides with us
            city = {i.id: data[i.id][row] for i in ind.inputs}
            assert CODE[ind.grade(city)] == ours[row], (ind.id, int(row))
    ureg = per_row_pint.registry()
    rows = per_row_pint.evaluate(ureg, data, 20)
    for i, graded in enumerate(rows):
        for ind in FIRST_BATCH:
            assert graded[ind.id] == result.codes(ind.id)[i], (ind.id, i)


def test_vectorised_grades_equal_scalar_grades_on_threshold_rows(bench):
    scenarios, _, _ = bench
    data = scenarios.scenarios(1000, seed=7)
    result = FIRST_BATCH.evaluate(data)
    rows = range(0, 1000, scenarios.ON_THRESHOLD_EVERY)
    for ind in FIRST_BATCH:
        for row in rows:
            city = {i.id: data[i.id][row] for i in ind.inputs}
            assert result.grade(ind.id, row) == ind.grade(city).value, (ind.id, row)
