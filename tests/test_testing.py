"""smartindex.testing: its strategies keep their promises, validate eagerly and find bugs."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from smartindex import (
    Catalog,
    Direction,
    Grade,
    Indicator,
    InputKind,
    Quantity,
    Table,
    all_of,
    count,
    exceeds,
    measured,
    no_target,
    rank,
    ratio,
    reaches,
)
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.testing import (
    assert_follows_wording,
    assert_grades_nested,
    assert_monotone,
    assert_paths_agree,
    assert_row_order_invariant,
    assert_unit_invariant,
    attainable_grade,
    catalogs,
    cities_at_grade,
    indicators,
    inputs,
    quantities_near_thresholds,
    wording_op,
)
from smartindex.thresholds import AllOf, Condition, Op

#: The budget hypothesis runs a test with when nothing else is said (``settings.default``).
DEFAULT_BUDGET = settings(max_examples=100, database=None)


def _e_license(four: Condition) -> Indicator:
    whole = count("services_total", "service_item", "All government service items")
    part = count("services_e_license", "service_item", "Items with e-licences", at_most=whole)
    return Indicator(
        id="e_license_usage",
        table=Table.DIGITAL_BENEFIT,
        name_zh="电子证照使用率",
        name_en="Electronic licence usage rate",
        definition_zh="电子证照使用率=已实现电子证照办理的政务服务事项数量/政务服务事项总数",
        departments_zh=("市行政审批服务局",),
        quantities=(Quantity("e_license_rate", ratio(part, whole)),),
        four_star=all_of(four),
        five_star=all_of(exceeds("e_license_rate", "85%", source="电子证照使用率超过85%")),
    )


#: The planted bug: the source says 达到 80% (>= 0.8) but the condition says exceeds (> 0.8).
BUGGY = _e_license(exceeds("e_license_rate", "80%", source="电子证照使用率达到80%"))
CORRECT = _e_license(reaches("e_license_rate", "80%", source="电子证照使用率达到80%"))


# --- done when: the strategies find a planted boundary bug -----------------------------------


def _reaches_four_stars_as_the_source_says(indicator: Indicator, values: dict) -> None:
    expected = values["e_license_rate"] >= Fraction(4, 5)  # 达到80%
    assert (indicator.grade(values) >= Grade.FOUR_STAR) == expected


def test_planted_boundary_bug_is_caught_within_the_default_budget() -> None:
    @DEFAULT_BUDGET
    @given(values=quantities_near_thresholds(BUGGY))
    def check(values: dict) -> None:
        _reaches_four_stars_as_the_source_says(BUGGY, values)

    with pytest.raises(AssertionError):
        check()


def test_planted_boundary_bug_shrinks_to_exactly_the_threshold() -> None:
    found = find(
        quantities_near_thresholds(BUGGY),
        lambda v: (BUGGY.grade(v) >= Grade.FOUR_STAR) != (v["e_license_rate"] >= Fraction(4, 5)),
        settings=DEFAULT_BUDGET,
    )
    assert found == {"e_license_rate": Fraction(4, 5)}


def test_planted_boundary_bug_breaks_the_wording_oracle() -> None:
    @DEFAULT_BUDGET
    @given(values=quantities_near_thresholds(BUGGY))
    def check(values: dict) -> None:
        assert_follows_wording(BUGGY, values)

    with pytest.raises(AssertionError, match="source wording gives"):
        check()


@given(values=quantities_near_thresholds(CORRECT))
def test_the_correct_encoding_passes_the_same_properties(values) -> None:
    _reaches_four_stars_as_the_source_says(CORRECT, values)
    assert_follows_wording(CORRECT, values)


# --- import and entry point ------------------------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_a_clear_import_error_names_the_testing_extra_without_hypothesis() -> None:
    code = """
import sys

