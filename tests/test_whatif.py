import json
import math
import re
import subprocess
import sys
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartindex import Catalog, Grade
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.evaluate import parse_header
from smartindex.io import read_inputs
from smartindex.testing import inputs
from smartindex.units import conversion_factor
from smartindex.whatif import (
    Gap,
    cheapest_plan,
    gap,
    monte_carlo,
    scenarios,
    sensitivity,
)

EXAMPLE = str(resources.files("smartindex").joinpath("data/example-city.csv"))
RANK = {"not_met": 0, "four_star": 1, "five_star": 2}


def example_rows() -> list[dict[str, Any]]:
    """The example cities as one dict per row, keyed by input id, in declared units."""
    data = read_inputs(EXAMPLE)
    n = len(next(iter(data.values())))
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    for key, values in data.items():
        name, unit = parse_header(key)
        if name not in FIRST_BATCH.inputs:
            continue
        factor = conversion_factor(unit, FIRST_BATCH.inputs[name].unit) if unit else 1
        for i, v in enumerate(values):
            rows[i][name] = Fraction(v) * factor
    return rows


def variants(base: dict[str, Any], g: Gap) -> list[tuple[dict[str, Any], bool]]:
    """Rows to grade: each change applied (must reach), and for whole-number inputs the same
    change one unit short (must not reach)."""
    out = []
    for change in g.changes:
        as_json = change.to_dict()
        out.append(({**base, change.input: as_json["to"]}, True))
        inp = FIRST_BATCH.inputs[change.input]
        if inp.integral:
            short = as_json["to"] - (1 if change.delta > 0 else -1)
            out.append(({**base, change.input: short}, False))
    return out


def check_report(catalog: Catalog, bases: list[dict[str, Any]], report: Any) -> int:
    """Grade every variant of every gap in one vectorised call; return how many were checked."""
    rows: list[dict[str, Any]] = []
    expect: list[tuple[str, str, bool]] = []
    for g in report:
        if g.status != "open":
            continue
        for row, reaches in variants(bases[g.row], g):
            rows.append(row)
            expect.append((g.indicator.id, g.target, reaches))
    if not rows:
        return 0
    columns = {k: [float(r[k]) for r in rows] for k in catalog.inputs}
    result = catalog.evaluate(columns)
    for other in catalog.ids:  # a change never breaks the row for another indicator
        assert "invalid" not in result.grades(other), other
    for i, (ind, target, reaches) in enumerate(expect):
        grade = result.grade(ind, i)
        assert grade in RANK, (ind, target, rows[i], grade, result.errors(ind, i))
        if reaches:
            assert RANK[grade] >= RANK[target], (ind, target, i)
        else:
            assert RANK[grade] < RANK[target], (ind, target, i)
    return len(rows)


# --- the done-when test --------------------------------------------------------------------------
def test_every_reported_change_reaches_its_target_on_the_example_cities() -> None:
    bases = example_rows()
    report = FIRST_BATCH.gap(read_inputs(EXAMPLE))
    checked = check_report(FIRST_BATCH, bases, report)
    assert checked > 100
    result = FIRST_BATCH.evaluate(read_inputs(EXAMPLE))
    covered = {(g.row, g.indicator.id, g.target) for g in report}
    for ind in FIRST_BATCH:
        for row in range(result.n_rows):
            grade = result.grade(ind.id, row)
            if grade == "five_star":
                assert not any(k[:2] == (row, ind.id) for k in covered)
                continue
            assert (row, ind.id, "five_star") in covered
            if grade == "not_met":
                assert (row, ind.id, "four_star") in covered


@given(inputs(FIRST_BATCH, max_value=10**5))
def test_reported_changes_reach_the_target_for_any_valid_city(city: dict[str, Any]) -> None:
    report = gap(FIRST_BATCH, city)
    check_report(FIRST_BATCH, [city], report)
    graded = FIRST_BATCH.evaluate(city)
    for g in report:
        assert bool(g.changes) or bool(g.impossible) or g.status != "open"
        assert g.grade == graded.grade(g.indicator.id, 0)  # the exact scalar path agrees
    below = {(i.id, t) for i in FIRST_BATCH for t in ("four_star", "five_star")}
    for ind_id, target in below:
        grade = graded.grade(ind_id, 0)
        expected = RANK[grade] < RANK[target]
        assert expected == any(g.indicator.id == ind_id and g.target == target for g in report)


