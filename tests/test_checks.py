"""Symbolic checks: the shipped catalog passes, and each check catches a broken indicator."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from smartindex import (
    Catalog,
    Indicator,
    Quantity,
    Table,
    all_of,
    amount,
    count,
    distance,
    exactly_all,
    exceeds,
    growth,
    less_than,
    measured,
    no_target,
    rank,
    ratio,
    reaches,
)
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.checks import CHECKS, Finding, Report, check_data, check_file
from smartindex.expr import BinOp, Const, Ratio, WeightedMean
from smartindex.load import save_catalog, text_catalog_dict
from smartindex.thresholds import Target

ROOT = Path(__file__).resolve().parents[1]

TOTAL = count("public_hospitals", "hospital", "Public hospitals")
L3 = count("level3", "hospital", "Hospitals at level 3+", at_most=TOTAL)
L4_OK = count("level4", "hospital", "Hospitals at level 4+", at_most=L3)
L4_LOOSE = count("level4", "hospital", "Hospitals at level 4+", at_most=TOTAL)


def indicator(
    quantities: tuple[Quantity, ...],
    four: Target,
    five: Target,
    *,
    departments: tuple[str, ...] = ("市卫生健康委",),
    id: str = "broken",
) -> Indicator:
    return Indicator(
        id=id,
        table=Table.DIGITAL_BENEFIT,
        name_zh="测试",
        name_en="Test",
        definition_zh="",
        departments_zh=departments,
        quantities=quantities,
        four_star=four,
        five_star=five,
    )


def findings(ind: Indicator, check: str) -> list[Finding]:
    return [f for f in ind.check() if f.check == check]


def only(ind: Indicator, check: str, severity: str = "error") -> Finding:
    found = [f for f in findings(ind, check) if f.severity == severity]
    assert len(found) == 1, ind.check().text()
    return found[0]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smartindex", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


# --- the shipped catalog --------------------------------------------------------------------


def test_shipped_catalog_passes_every_check() -> None:
    report = FIRST_BATCH.check()
    assert report.ok, report.text()
    assert report.checked == len(FIRST_BATCH) == 34
    assert not report.errors
    assert not report.by_severity("warning")


def test_lost_department_and_lost_target_are_notes_not_errors() -> None:
    notes = [f for f in FIRST_BATCH.check() if f.indicator == "video_networking"]
    assert {(f.check, f.severity) for f in notes} == {("source", "note")}
    assert any("no department" in f.message for f in notes)
    assert any("missing from the source" in f.message for f in notes)


def test_every_indicator_checks_clean_alone() -> None:
    for ind in FIRST_BATCH:
        assert ind.check().ok, ind.check().text()


def test_whole_catalog_check_is_measured() -> None:
    """The figure goes to the lead; the test only shows the check runs end to end twice."""
    start = time.perf_counter()
    first = FIRST_BATCH.check()
    again = FIRST_BATCH.check()
    elapsed = time.perf_counter() - start
    assert first == again
    print(f"FIRST_BATCH.check() twice: {elapsed:.2f} s")


# --- dimensions -----------------------------------------------------------------------------


def test_declared_unit_must_match_the_formula_dimension() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL), "km"),),
        all_of(reaches("share", 5, "km")),
        all_of(reaches("share", 6, "km")),
    )
    f = only(ind, "dimensions")
    assert "'share' is declared in 'km'" in f.message
    assert "[length]" in f.message


def test_threshold_unit_must_be_comparable_with_the_quantity() -> None:
    speed = measured("download_speed", "Mbit/s", "Mean mobile download speed")
    ind = indicator(
        (Quantity("download_speed", speed, "Mbit/s"),),
        all_of(reaches("download_speed", 25, "km")),
        all_of(reaches("download_speed", 30, "Mbit/s")),
    )
    f = only(ind, "dimensions")
    assert "'km'" in f.message
    assert "'Mbit/s'" in f.message


def test_threshold_in_a_convertible_unit_passes() -> None:
    speed = measured("download_speed", "Mbit/s", "Mean mobile download speed")
    ind = indicator(
        (Quantity("download_speed", speed, "Mbit/s"),),
        all_of(reaches("download_speed", 25, "Mbit/s")),
        all_of(reaches("download_speed", "3.75", "MB/s")),
    )
    assert ind.check().ok, ind.check().text()


def test_a_ratio_of_unlike_things_needs_a_declared_unit() -> None:
    cameras = count("cameras", "camera", "Cameras")
    households = count("households", "household", "Households")
    ind = indicator(
        (Quantity("per_household", Ratio(cameras, households)),),
        all_of(reaches("per_household", 1)),
        all_of(reaches("per_household", 2)),
    )
    messages = [f.message for f in findings(ind, "dimensions")]
    assert any("a ratio is dimensionless unless" in m for m in messages)
    declared = indicator(
        (
            Quantity(
                "per_household",
                Ratio(cameras, households, "camera / household"),
                "camera / household",
            ),
        ),
        all_of(reaches("per_household", 1, "camera / household")),
        all_of(reaches("per_household", 2, "camera / household")),
    )
    assert not findings(declared, "dimensions")


def test_adding_lengths_in_different_units_is_caught() -> None:
    a = amount("roads_km", "km", "Roads")
    b = amount("paths_m", "m", "Paths")
    ind = indicator(
        (Quantity("length", BinOp("+", a, b), "km"),),
        all_of(reaches("length", 10, "km")),
        all_of(reaches("length", 20, "km")),
    )
    f = only(ind, "dimensions")
    assert "same dimension in different units" in f.message


def test_unknown_units_are_reported() -> None:
    odd = count("widgets", "widget_that_does_not_exist", "Widgets")
    ind = indicator(
        (Quantity("widgets", odd, "dimensionless"),),
        all_of(reaches("widgets", 1)),
        all_of(reaches("widgets", 2)),
    )
    f = only(ind, "units")
    assert "unknown unit 'widget_that_does_not_exist'" in f.message


# --- natural bounds -------------------------------------------------------------------------


def test_a_share_target_above_100_percent_can_never_be_met() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(reaches("share", "90%")),
        all_of(reaches("share", "120%")),
    )
    f = only(ind, "bounds")
    assert "can never be met" in f.message
    assert "[0, 1]" in f.message


def test_exceeding_100_percent_can_never_be_met_either() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(reaches("share", "90%")),
        all_of(exceeds("share", "100%")),
    )
    assert "can never be met" in only(ind, "bounds").message


def test_a_target_on_the_edge_is_a_note() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(reaches("share", "90%")),
        all_of(exactly_all("share")),
    )
    assert "edge" in only(ind, "bounds", "note").message
    assert ind.check().ok


def test_a_target_every_city_meets_is_a_warning() -> None:
    place = rank("place", "Place among 16", of=16)
    ind = indicator(
        (Quantity("place", place),),
        all_of(less_than("place", 17)),
        all_of(less_than("place", 4)),
    )
    assert "always holds" in only(ind, "bounds", "warning").message
    assert not ind.check().ok


def test_a_rank_target_beyond_the_last_place_is_unreachable_the_other_way() -> None:
    place = rank("place", "Place among 16", of=16)
    ind = indicator(
        (Quantity("place", place),),
        all_of(less_than("place", 7)),
        all_of(less_than("place", 1)),
    )
    assert "can never be met" in only(ind, "bounds").message


def test_conditions_that_contradict_each_other_are_caught() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(reaches("share", "50%")),
        all_of(reaches("share", "80%"), less_than("share", "70%")),
    )
    messages = [f.message for f in findings(ind, "bounds") if f.severity == "error"]
    assert any("can never hold together" in m for m in messages), ind.check().text()


# --- weights --------------------------------------------------------------------------------


def _mean(weights: tuple[Fraction, ...]) -> Indicator:
    water = count("water", "household", "Water meters", at_most=TOTAL_HH)
    power = count("power", "household", "Power meters", at_most=TOTAL_HH)
    gas = count("gas", "household", "Gas meters", at_most=TOTAL_HH)
    terms = tuple(
        (ratio(part, TOTAL_HH), w) for part, w in zip((water, power, gas), weights, strict=True)
    )
    return indicator(
        (Quantity("metering", WeightedMean(terms)),),
        all_of(reaches("metering", "75%")),
        all_of(reaches("metering", "90%")),
    )


TOTAL_HH = count("households", "household", "Households")


def test_float_like_weights_that_miss_one_are_caught() -> None:
    f = only(_mean((Fraction(3, 10), Fraction(3, 10), Fraction(3, 10))), "weights")
    assert "sum to 9/10, not exactly 1" in f.message


def test_thirds_sum_to_exactly_one() -> None:
    third = Fraction(1, 3)
    assert not findings(_mean((third, third, third)), "weights")


def test_negative_and_zero_weights_are_caught() -> None:
    ind = _mean((Fraction(6, 5), Fraction(-1, 5), Fraction(0)))
    f = only(ind, "weights")
    assert "not positive" in f.message
    assert "-1/5" in f.message


# --- division -------------------------------------------------------------------------------


def test_bare_division_by_an_input_that_can_be_zero_is_caught() -> None:
    ind = indicator(
        (Quantity("share", BinOp("/", L3, TOTAL)),),
        all_of(reaches("share", "50%")),
        all_of(reaches("share", "60%")),
    )
    f = only(ind, "division")
    assert "divides by public_hospitals, which can be zero" in f.message
    assert "ratio(a, b)" in f.message


def test_division_by_a_positive_input_or_a_nonzero_constant_is_fine() -> None:
    place = rank("place", "Place among 16", of=16)
    ind = indicator(
        (Quantity("score", BinOp("/", Const(Fraction(16)), place)),),
        all_of(reaches("score", 2)),
        all_of(reaches("score", 4)),
    )
    assert not findings(ind, "division")


def test_a_ratio_over_the_constant_zero_is_caught() -> None:
    ind = indicator(
        (Quantity("share", Ratio(L3, Const(Fraction(0)), "dimensionless")),),
        all_of(reaches("share", "50%")),
        all_of(reaches("share", "60%")),
    )
    assert "always divides by zero" in only(ind, "division").message


def test_growth_has_its_declared_zero_rule() -> None:
    cur = amount("revenue", "yuan", "This year")
    prev = amount("revenue_prev", "yuan", "Last year")
    ind = indicator(
        (Quantity("growth", growth(cur, prev)),),
        all_of(reaches("growth", "10%")),
        all_of(exceeds("growth", "15%")),
    )
    assert ind.check().ok, ind.check().text()


# --- direction ------------------------------------------------------------------------------


def test_less_than_on_a_higher_is_better_share_is_caught() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(less_than("share", "50%")),
        all_of(reaches("share", "60%")),
    )
    f = only(ind, "direction")
    assert "rewards lower values" in f.message
    assert "higher-is-better" in f.message


def test_reaching_a_spacing_where_lower_is_better_is_caught() -> None:
    spacing = distance("station_spacing", "Mean spacing of weather stations")
    ind = indicator(
        (Quantity("spacing", spacing, "km"),),
        all_of(less_than("spacing", 5, "km")),
        all_of(reaches("spacing", 3, "km")),
    )
    f = only(ind, "direction")
    assert "lower-is-better" in f.message


# --- five stars imply four stars --------------------------------------------------------------


def _grades_of(ind: Indicator, message: str) -> tuple[bool | None, bool | None]:
    """Read the counterexample out of the message and decide both targets exactly."""
    pairs = dict(re.findall(r"(\w+)=(\d+)", message))
    values = {k: int(v) for k, v in pairs.items()}
    quantities = ind.quantity_values(values)
    return ind.target_holds(ind.four_star, quantities), ind.target_holds(ind.five_star, quantities)


def test_level4_share_implies_level3_share_only_under_the_declared_constraint() -> None:
    def hospitals(level4: Any) -> Indicator:
        return indicator(
            (
                Quantity("share_level3_plus", ratio(L3, TOTAL)),
                Quantity("share_level4_plus", ratio(level4, TOTAL)),
            ),
            all_of(reaches("share_level3_plus", "50%")),
            all_of(reaches("share_level4_plus", "50%")),
        )

    assert not findings(hospitals(L4_OK), "implication")
    broken = hospitals(L4_LOOSE)
    f = only(broken, "implication")
    assert "five stars do not imply four" in f.message
    assert "level4=" in f.message
    assert _grades_of(broken, f.message) == (False, True)


def test_a_weaker_five_star_threshold_on_the_same_quantity_is_caught() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(reaches("share", "60%")),
        all_of(exceeds("share", "50%")),
    )
    f = only(ind, "implication")
    assert _grades_of(ind, f.message) == (False, True)


def test_compound_targets_are_checked_condition_by_condition() -> None:
    lines = count("lines", "bus_line", "Bus lines")
    live = count("lines_live", "bus_line", "Lines with live arrival", at_most=lines)
    stops = count("stops", "bus_stop", "Stops")
    signs = count("stops_signed", "bus_stop", "Stops with e-signs", at_most=stops)
    quantities = (Quantity("live", ratio(live, lines)), Quantity("signed", ratio(signs, stops)))
    good = indicator(
        quantities,
        all_of(reaches("live", "90%"), reaches("signed", "10%")),
        all_of(exactly_all("live"), exceeds("signed", "20%")),
    )
    assert good.check().ok, good.check().text()
    bad = indicator(
        quantities,
        all_of(reaches("live", "90%"), reaches("signed", "30%")),
        all_of(exactly_all("live"), exceeds("signed", "20%")),
    )
    f = only(bad, "implication")
    assert "signed >= 0.3" in f.message
    assert _grades_of(bad, f.message) == (False, True)


def test_a_five_star_slash_under_a_four_star_target_is_caught() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(reaches("share", "60%")),
        no_target(),
    )
    assert "'/'" in only(ind, "implication").message


def test_a_four_star_slash_needs_nothing() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        no_target(),
        all_of(reaches("share", "90%")),
    )
    assert not findings(ind, "implication")


def test_ranks_imply_in_the_lower_is_better_direction() -> None:
    place = rank("place", "Place among 16", of=16)
    good = indicator(
        (Quantity("place", place),),
        all_of(less_than("place", 7)),
        all_of(less_than("place", 4)),
    )
    assert not findings(good, "implication")
    bad = indicator(
        (Quantity("place", place),),
        all_of(less_than("place", 4)),
        all_of(less_than("place", 7)),
    )
    assert "place=" in only(bad, "implication").message


# --- plain data: ids, references, unused inputs ------------------------------------------------


def _data() -> dict[str, Any]:
    return copy.deepcopy(FIRST_BATCH.to_dict())


def test_duplicate_and_malformed_ids_are_found_in_the_data() -> None:
    data = _data()
    data["indicators"][1]["id"] = data["indicators"][0]["id"]
    data["indicators"][2]["id"] = "Hospital-Smart"
    data["indicators"][3]["quantities"][0]["id"] = "Smart Rate"
    report = check_data(data)
    messages = [f.message for f in report.errors if f.check == "ids"]
    assert any("used twice" in m for m in messages)
    assert any("'Hospital-Smart' is not snake_case" in m for m in messages)
    assert any("'Smart Rate' is not snake_case" in m for m in messages)


def test_a_threshold_on_an_unknown_quantity_is_found() -> None:
    data = _data()
    data["indicators"][1]["grades"]["five_star"]["conditions"][0]["quantity"] = "licence_rate"
    report = check_data(data)
    (f,) = report.errors
    assert f.check == "references"
    assert f.indicator == "e_license_usage"
    assert "'licence_rate'" in f.message
    assert "e_license_rate" in f.message


def test_a_formula_reading_an_undeclared_input_is_found() -> None:
    data = _data()
    data["indicators"][1]["inputs"].pop(0)
    report = check_data(data)
    assert any(
        f.check == "references" and "services_with_e_license" in f.message for f in report.errors
    )


def test_an_unused_input_is_a_warning() -> None:
    data = _data()
    extra = {"id": "orphan_count", "unit": "household", "description": "", "kind": "count"}
    data["indicators"][1]["inputs"].append(extra)
    report = check_data(data)
    (f,) = report.findings
    assert (f.check, f.severity) == ("inputs_used", "warning")
    assert "'orphan_count'" in f.message
    assert not report.ok


def test_check_data_survives_any_shape() -> None:
    for data in (None, [], {"indicators": 5}, {"indicators": [None, {"grades": 3}]}):
        assert isinstance(check_data(data), Report)


# --- the report -----------------------------------------------------------------------------


def test_report_renders_as_text_and_plain_data() -> None:
    ind = indicator(
        (Quantity("share", ratio(L3, TOTAL)),),
        all_of(less_than("share", "50%")),
        all_of(reaches("share", "120%")),
        departments=(),
    )
    report = ind.check()
    assert not report.ok
    assert len(report) == len(list(report)) == len(report.findings)
    severities = [f.severity for f in report]
    assert severities == sorted(severities, key=["error", "warning", "note"].index)
    text = report.text()
    assert text.splitlines()[-1] == report.summary()
    assert "checks FAILED" in text
    assert "error: broken: [direction]" in text
    data = report.to_dict()
    assert data["ok"] is False
    assert data["counts"]["error"] == len(report.errors)
    assert {f["check"] for f in data["findings"]} <= set(CHECKS)
    json.dumps(data)


def test_findings_reject_unknown_severities() -> None:
    with pytest.raises(ValueError, match="severity"):
        Finding("x", "ids", "fatal", "no such severity")


# --- files and the command line -------------------------------------------------------------


def test_cli_check_passes_on_the_shipped_catalog_and_its_yaml() -> None:
    for args in ((), (str(ROOT / "examples" / "first-batch.yaml"),)):
        out = run_cli("check", *args)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "0 errors, 0 warnings" in out.stdout


def test_cli_check_json_format() -> None:
    out = run_cli("check", "--format", "json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["ok"] is True
    assert data["checked"] == 34


def test_cli_check_lists_findings_and_exits_1(tmp_path: Path) -> None:
    data = text_catalog_dict(FIRST_BATCH)
    hospital = next(i for i in data["indicators"] if i["id"] == "hospital_smart_service")
    for inp in hospital["inputs"]:
        if inp["id"] == "public_hospitals_emr_level4_plus":
            inp["at_most"] = "public_hospitals"  # drops level4 <= level3
    licence = next(i for i in data["indicators"] if i["id"] == "e_license_usage")
    licence["grades"]["five_star"]["conditions"][0]["value_exact"] = "6/5"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    out = run_cli("check", str(path))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "error: hospital_smart_service: [implication]" in out.stdout
    assert "error: e_license_usage: [bounds]" in out.stdout
    assert "Traceback" not in out.stderr


def test_cli_check_finds_reference_errors_in_a_file(tmp_path: Path) -> None:
    data = _data()
    data["indicators"][0]["grades"]["four_star"]["conditions"][0]["quantity"] = "nope"
    path = tmp_path / "refs.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    out = run_cli("check", str(path))
    assert out.returncode == 1
    assert "[references]" in out.stdout
    report = check_file(path)
    assert [f.check for f in report.errors] == ["references"]


def test_cli_check_on_a_missing_file_exits_2(tmp_path: Path) -> None:
    out = run_cli("check", str(tmp_path / "absent.yaml"))
    assert out.returncode == 2
    assert "absent.yaml" in out.stderr
    assert "Traceback" not in out.stderr


def test_a_catalog_with_a_broken_indicator_fails_as_a_whole(tmp_path: Path) -> None:
    whole = count("things_total", "household", "All things")
    part = count("things_done", "household", "Things done", at_most=whole)
    broken = indicator(
        (Quantity("share_broken", ratio(part, whole)),),
        all_of(reaches("share_broken", "90%")),
        all_of(exceeds("share_broken", "100%")),
    )
    catalog = Catalog("with_broken", "测试", (*FIRST_BATCH.indicators, broken))
    report = catalog.check()
    assert not report.ok
    assert {f.indicator for f in report.errors} == {"broken"}
    path = save_catalog(catalog, tmp_path / "with_broken.toml")
    assert check_file(path).to_dict()["findings"] == report.to_dict()["findings"]