class HideHypothesis:
    def find_spec(self, name, path=None, target=None):
        if name == "hypothesis" or name.startswith("hypothesis."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None

sys.meta_path.insert(0, HideHypothesis())
import smartindex  # the library itself never needs hypothesis
try:
    import smartindex.testing
except ImportError as exc:
    print("ImportError:", exc)
"""
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert "ImportError:" in proc.stdout
    assert "smartindex[testing]" in proc.stdout
    assert "hypothesis" in proc.stdout


def test_importing_smartindex_testing_first_loads_the_entry_point() -> None:
    code = """
import smartindex.testing
from hypothesis import strategies as st
from smartindex import Catalog, Grade, Indicator
print(type(st.from_type(Indicator).example()).__name__)
print(type(st.from_type(Catalog).example()).__name__)
print(type(st.from_type(Grade).example()).__name__)
"""
    proc = _python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["Indicator", "Catalog", "Grade"]


def test_import_smartindex_does_not_import_hypothesis() -> None:
    proc = _python("import smartindex, sys; print('hypothesis' in sys.modules)")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@given(indicator=st.from_type(Indicator), catalog=st.from_type(Catalog), grade=st.from_type(Grade))
def test_from_type_builds_smartindex_values(indicator, catalog, grade) -> None:
    assert isinstance(indicator, Indicator)
    assert isinstance(catalog, Catalog)
    assert isinstance(grade, Grade)


# --- eager argument validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: inputs("e_license_usage"),
        lambda: inputs(FIRST_BATCH, rows=0),
        lambda: inputs(FIRST_BATCH, rows=2.5),
        lambda: inputs(FIRST_BATCH, max_value=0),
        lambda: inputs(Catalog(id="empty", title_zh="空", indicators=())),
        lambda: quantities_near_thresholds(FIRST_BATCH),
        lambda: cities_at_grade(FIRST_BATCH, "five_star"),
        lambda: cities_at_grade(FIRST_BATCH, Grade.FIVE_STAR, max_value=True),
        lambda: indicators(max_quantities=0),
        lambda: catalogs(min_size=3, max_size=2),
        lambda: catalogs(min_size=0),
        lambda: catalogs(FIRST_BATCH["e_license_usage"]),
    ],
)
def test_bad_arguments_raise_invalid_argument_when_the_strategy_is_built(build) -> None:
    with pytest.raises(InvalidArgument):
        build()


def test_row_order_helper_rejects_an_order_that_is_not_a_permutation() -> None:
    with pytest.raises(InvalidArgument, match="permutation"):
        assert_row_order_invariant(CORRECT, [{"services_total": 1}], [1])


# --- what the strategies promise -----------------------------------------------------------------


@given(row=inputs(FIRST_BATCH))
def test_inputs_respect_every_declared_constraint(row) -> None:
    assert set(row) == set(FIRST_BATCH.inputs)
    for input_id, value in row.items():
        inp = FIRST_BATCH.inputs[input_id]
        if inp.integral:
            assert isinstance(value, int)
        else:
            digits = Decimal(repr(value)).normalize().as_tuple().digits
            assert len(digits) <= 6  # a decimal of at most 6 significant digits
        if inp.kind is InputKind.RANK:
            assert 1 <= value <= inp.rank_of
        elif inp.kind is InputKind.CHECKLIST:
            assert 0 <= value <= len(inp.items)
        elif inp.kind is InputKind.DISTANCE:
            assert value > 0
        else:
            assert value >= 0
        if inp.at_most is not None:
            assert value <= row[inp.at_most.id]
    for ind in FIRST_BATCH:
        ind.grade(row)  # raises InputError on any invalid value or zero denominator


@settings(max_examples=20)
@given(frame=inputs(FIRST_BATCH["hospital_smart_service"], rows=4))
def test_inputs_with_rows_draws_a_data_frame(frame) -> None:
    assert list(frame.columns) == [i.id for i in FIRST_BATCH["hospital_smart_service"].inputs]
    assert len(frame) == 4
    assert (frame["public_hospitals"] > 0).all()
    assert (
        frame["public_hospitals_emr_level4_plus"] <= frame["public_hospitals_emr_level3_plus"]
    ).all()


@given(data=st.data())
def test_inputs_of_generated_catalogs_are_valid(data) -> None:
    catalog = data.draw(catalogs(max_size=3))
    row = data.draw(inputs(catalog))
    result = catalog.evaluate(row)
    for ind in catalog:
        assert result.grade(ind.id) != "invalid", result.errors(ind.id, 0)


def test_quantities_near_thresholds_reach_the_threshold_its_ulps_and_one_unit_away() -> None:
    ind = FIRST_BATCH["e_license_usage"]
    near = quantities_near_thresholds(ind)
    t = Fraction(17, 20)
    assert find(near, lambda v: v["e_license_rate"] == t)["e_license_rate"] == t
    above = Fraction(__import__("math").nextafter(0.85, 1))
    assert find(near, lambda v: v["e_license_rate"] == above)
    app = FIRST_BATCH["gov_service_app"]
    ranks = quantities_near_thresholds(app)
    for r in (2, 3, 4, 5, 6, 7):
        assert find(ranks, lambda v, r=r: v["aishandong_app_rank"] == r)


@pytest.mark.parametrize("indicator", list(FIRST_BATCH), ids=FIRST_BATCH.ids)
@settings(max_examples=20)
@given(data=st.data())
def test_quantities_near_thresholds_stay_within_natural_bounds(indicator, data) -> None:
    values = data.draw(quantities_near_thresholds(indicator))
    assert set(values) == {q.id for q in indicator.quantities}
    indicator.grade(values)  # an out-of-bounds quantity would raise InputError


def test_attainable_grade_minds_slash_targets_and_lost_targets() -> None:
    metering = FIRST_BATCH["building_energy_metering"]  # four-star cell is '/'
    video = FIRST_BATCH["video_networking"]  # five-star cell lost from the source
    assert attainable_grade(metering, Grade.NOT_MET) is Grade.FOUR_STAR
    assert attainable_grade(metering, Grade.FIVE_STAR) is Grade.FIVE_STAR
    assert attainable_grade(video, Grade.FIVE_STAR) is Grade.FOUR_STAR
    assert attainable_grade(video, Grade.NOT_MET) is Grade.NOT_MET
    assert attainable_grade(CORRECT, Grade.FOUR_STAR) is Grade.FOUR_STAR


@given(data=st.data())
def test_cities_at_grade_work_for_generated_catalogs(data) -> None:
    catalog = data.draw(catalogs(max_size=3))
    grade = data.draw(st.sampled_from(Grade))
    city = data.draw(cities_at_grade(catalog, grade))
    result = catalog.evaluate(city)
    for ind in catalog:
        want = attainable_grade(ind, grade)
        assert result.grade(ind.id) == ("unknown" if want is None else want.value)
    assert_paths_agree(catalog, city)


@given(city=cities_at_grade(FIRST_BATCH["mobile_download_speed"], Grade.FOUR_STAR))
def test_cities_at_grade_sit_on_thresholds_and_survive_unit_changes(city) -> None:
    assert 25 <= city["download_speed"] < 30
    assert_unit_invariant(FIRST_BATCH["mobile_download_speed"], city)


def test_cities_at_grade_find_exact_boundaries() -> None:
    speed = cities_at_grade(FIRST_BATCH["mobile_download_speed"], Grade.FOUR_STAR)
    assert find(speed, lambda c: c["download_speed"] == 25)["download_speed"] == 25
    metering = cities_at_grade(FIRST_BATCH["home_energy_auto_metering"], Grade.FOUR_STAR)
    found = find(
        metering,
        lambda c: (
            Fraction(c["households_smart_water_meter"], c["households_total"]) == Fraction(3, 4)
        ),
    )
    assert found["households_smart_water_meter"] * 4 == found["households_total"] * 3


@given(catalog=catalogs(indicators(max_quantities=3), min_size=2, max_size=4))
def test_generated_catalogs_are_valid_and_nested(catalog) -> None:
    assert 2 <= len(catalog) <= 4
    assert all(1 <= len(ind.quantities) <= 3 for ind in catalog)
    assert len(set(catalog.ids)) == len(catalog)
    for ind in catalog:
        for target in (ind.four_star, ind.five_star):
            if isinstance(target, AllOf):
                for cond in target.conditions:
                    q = ind.quantity(cond.quantity)
                    assert cond.op.direction in (q.direction, None)


# --- the assertion helpers catch what they are for ---------------------------------------------


def _speed(four: Condition, five: Condition, direction: Direction = Direction.HIGHER) -> Indicator:
    return Indicator(
        id="speed",
        table=Table.INFRASTRUCTURE,
        name_zh="移动通信网络平均下载速率",
        name_en="Mobile download speed",
        definition_zh="移动通信网络平均下载速率",
        departments_zh=("市通信发展办公室",),
        quantities=(
            Quantity(
                "download_speed",
                measured("download_speed", "Mbit/s", "Mean download speed"),
                "Mbit/s",
                direction=direction,
            ),
        ),
        four_star=all_of(four),
        five_star=all_of(five),
    )


def test_nesting_helper_catches_a_five_star_target_weaker_than_four() -> None:
    bad = _speed(
        reaches("download_speed", 30, "Mbit/s", source="达到30Mbit/s"),
        reaches("download_speed", 25, "Mbit/s", source="达到25Mbit/s"),
    )

    @given(values=quantities_near_thresholds(bad))
    def check(values: dict) -> None:
        assert_grades_nested(bad, values)

    with pytest.raises(AssertionError, match="five-star target but not its four-star"):
        check()


def test_monotone_helper_catches_a_direction_the_thresholds_contradict() -> None:
    bad = _speed(
        reaches("download_speed", 25, "Mbit/s"),
        reaches("download_speed", 30, "Mbit/s"),
        direction=Direction.LOWER,  # declared 'lower is better' against >= targets
    )

    @given(speed=st.integers(0, 60), step=st.integers(1, 10))
    def check(speed: int, step: int) -> None:
        assert_monotone(bad, "download_speed", {"download_speed": speed}, speed - step)

    with pytest.raises(AssertionError, match="against the declared direction"):
        check()


@given(row=inputs(FIRST_BATCH["gov_service_app"]), new=st.integers(1, 16))
def test_monotone_helper_accepts_ranks_where_lower_is_better(row, new) -> None:
    assert_monotone(FIRST_BATCH["gov_service_app"], "aishandong_app_rank", row, new)


def test_monotone_helper_rejects_unknown_inputs() -> None:
    with pytest.raises(InvalidArgument):
        assert_monotone(CORRECT, "no_such_input", {}, 1)


def test_ranks_are_graded_by_place() -> None:
    ind = FIRST_BATCH["gov_service_app"]
    assert ind.grade({"aishandong_app_rank": 3}) is Grade.FIVE_STAR
    assert ind.grade({"aishandong_app_rank": 6}) is Grade.FOUR_STAR
    assert rank("r", "place", of=3).bounds.high == 3


# --- the wording oracle ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "op"),
    [
        (reaches("rate", "80%", source="使用率达到80%"), Op.GE),
        (exceeds("rate", "85%", source="使用率超过85%"), Op.GT),
        (reaches("rate", "100%", source="覆盖率达到100%"), Op.EQ),
        (reaches("rate", "90%", source="覆盖率、完好率均达到90%以上"), Op.GE),
        (Condition("spacing", Op.LT, Fraction(5), "km", "密度小于5公里间距"), Op.LT),
        (Condition("rank", Op.LE, Fraction(3), source_zh="排名前3名"), Op.LE),
        (Condition("rank", Op.LE, Fraction(6), source_zh="排4至6名"), Op.LE),
        (Condition("n", Op.GE, Fraction(4), "checklist_item", "通过4种服务模式"), Op.GE),
        (Condition("n", Op.GE, Fraction(7), "department", "达到60%,且个数不少于7个"), Op.GE),
        (Condition("n", Op.GE, Fraction(8), "department", "个数不少于7个"), None),
    ],
)
def test_wording_op_reads_the_wording_table(condition, op) -> None:
    assert wording_op(condition) is op


def test_shipped_catalog_with_slash_targets_is_never_not_met() -> None:
    ind = FIRST_BATCH["building_energy_metering"]
    assert isinstance(ind.four_star, type(no_target()))


# --- the docs page's examples run as written --------------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "property-testing.md"


def test_the_docs_examples_run_under_pytest(tmp_path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 2
    for i, block in enumerate(blocks):
        (tmp_path / f"test_doc_example_{i}.py").write_text(block, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(
        "from hypothesis import settings\n"
        "settings.register_profile('doc', max_examples=15, deadline=None)\n"
        "settings.load_profile('doc')\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "5 passed" in proc.stdout