# --- exact numbers from the wording table ----------------------------------------------------
def one(indicator: str, **values: Any) -> dict[tuple[str, str], Gap]:
    catalog = Catalog(id="t", title_zh="t", indicators=(FIRST_BATCH[indicator],))
    return {(g.indicator.id, g.target): g for g in gap(catalog, values)}


def change_of(g: Gap, input_id: str) -> tuple[Any, Any]:
    c = next(c for c in g.changes if c.input == input_id)
    d = c.to_dict()
    return d["from"], d["to"]


def test_ninety_percent_of_22_categories_needs_20() -> None:
    gaps = one("open_data", open_data_categories_opened=15)
    assert change_of(gaps["open_data", "four_star"], "open_data_categories_opened") == (15, 20)
    assert change_of(gaps["open_data", "five_star"], "open_data_categories_opened") == (15, 22)


def test_exceeding_needs_strictly_more() -> None:
    # 超过95%: 285 of 300 is exactly 95% and not enough
    gaps = one("gov_cloud", it_systems_on_cloud=250, it_systems_total=300)
    assert change_of(gaps["gov_cloud", "five_star"], "it_systems_on_cloud") == (250, 286)
    # 超过5个
    gaps = one("multi_grid_integration", departments_in_unified_grid=4)
    assert change_of(
        gaps["multi_grid_integration", "five_star"], "departments_in_unified_grid"
    ) == (
        4,
        6,
    )


def test_reaching_a_continuous_target_lands_on_it_exactly() -> None:
    gaps = one("mobile_download_speed", download_speed=27.2)
    assert change_of(gaps["mobile_download_speed", "five_star"], "download_speed") == (27.2, 30)


def test_strict_continuous_targets_step_past_the_bound_at_six_digits() -> None:
    gaps = one("e_commerce", e_commerce_turnover=500, retail_sales_total=1800)
    frm, to = change_of(gaps["e_commerce", "five_star"], "e_commerce_turnover")
    assert (frm, to) == (500, 540.001)
    gaps = one("weather_station_coverage", weather_station_spacing=4.2)
    assert change_of(gaps["weather_station_coverage", "five_star"], "weather_station_spacing") == (
        4.2,
        2.99999,
    )


def test_rank_moves_up_the_table() -> None:
    gaps = one("gov_service_app", aishandong_app_rank=9)
    assert change_of(gaps["gov_service_app", "four_star"], "aishandong_app_rank") == (9, 6)
    assert change_of(gaps["gov_service_app", "five_star"], "aishandong_app_rank") == (9, 3)


def test_a_part_cannot_pass_its_whole_so_some_inputs_cannot_do_it_alone() -> None:
    # 3 kinds of meters over 750000 households: even one kind at 100% leaves the mean below 90%
    gaps = one(
        "home_energy_auto_metering",
        households_smart_water_meter=500000,
        households_total=750000,
        households_smart_electricity_meter=740000,
        households_smart_gas_meter=400000,
    )
    five = gaps["home_energy_auto_metering", "five_star"]
    assert five.changes == ()
    assert set(five.impossible) == {
        "households_smart_water_meter",
        "households_total",
        "households_smart_electricity_meter",
        "households_smart_gas_meter",
    }
    four = gaps["home_energy_auto_metering", "four_star"]
    assert change_of(four, "households_smart_water_meter") == (500000, 547500)
    assert "households_smart_electricity_meter" in four.impossible  # capped by its whole


def test_a_whole_shared_by_two_indicators_stays_above_the_parts_of_both() -> None:
    city = {
        "key_area_cameras_networked": 10000,
        "key_area_cameras_total": 12000,
        "key_area_cameras_working": 11500,
        "key_public_areas_hd_covered": 300,
        "key_public_areas_total": 300,
    }
    catalog = Catalog(
        id="t",
        title_zh="t",
        indicators=(
            FIRST_BATCH["video_networking"],
            FIRST_BATCH["video_surveillance_completeness"],
        ),
    )
    gaps = {(g.indicator.id, g.target): g for g in gap(catalog, city)}
    four = gaps["video_networking", "four_star"]
    # 10000 / 11111 would reach 90%, but 11500 cameras work: the total cannot drop below that
    assert "key_area_cameras_total" in four.impossible
    assert change_of(four, "key_area_cameras_networked") == (10000, 10800)


