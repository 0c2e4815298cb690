"""The shipped Shandong first-batch catalog: faithful to the source, every threshold exact."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from smartindex import Grade, Indicator, InputError, InputKind, Table
from smartindex.catalog import shandong
from smartindex.expr import Const, Growth, Input, Ratio, WeightedMean
from smartindex.thresholds import AllOf, Condition, MissingFromSource, NoTarget, Op

CATALOG = shandong.FIRST_BATCH
SEED = (Path(__file__).parent / "data" / "seed_000_d115dd727bd1b124.txt").read_text("utf-8")
FLAT = SEED.replace("\n", "")


def test_every_row_is_there_in_source_order_by_table() -> None:
    assert len(CATALOG) == 34
    tables = [ind.table for ind in CATALOG]
    # tables are contiguous and in the source's order 表一..表四
    order = [
        Table.DIGITAL_BENEFIT,
        Table.DIGITAL_GOVERNMENT,
        Table.DIGITAL_ECONOMY,
        Table.INFRASTRUCTURE,
    ]
    assert [t for i, t in enumerate(tables) if i == 0 or tables[i - 1] != t] == order
    counts = {t: tables.count(t) for t in order}
    assert counts == {
        Table.DIGITAL_BENEFIT: 9,
        Table.DIGITAL_GOVERNMENT: 11,
        Table.DIGITAL_ECONOMY: 8,
        Table.INFRASTRUCTURE: 6,
    }


def test_table_three_order_follows_the_run_together_repeat() -> None:
    economy = [i.name_zh for i in CATALOG if i.table is Table.DIGITAL_ECONOMY]
    run_together = SEED.splitlines()[171]
    positions = [run_together.find(name) for name in economy[:6]]
    assert all(p >= 0 for p in positions)
    assert positions == sorted(positions)
    assert [i.id for i in CATALOG if i.table is Table.DIGITAL_GOVERNMENT][
        -1
    ] == "building_energy_metering"


def test_ids_are_unique_snake_case_and_stable() -> None:
    ids = [i.id for i in CATALOG]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", x) for x in ids)
    assert CATALOG["open_data"].name_zh == "公共信息资源社会开放水平"


@pytest.mark.parametrize("ind", list(CATALOG), ids=lambda i: i.id)
def test_chinese_text_is_verbatim_from_the_source(ind: Indicator) -> None:
    assert ind.name_zh in FLAT
    for sentence in filter(None, ind.definition_zh.split("。")):
        assert sentence in FLAT, sentence
    for dept in ind.departments_zh:
        assert dept in FLAT, dept
    for target in (ind.four_star, ind.five_star):
        if isinstance(target, AllOf):
            for cond in target.conditions:
                assert cond.source_zh in FLAT, cond.source_zh


def test_departments_split_across_lines_are_one_department() -> None:
    assert CATALOG["employment_service_channels"].departments_zh == ("市人力资源社会保障局",)
    assert CATALOG["industrial_internet_nodes"].departments_zh == ("市工业和信息化局",)
    assert CATALOG["credit_info_sharing"].departments_zh == ("市发展改革委", "市大数据中心")
    assert CATALOG["software_revenue"].departments_zh[0] == "市工业和信息化局"


def test_only_the_lost_cells_are_marked_missing() -> None:
    missing = [
        (i.id, g)
        for i in CATALOG
        for g, t in (("four", i.four_star), ("five", i.five_star))
        if isinstance(t, MissingFromSource)
    ]
    assert missing == [("video_networking", "five")]
    no_target = [i.id for i in CATALOG if isinstance(i.four_star, NoTarget)]
    assert no_target == ["building_energy_metering"]
    assert [i.id for i in CATALOG if not i.departments_zh] == ["video_networking"]
    assert any("missing" in n.lower() for n in CATALOG["video_networking"].notes)


def test_catalog_metadata() -> None:
    assert CATALOG.four_star_due == "2021-10"
    assert CATALOG.title_zh == "山东省首批新型智慧城市建设指标及责任分工"


# --- the wording table, read independently from each source sentence ------------------

_WORD_OPS = [
    (r"排(\d+)至(\d+)名", Op.LE),
    (r"前(\d+)名", Op.LE),
    (r"小于(\d+(?:\.\d+)?)", Op.LT),
    (r"超过(\d+(?:\.\d+)?)", Op.GT),
    (r"达到100%", Op.EQ),
    (r"(?:达到|不少于|实现|通过)(\d+(?:\.\d+)?)", Op.GE),
]


def _conditions() -> list[tuple[str, str, Condition]]:
    out = []
    for ind in CATALOG:
        for grade, target in (("four_star", ind.four_star), ("five_star", ind.five_star)):
            if isinstance(target, AllOf):
                out.extend((ind.id, grade, c) for c in target.conditions)
    return out


@pytest.mark.parametrize(("ind_id", "grade", "cond"), _conditions(), ids=lambda x: str(x)[:40])
def test_condition_keeps_the_legal_meaning_of_its_wording(
    ind_id: str, grade: str, cond: Condition
) -> None:
    sentence = cond.source_zh
    parts = re.split(r",且|、(?=.*均)", sentence)
    # find the clause of the sentence that speaks about this condition's value
    wanted = None
    for clause in parts if len(parts) > 1 else [sentence]:
        for pattern, op in _WORD_OPS:
            m = re.search(pattern, clause)
            if m:
                value = Fraction(100) if op is Op.EQ else Fraction(m.group(m.lastindex or 0))
                if "%" in clause[m.end() : m.end() + 1] or op is Op.EQ:
                    value /= 100
                if op is Op.EQ:
                    value = Fraction(1)
                if value == cond.value or (op is Op.EQ and cond.op is Op.EQ):
                    wanted = op
                break
        if wanted is not None:
            break
    if "均达到" in sentence:  # 均达到90%以上 / 均达到100%: every named rate
        wanted = Op.EQ if "100%" in sentence else Op.GE
    assert wanted is not None, f"no wording in {sentence!r} gives {cond}"
    assert cond.op is wanted, (ind_id, grade, sentence, cond)


# --- boundaries from raw inputs, as a city would enter them ---------------------------

WHOLE = 100_000


def _baseline(ind: Indicator) -> dict[str, Any]:
    """Raw inputs with every whole at WHOLE and every part at the whole (all shares 100%)."""
    values: dict[str, Any] = {}
    for inp in ind.inputs:
        if inp.kind is InputKind.RANK:
            values[inp.id] = 1
        elif inp.kind is InputKind.CHECKLIST:
            values[inp.id] = len(inp.items)
        elif inp.kind is InputKind.DISTANCE:
            values[inp.id] = Fraction(1)
        elif inp.kind is InputKind.MEASURED:
            values[inp.id] = Fraction(100)
        else:
            values[inp.id] = WHOLE
    if ind.id == "invention_patent_growth":
        values.update(
            valid_invention_patents=13_000,
            population=1_000_000,
            valid_invention_patents_prev=10_000,
            population_prev=1_000_000,
        )
    if ind.id in ("e_commerce", "software_revenue"):  # not part-of-whole: the ratio can pass 1
        values[ind.inputs[0].id] = WHOLE
    return values


def _set(
    ind: Indicator, qid: str, x: Fraction, values: dict[str, Any]
) -> tuple[Fraction, Fraction]:
    """Set raw inputs so that quantity ``qid`` is ``x`` (or as close as whole numbers allow).

    Returns (value actually set, one raw-input step in quantity units).
    """
    expr = ind.quantity(qid).expr
    if isinstance(expr, Input):
        step = Fraction(1) if expr.integral else Fraction(1, 1000)
        values[expr.id] = x
        return x, step
    if isinstance(expr, Ratio) and isinstance(expr.denominator, Const):
        n = expr.denominator.value
        part = Fraction(math.ceil(x * n))  # the first whole count that reaches x
        values[expr.numerator.id] = part  # type: ignore[attr-defined]
        return part / n, 1 / n
    if isinstance(expr, Ratio):
        whole = values[expr.denominator.id]  # type: ignore[attr-defined]
        values[expr.numerator.id] = x * whole  # type: ignore[attr-defined]
        return x, Fraction(1, whole)
    if isinstance(expr, WeightedMean):
        for term, _ in expr.terms:
            assert isinstance(term, Ratio)
            values[term.numerator.id] = x * values[term.denominator.id]  # type: ignore[attr-defined]
        return x, Fraction(1, WHOLE)
    if isinstance(expr, Growth):
        prev = Fraction(values["valid_invention_patents_prev"], values["population_prev"])
        values["valid_invention_patents"] = (1 + x) * prev * values["population"]
        return x, Fraction(1, 10_000)
    raise AssertionError(f"no setter for {expr!r}")


def _cases() -> list[tuple[str, str, int]]:
    out = []
    for ind in CATALOG:
        for grade, target in (("four_star", ind.four_star), ("five_star", ind.five_star)):
            if isinstance(target, AllOf):
                out.extend((ind.id, grade, k) for k in range(len(target.conditions)))
    return out


def _holds(op: Op, x: Fraction, t: Fraction) -> bool:
    return {
        Op.GE: x >= t,
        Op.GT: x > t,
        Op.LT: x < t,
        Op.LE: x <= t,
        Op.EQ: x == t,
    }[op]


@pytest.mark.parametrize(("ind_id", "grade", "k"), _cases(), ids=str)
@pytest.mark.parametrize("offset", [-1, 0, 1], ids=["below", "at", "above"])
def test_threshold_at_just_above_and_just_below(
    ind_id: str, grade: str, k: int, offset: int
) -> None:
    ind = CATALOG[ind_id]
    target = ind.four_star if grade == "four_star" else ind.five_star
    assert isinstance(target, AllOf)
    cond = target.conditions[k]
    values = _baseline(ind)
    if grade == "four_star":
        # every other condition of the four-star target holds, five stars out of reach
        for other in target.conditions:
            if other is not cond:
                _set(ind, other.quantity, other.value, values)
        four_ids = {c.quantity for c in target.conditions}
        if isinstance(ind.five_star, AllOf):
            for other in ind.five_star.conditions:
                if other.quantity not in four_ids:  # e.g. the level-4 share: keep it out of reach
                    _set(ind, other.quantity, Fraction(0), values)
    x, step = _set(ind, cond.quantity, cond.value, values)
    if offset:
        x, _ = _set(ind, cond.quantity, x + offset * step, values)
    if cond.op is Op.EQ and offset > 0:
        # just above 100% is not a share: the part exceeds its whole, and the row is invalid
        with pytest.raises(InputError, match=r"above its whole|names only"):
            ind.grade({k: float(v) for k, v in values.items()})
        result = CATALOG.evaluate({k: [float(v)] for k, v in values.items()})
        assert result.grade(ind.id, 0) == "invalid"
        assert re.search("above its whole|names only", result.errors(ind.id, 0)[0])
        return
    bounds = ind.quantity(cond.quantity).expr.bounds
    if bounds.low is not None and x < bounds.low:
        return
    if bounds.high is not None and x > bounds.high:
        return
    meets = _holds(cond.op, x, cond.value)
    got = ind.grade(
        {k: (int(v) if Fraction(v).denominator == 1 else float(v)) for k, v in values.items()}
    )
    batch = CATALOG.evaluate({k: [float(v)] for k, v in values.items()}).grade(ind.id, 0)
    if grade == "four_star":
        q = ind.quantity_values(values)
        five = ind.five_star
        five_meets = isinstance(five, AllOf) and all(
            _holds(c.op, q[c.quantity], c.value) for c in five.conditions
        )
        expected = (
            Grade.NOT_MET if not meets else Grade.FIVE_STAR if five_meets else Grade.FOUR_STAR
        )
    else:
        expected = Grade.FIVE_STAR if meets else Grade.FOUR_STAR
    assert got is expected, (values, x, cond)
    assert batch == expected.value


def test_ninety_percent_of_twenty_two_categories_needs_twenty() -> None:
    open_data = CATALOG["open_data"]
    assert open_data.grade({"open_data_categories_opened": 19}) is Grade.NOT_MET
    assert open_data.grade({"open_data_categories_opened": 20}) is Grade.FOUR_STAR
    assert open_data.grade({"open_data_categories_opened": 21}) is Grade.FOUR_STAR
    assert open_data.grade({"open_data_categories_opened": 22}) is Grade.FIVE_STAR
    names = set(shandong.OPEN_DATA_CATEGORIES[:20])
    assert open_data.grade({"open_data_categories_opened": names}) is Grade.FOUR_STAR


def test_band_rank_four_to_six_means_at_least_four_stars_up_to_six() -> None:
    app = CATALOG["gov_service_app"]
    grades = {r: app.grade({"aishandong_app_rank": r}) for r in range(1, 17)}
    assert all(grades[r] is Grade.FIVE_STAR for r in (1, 2, 3))
    assert all(grades[r] is Grade.FOUR_STAR for r in (4, 5, 6))
    assert all(grades[r] is Grade.NOT_MET for r in range(7, 17))
    cond = app.four_star.conditions[0]  # type: ignore[union-attr]
    assert cond.band_low == 4
    assert "排4至6名" in cond.source_zh


def test_no_target_four_star_row_is_four_star_until_five() -> None:
    b = CATALOG["building_energy_metering"]
    assert b.grade({"key_buildings_submetered": 0, "key_buildings_total": 10}) is Grade.FOUR_STAR
    assert b.grade({"key_buildings_submetered": 9, "key_buildings_total": 10}) is Grade.FIVE_STAR


def test_missing_five_star_target_is_four_star_and_unknown_five() -> None:
    v = CATALOG["video_networking"]
    assert v.grade({"networking_rate": 1}) is Grade.FOUR_STAR
    assert v.grade({"networking_rate": 0.89}) is Grade.NOT_MET
    result = CATALOG.evaluate(
        {"key_area_cameras_networked": [90, 89], "key_area_cameras_total": [100, 100]}
    )
    assert result.grades("video_networking") == ["four_star", "not_met"]
    assert result.five_star_status("video_networking", 0) == "unknown"
    assert result.row(0)["indicators"]["video_networking"]["five_star"] == "unknown"


def test_hospital_level_four_cannot_exceed_level_three() -> None:
    h = CATALOG["hospital_smart_service"]
    ok = {
        "public_hospitals": 10,
        "public_hospitals_emr_level3_plus": 6,
        "public_hospitals_emr_level4_plus": 5,
    }
    assert h.grade(ok) is Grade.FIVE_STAR
    with pytest.raises(InputError, match="level3_plus"):
        h.grade({**ok, "public_hospitals_emr_level4_plus": 7})


def test_multi_grid_exceeds_five_means_six() -> None:
    g = CATALOG["multi_grid_integration"]
    assert [g.grade({"grid_departments": n}).value for n in (3, 4, 5, 6)] == [
        "not_met",
        "four_star",
        "four_star",
        "five_star",
    ]


def test_weather_spacing_lower_is_better() -> None:
    w = CATALOG["weather_station_coverage"]
    assert w.grade({"station_spacing": 5}) is Grade.NOT_MET
    assert w.grade({"station_spacing": 4.999}) is Grade.FOUR_STAR
    assert w.grade({"station_spacing": 3}) is Grade.FOUR_STAR
    assert w.grade({"station_spacing": 2.999}) is Grade.FIVE_STAR
    from smartindex.units import get_registry

    q = get_registry().Quantity
    assert w.grade({"station_spacing": q(2999, "m")}) is Grade.FIVE_STAR
    assert w.grade({"station_spacing": q(3000, "m")}) is Grade.FOUR_STAR


def test_weighted_means_are_exact_at_the_boundary() -> None:
    env = CATALOG["environment_monitoring"]
    at = {
        "air_monitored_area": 0.8,
        "water_monitored_area": 0.8,
        "noise_monitored_area": 0.8,
        "region_area": 1,
    }
    assert env.grade(at) is Grade.NOT_MET  # 超过80%: exactly 80% does not exceed
    home = CATALOG["home_energy_auto_metering"]
    third = {
        "households_total": 3,
        "households_smart_water_meter": 3,
        "households_smart_electricity_meter": 3,
        "households_smart_gas_meter": 3,
    }
    assert home.grade(third) is Grade.FIVE_STAR
    r = CATALOG.evaluate({k: [v] for k, v in at.items()})
    assert r.grade("environment_monitoring", 0) == "not_met"


def test_catalog_views_by_table_and_department() -> None:
    by_table = CATALOG.by_table()
    assert list(by_table) == list(Table)
    matrix = CATALOG.by_department()
    assert {i.id for i in matrix["市公安局"]} == {
        "video_surveillance_completeness",
        "public_security_video",
    }
    joint = [i.id for i in matrix["市人力资源社会保障局"]]
    assert "social_security_cross_region" in joint
    assert "ngit_employment_share" in joint
    assert len(CATALOG.filter(table="digital_economy")) == 8
    assert {i.id for i in CATALOG.filter(department="市大数据中心")} >= {"open_data", "gov_cloud"}
