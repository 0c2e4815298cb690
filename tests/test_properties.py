"""The project's own property suite: smartindex.testing's properties over the shipped catalog.

Every property runs over all 34 indicators of the Shandong first batch. Example counts come from
the hypothesis profile (``HYPOTHESIS_PROFILE=ci`` in CI, ``thorough`` locally for more).
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from smartindex import Catalog, Grade
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.evaluate import CODE_NAMES
from smartindex.expr import to_fraction
from smartindex.testing import (
    assert_follows_wording,
    assert_grades_nested,
    assert_monotone,
    assert_paths_agree,
    assert_row_order_invariant,
    assert_unit_invariant,
    attainable_grade,
    cities_at_grade,
    inputs,
    quantities_near_thresholds,
    wording_op,
)
from smartindex.thresholds import AllOf

#: Multi-row properties evaluate the whole catalog several times per example: a third of the budget.
FEW = settings(max_examples=max(10, settings.default.max_examples // 3))

INDICATORS = list(FIRST_BATCH)
IDS = [i.id for i in INDICATORS]

#: Raw rows of every kind: anywhere in the valid range, or built to sit at a grade's thresholds.
ROWS = st.one_of(
    inputs(FIRST_BATCH),
    cities_at_grade(FIRST_BATCH, Grade.NOT_MET),
    cities_at_grade(FIRST_BATCH, Grade.FOUR_STAR),
    cities_at_grade(FIRST_BATCH, Grade.FIVE_STAR),
)


def test_every_condition_states_its_value_and_wording() -> None:
    for ind in FIRST_BATCH:
        for target in (ind.four_star, ind.five_star):
            if isinstance(target, AllOf):
                for cond in target.conditions:
                    assert wording_op(cond) is cond.op, (ind.id, cond.source_zh)


@pytest.mark.parametrize("indicator", INDICATORS, ids=IDS)
@given(data=st.data())
def test_grades_follow_the_source_wording_at_every_threshold(indicator, data) -> None:
    values = data.draw(quantities_near_thresholds(indicator))
    assert_follows_wording(indicator, values)


@given(row=ROWS)
def test_grades_follow_the_source_wording_from_raw_inputs(row) -> None:
    for ind in FIRST_BATCH:
        assert_follows_wording(ind, row)


@given(row=ROWS)
def test_five_stars_imply_four_for_every_indicator(row) -> None:
    for ind in FIRST_BATCH:
        assert_grades_nested(ind, row)


@given(rows=st.lists(ROWS, min_size=1, max_size=3))
def test_vectorised_and_scalar_grading_agree_row_by_row(rows) -> None:
    assert_paths_agree(FIRST_BATCH, rows)


@given(row=ROWS, data=st.data())
def test_grades_are_monotone_in_every_input(row, data) -> None:
    ind = data.draw(st.sampled_from(INDICATORS), label="indicator")
    inp = data.draw(st.sampled_from(ind.inputs), label="input")
    old = Fraction(row[inp.id])
    if inp.integral:
        step = data.draw(st.sampled_from([-1, 1]) | st.integers(-1000, 1000), label="step")
        new: int | float = int(old) + step
    else:
        factor = data.draw(st.sampled_from(["0.5", "0.999999", "1.000001", "2"]), label="by")
        exact = old * Fraction(factor)
        new = float(exact)
        if Fraction(repr(new)) != exact:
            return  # not a value a float states exactly
    assert_monotone(ind, inp.id, row, new)


@given(row=ROWS)
def test_grades_do_not_depend_on_input_units(row) -> None:
    assert_unit_invariant(FIRST_BATCH, row)


@FEW
@given(rows=st.lists(ROWS, min_size=2, max_size=4), data=st.data())
def test_grades_do_not_depend_on_row_order(rows, data) -> None:
    order = data.draw(st.permutations(range(len(rows))), label="order")
    assert_row_order_invariant(FIRST_BATCH, rows, order)


@given(grade=st.sampled_from(Grade), data=st.data())
def test_cities_at_grade_reach_it_in_both_paths(grade, data) -> None:
    city = data.draw(cities_at_grade(FIRST_BATCH, grade), label="city")
    result = FIRST_BATCH.evaluate(city)
    for ind in FIRST_BATCH:
        want = attainable_grade(ind, grade)
        assert want is not None
        assert result.grade(ind.id) == want.value, ind.id
        assert ind.grade(city) is want, ind.id


@FEW
@given(rows=st.lists(ROWS, min_size=1, max_size=3))
def test_evaluation_json_round_trips_and_keeps_the_contract(rows) -> None:
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    result = FIRST_BATCH.evaluate(columns)
    text = result.to_json()
    loaded = json.loads(text)
    assert loaded == result.to_dict()
    assert json.loads(json.dumps(loaded, ensure_ascii=False)) == loaded
    assert [r["label"] for r in loaded["rows"]] == result.labels
    for i, row in enumerate(loaded["rows"]):
        assert list(row["indicators"]) == IDS
        for ind in FIRST_BATCH:
            entry = row["indicators"][ind.id]
            assert entry["grade"] == result.grade(ind.id, i)
            assert entry["grade"] in CODE_NAMES.values()
            assert set(entry["quantities"]) == {q.id for q in ind.quantities}
            for qid, value in entry["quantities"].items():
                expected = float(result.quantities(ind.id)[qid][i])
                assert value == expected or (value is None and not math.isfinite(expected))


@FEW
@given(frame=inputs(FIRST_BATCH, rows=3))
def test_data_frames_grade_like_mappings(frame) -> None:
    from_frame = FIRST_BATCH.evaluate(frame)
    from_mapping = FIRST_BATCH.evaluate({c: frame[c].tolist() for c in frame.columns})
    for ind in FIRST_BATCH:
        assert from_frame.grades(ind.id) == from_mapping.grades(ind.id)
        assert "invalid" not in from_frame.grades(ind.id)


WEIGHTED = ("home_energy_auto_metering", "environment_monitoring", "invention_patent_growth")


@pytest.mark.parametrize("indicator_id", WEIGHTED)
def test_float_noise_at_a_threshold_never_moves_a_grade(indicator_id) -> None:
    # Weights 1/3 and 40% and growth bases make float64 miss thresholds the exact value hits;
    # cities_at_grade finds such cities, and both paths must still grade them as the source says.
    ind = FIRST_BATCH[indicator_id]
    conditions = [*ind.four_star.conditions, *ind.five_star.conditions]
    (qid,) = {c.quantity for c in conditions}
    thresholds = {c.value for c in conditions}
    solo = Catalog(id=ind.id, title_zh=ind.name_zh, indicators=(ind,))

    def noisy(city: dict) -> bool:
        exact = ind.quantity_values(city)[qid]
        as_float = float(solo.evaluate(city).quantities(ind.id)[qid][0])
        return exact in thresholds and as_float != float(exact)

    cities = st.sampled_from(Grade).flatmap(lambda g: cities_at_grade(ind, g))
    city = find(cities, noisy, settings=settings(database=None, max_examples=1000))
    assert_follows_wording(ind, city)
    assert_paths_agree(ind, city)


@FEW
@given(row=ROWS)
def test_every_gap_change_alone_reaches_its_target(row) -> None:
    report = FIRST_BATCH.gap(row)
    for gap in report:
        if gap.status != "open":
            continue
        ind = FIRST_BATCH[gap.indicator.id]
        target = Grade(gap.target)
        assert ind.grade(row) < target, (ind.id, gap.grade, gap.target)
        for change in gap.changes:
            inp = FIRST_BATCH.inputs[change.input]
            assert to_fraction(row[change.input]) == change.from_, (ind.id, str(change))
            if inp.integral:
                assert change.to.denominator == 1, (ind.id, str(change))
            changed = {**row, change.input: change.to}
            assert ind.grade(changed) >= target, (ind.id, str(change))