def test_an_irrational_root_is_read_to_six_digits_and_checked_exactly() -> None:
    from smartindex import Indicator, Quantity, Table, all_of, amount, no_target, reaches

    side = amount("side", "km", "side of a square")
    square = Indicator(
        id="square",
        table=Table.INFRASTRUCTURE,
        name_zh="方",
        name_en="square",
        definition_zh="",
        departments_zh=("某局",),
        quantities=(Quantity("area", side * side, unit="km**2"),),
        four_star=no_target(),
        five_star=all_of(reaches("area", 2, "km**2")),
    )
    catalog = Catalog(id="t", title_zh="t", indicators=(square,))
    (g,) = catalog.gap({"side": 1})
    assert g.changes[0].to_dict()["to"] == 1.41422  # sqrt(2) = 1.414213..., up to 6 digits
    assert catalog.evaluate({"side": [1.41422, 1.41421]}).grades("square") == [
        "five_star",
        "four_star",
    ]


def test_compound_targets_report_every_missing_condition() -> None:
    gaps = one(
        "bus_arrival_prediction",
        bus_lines_realtime=160,
        bus_lines_total=175,
        bus_stops_with_e_sign=240,
        bus_stops_total=2100,
    )
    five = gaps["bus_arrival_prediction", "five_star"]
    assert five.changes == ()
    missing = {m.condition.quantity: m for m in five.missing}
    assert set(missing) == {"realtime_prediction_rate", "e_sign_coverage"}
    fixes = {c.input: c.to_dict()["to"] for c in missing["realtime_prediction_rate"].changes}
    assert fixes == {"bus_lines_realtime": 175, "bus_lines_total": 160}
    fixes = {c.input: c.to_dict()["to"] for c in missing["e_sign_coverage"].changes}
    assert fixes == {"bus_stops_with_e_sign": 421, "bus_stops_total": 1199}


def test_a_lost_five_star_target_cannot_be_decided() -> None:
    gaps = one("video_networking", key_area_cameras_networked=17100, key_area_cameras_total=18000)
    g = gaps["video_networking", "five_star"]
    assert g.status == "cannot_be_decided"
    assert g.changes == ()
    assert "lost" in g.summary()
    assert g.to_dict()["note"]
    assert ("video_networking", "four_star") not in gaps


def test_five_star_rows_and_invalid_rows_have_no_gap() -> None:
    gaps = one("open_data", open_data_categories_opened=22)
    assert gaps == {}
    catalog = Catalog(id="t", title_zh="t", indicators=(FIRST_BATCH["gov_cloud"],))
    report = gap(catalog, {"it_systems_on_cloud": [5, 1], "it_systems_total": [4, 0]})
    assert len(report) == 0
    assert report.skipped == [(0, "gov_cloud"), (1, "gov_cloud")]


def test_nearest_wins_come_first_and_departments_collect_their_gaps() -> None:
    report = FIRST_BATCH.gap(read_inputs(EXAMPLE))
    efforts = [g.effort for g in report if g.status == "open"]
    assert efforts == sorted(efforts)
    assert report.gaps[-1].status == "cannot_be_decided"
    by_dept = report.by_department()
    assert {g.indicator.id for g in by_dept["市大数据中心"]} >= {"open_data", "gov_service_app"}
    assert all(
        g.indicator.id == "video_networking" for g in by_dept["(department missing from source)"]
    )
    for g in report:
        if g.changes:  # the preferred change moves an input the better way when one can
            assert g.changes[0].with_direction or not any(c.with_direction for c in g.changes)


def test_changes_are_in_the_declared_unit_whatever_the_file_used() -> None:
    gaps = one("mobile_download_speed", **{"download_speed [MB/s]": 3.4})
    change = gaps["mobile_download_speed", "five_star"].changes[0].to_dict()
    assert change == {
        "input": "download_speed",
        "from": 27.2,
        "to": 30,
        "unit": "Mbit/s",
        "delta": 2.8,
    }


def test_a_catalog_loaded_from_its_export_gives_the_same_gaps() -> None:
    from smartindex.load import catalog_from_dict

    loaded = catalog_from_dict(json.loads(FIRST_BATCH.to_json()))
    data = read_inputs(EXAMPLE)
    assert loaded.gap(data).to_dict() == FIRST_BATCH.gap(data).to_dict()


def test_solved_forms_are_compiled_once_per_catalog() -> None:
    catalog = Catalog(id="t", title_zh="t", indicators=FIRST_BATCH.indicators)
    data = read_inputs(EXAMPLE)
    first = catalog.gap(data)
    solver = catalog.__dict__["_whatif_solver"]
    assert solver.done == set(catalog.ids)
    solved = dict(solver.solved)
    second = catalog.gap(data)
    assert catalog.__dict__["_whatif_solver"] is solver
    assert solver.solved == solved
    assert first.to_dict() == second.to_dict()


# --- JSON, text, HTML and the CLI ------------------------------------------------------------
def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smartindex", *args], capture_output=True, text=True, check=False
    )


def test_cli_gap_json_follows_the_contract() -> None:
    proc = run("gap", EXAMPLE, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["gaps"]
    labels = {0: "Synthetic City A (example data, not a real city)"}
    for g in doc["gaps"]:
        assert {"row", "label", "indicator", "grade", "target", "changes"} <= set(g)
        assert g["grade"] in ("not_met", "four_star", "unknown")
        assert g["target"] in ("four_star", "five_star")
        if g["row"] in labels:
            assert g["label"] == labels[g["row"]]
        for c in g["changes"]:
            assert set(c) >= {"input", "from", "to", "unit"}
            assert isinstance(c["from"], int | float)
            assert isinstance(c["to"], int | float)
            if FIRST_BATCH.inputs[c["input"]].integral:
                assert isinstance(c["to"], int)
    assert doc["gaps"] == FIRST_BATCH.gap(read_inputs(EXAMPLE)).to_dict()["gaps"]


def test_cli_gap_table_and_markdown() -> None:
    table = run("gap", EXAMPLE)
    assert table.returncode == 0, table.stderr
    assert "open_data_categories_opened 20 -> 22 (+2 checklist_item)" in table.stdout
    assert "By department:" in table.stdout
    md = run("gap", EXAMPLE, "--format", "markdown", "--department", "市大数据中心")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("## Gaps (nearest wins first)")
    assert "| label | indicator |" in md.stdout
    assert "smart_lighting" not in md.stdout


def test_cli_gap_bad_input_exits_2_with_one_line(tmp_path: Any) -> None:
    missing = tmp_path / "nope.csv"
    proc = run("gap", str(missing))
    assert proc.returncode == 2
    assert "nope.csv" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    invalid = tmp_path / "invalid.csv"
    invalid.write_text("label,download_speed\nA,-3\nB,26\n", encoding="utf-8")
    proc = run("gap", str(invalid), "--format", "json")
    assert proc.returncode == 0
    assert "invalid.csv" in proc.stderr
    rows = {(g["row"], g["indicator"]) for g in json.loads(proc.stdout)["gaps"]}
    assert (1, "mobile_download_speed") in rows
    assert (0, "mobile_download_speed") not in rows
    bad = tmp_path / "bad.csv"
    bad.write_text("label,download_speed\nA,1,2\n", encoding="utf-8")
    proc = run("gap", str(bad), "--format", "json")
    assert proc.returncode == 2
    assert "bad.csv" in proc.stderr
    assert "line 2" in proc.stderr


def test_gap_report_renders_for_notebooks() -> None:
    report = FIRST_BATCH.gap(read_inputs(EXAMPLE))
    assert repr(report).startswith("<GapReport: ")
    assert repr(report.gaps[0]).startswith("<Gap row ")
    assert "cannot be decided" in repr(report.gaps[-1])
    html = report._repr_html_()
    assert html.count("<tr>") == len(report) + 1
    assert "open_data" in html
    with pytest.raises(ValueError, match="unknown format"):
        report.render("csv")


def test_gap_accepts_a_dataframe() -> None:
    frame = pd.read_csv(EXAMPLE)
    from_frame = FIRST_BATCH.gap(frame).to_dict()
    assert from_frame["gaps"] == FIRST_BATCH.gap(read_inputs(EXAMPLE)).to_dict()["gaps"]


# --- cheapest plan -----------------------------------------------------------------------------
def test_cheapest_plan_spends_where_a_unit_buys_most() -> None:
    data = read_inputs(EXAMPLE)
    costs = {
        "water_pipeline_monitored_length": 1.0,
        "power_pipeline_monitored_length": 1.0,
        "gas_pipeline_monitored_length": 1.0,
    }
    plan = cheapest_plan(FIRST_BATCH, data, "pipeline_monitoring", costs, row=1, target="four_star")
    assert plan is not None
    to = {c.input: c.to for c in plan.changes}
    # a km of gas pipe (1400 km in all) moves the mean most, then water (1500), then power (3000)
    assert to["gas_pipeline_monitored_length"] == 1400
    assert "power_pipeline_monitored_length" not in to
    base = example_rows()[1]
    row = {**base, **{k: float(v) for k, v in to.items()}}
    graded = FIRST_BATCH["pipeline_monitoring"].grade(row)
    assert graded >= Grade.FOUR_STAR
    assert plan.cost == pytest.approx(sum(float(c.delta) for c in plan.changes))


def test_cheapest_plan_with_whole_numbers_and_strict_targets() -> None:
    data = read_inputs(EXAMPLE)
    plan = cheapest_plan(
        FIRST_BATCH, data, "e_license_usage", {"services_with_e_license": 1}, row=1
    )
    assert plan is not None
    assert [(c.input, c.to) for c in plan.changes] == [("services_with_e_license", 851)]
    both = cheapest_plan(
        FIRST_BATCH,
        data,
        "bus_arrival_prediction",
        {"bus_lines_realtime": 5, "bus_stops_with_e_sign": 1},
        row=1,
    )
    assert both is not None
    assert {c.input: c.to for c in both.changes} == {
        "bus_lines_realtime": 175,
        "bus_stops_with_e_sign": 421,
    }
    assert both.cost == 5 * 15 + 181
    assert both.to_dict()["changes"][0]["input"] == "bus_lines_realtime"


def test_cheapest_plan_refuses_what_it_cannot_do() -> None:
    data = read_inputs(EXAMPLE)
    assert (
        cheapest_plan(
            FIRST_BATCH,
            data,
            "home_energy_auto_metering",
            {"households_smart_water_meter": 1},
            row=1,
        )
        is None
    )
    with pytest.raises(ValueError, match="not linear"):
        cheapest_plan(
            FIRST_BATCH,
            data,
            "invention_patent_growth",
            {"valid_invention_patents_prev": 1, "population": 1},
            row=1,
        )
    with pytest.raises(ValueError, match="does not read"):
        cheapest_plan(FIRST_BATCH, data, "open_data", {"download_speed": 1})
    with pytest.raises(ValueError, match="lost"):
        cheapest_plan(FIRST_BATCH, data, "video_networking", {"key_area_cameras_networked": 1})
    done = cheapest_plan(FIRST_BATCH, data, "open_data", {"open_data_categories_opened": 1}, row=0)
    assert done is not None
    assert done.changes[0].to == 22


# --- sensitivity -------------------------------------------------------------------------------
def test_sensitivity_is_exact_and_gives_distances_in_input_units() -> None:
    data = read_inputs(EXAMPLE)
    found = {(s.quantity, s.input): s for s in sensitivity(FIRST_BATCH, data, row=1)}
    part = found["e_license_rate", "services_with_e_license"]
    assert part.derivative == Fraction(1, 1000)
    assert part.elasticity == pytest.approx(1.0)
    whole = found["e_license_rate", "gov_services_total"]
    assert whole.derivative == Fraction(-700, 1000**2)
    assert whole.elasticity == pytest.approx(-1.0)
    distances = part.distances()
    assert distances["four_star: e_license_rate >= 0.8"] == "+100 service_item"
    assert distances["five_star: e_license_rate > 0.85"] == "+151 service_item"
    speed = found["download_speed", "download_speed"]
    assert speed.distances()["five_star: download_speed >= 30 Mbit/s"] == "+2.8 Mbit/s"
    assert speed.to_dict()["elasticity"] == pytest.approx(1.0)
    # a met condition: how far the input may fall before losing it
    assert speed.distances()["four_star: download_speed >= 25 Mbit/s"].startswith("-2.2")


# --- scenarios and Monte Carlo ---------------------------------------------------------------
def test_grid_scenarios_find_the_frontier() -> None:
    base = read_inputs(EXAMPLE)
    speeds = np.arange(20, 36, 1.0)
    res = scenarios(FIRST_BATCH, base, {"download_speed": speeds}, row=1)
    assert res.n == len(speeds)
    shares = res.shares("mobile_download_speed")["mobile_download_speed"]
    assert shares["not_met"] == pytest.approx(5 / 16)
    assert shares["four_star"] == pytest.approx(5 / 16)
    assert shares["five_star"] == pytest.approx(6 / 16)
    flips = res.frontier("mobile_download_speed")
    assert [(f["from"], f["to"], f["grade_to"]) for f in flips] == [
        (24.0, 25.0, "four_star"),
        (29.0, 30.0, "five_star"),
    ]
    assert "mobile_download_speed.grade" in res.to_frame().columns


def test_two_dimensional_grid_frontier_names_the_other_axis() -> None:
    base = read_inputs(EXAMPLE)
    res = scenarios(
        FIRST_BATCH,
        base,
        {"bus_lines_realtime": [150, 157, 158, 175], "bus_stops_with_e_sign": [200, 210, 421]},
        row=1,
    )
    assert res.n == 12
    flips = res.frontier("bus_arrival_prediction")
    assert {
        "input": "bus_lines_realtime",
        "from": 157,
        "to": 158,
        "grade_from": "not_met",
        "grade_to": "four_star",
        "at": {"bus_stops_with_e_sign": 210},
    } in flips
    assert any(f["grade_to"] == "five_star" for f in flips)


def test_dataframe_scenarios_and_their_display() -> None:
    base = read_inputs(EXAMPLE)
    frame = pd.DataFrame({"download_speed": [24.9, 25.0, 30.0]})
    res = scenarios(FIRST_BATCH, base, frame, row=1)
    assert res.result.grades("mobile_download_speed") == ["not_met", "four_star", "five_star"]
    with pytest.raises(ValueError, match="grid"):
        res.frontier("mobile_download_speed")
    assert "<table>" in res._repr_html_()
    with pytest.raises(ValueError, match="not inputs"):
        scenarios(FIRST_BATCH, base, {"nope": [1]})


def test_monte_carlo_is_seeded_and_admissible() -> None:
    base = read_inputs(EXAMPLE)
    spec = {
        "download_speed": ("normal", 28.0, 3.0),
        "bus_lines_realtime": ("uniform", 150, 200),
        "aishandong_app_rank": ("triangular", 1, 4, 16),
        "identifier_resolution_nodes": ("poisson", 1.5),
    }
    a = monte_carlo(FIRST_BATCH, base, spec, n=500, seed=7, row=1)
    b = monte_carlo(FIRST_BATCH, base, spec, n=500, seed=7, row=1)
    c = monte_carlo(FIRST_BATCH, base, spec, n=500, seed=8, row=1)
    assert np.array_equal(a.varied["download_speed"], b.varied["download_speed"])
    assert not np.array_equal(a.varied["download_speed"], c.varied["download_speed"])
    lines = a.varied["bus_lines_realtime"]
    assert np.all(lines == np.rint(lines))
    assert lines.max() <= 175  # clipped to its whole, bus_lines_total
    ranks = a.varied["aishandong_app_rank"]
    assert ranks.min() >= 1
    assert ranks.max() <= 16
    shares = a.shares()
    for s in shares.values():
        assert math.isclose(sum(s.values()), 1.0)
    assert shares["bus_arrival_prediction"]["invalid"] == 0
    assert 0 < shares["mobile_download_speed"]["five_star"] < 1
    with pytest.raises(ValueError, match="unknown distribution"):
        monte_carlo(FIRST_BATCH, base, {"download_speed": ("cauchy", 1)})
    custom = monte_carlo(
        FIRST_BATCH, base, {"download_speed": lambda rng, n: rng.uniform(30, 31, n)}, n=10
    )
    assert custom.shares("mobile_download_speed")["mobile_download_speed"]["five_star"] == 1.0


def test_the_example_study_runs_and_draws_its_plots(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[1] / "docs" / "whatif_example.py"
    proc = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "open_data" not in proc.stderr
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == [
        "bus-threshold.png",
        "gaps-by-department.png",
        "grades.png",
        "speed-monte-carlo.png",
    ]
    for png in tmp_path.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert png.stat().st_size > 10_000


def test_the_whatif_page_code_runs_in_order() -> None:
    page = Path(__file__).resolve().parents[1] / "docs" / "whatif.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 4
    namespace: dict[str, Any] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/whatif.md block {i}", "exec"), namespace)
    assert namespace["plan"].cost == 50 * 15 + 3 * 181
    assert namespace["grid"].n == 32


def test_whatif_keeps_heavy_imports_lazy() -> None:
    code = (
        "import sys, smartindex.whatif\n"
        "assert 'sympy' not in sys.modules and 'scipy' not in sys.modules\n"
        "assert 'matplotlib' not in sys.modules and 'pandas' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


@given(st.integers(min_value=0, max_value=22))
def test_open_data_gap_is_the_ceiling_of_ninety_percent(opened: int) -> None:
    gaps = one("open_data", open_data_categories_opened=opened)
    if opened < 20:
        assert change_of(gaps["open_data", "four_star"], "open_data_categories_opened")[1] == 20
    if opened < 22:
        assert change_of(gaps["open_data", "five_star"], "open_data_categories_opened")[1] == 22
    else:
        assert gaps == {}
