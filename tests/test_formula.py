"""The formula parser: DSL and plain text over a whitelist, never eval, with limits."""

from __future__ import annotations

import builtins
import contextlib
import subprocess
import sys
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from smartindex import FileFormatError, SmartIndexError, amount, count, rank
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.expr import BinOp, Const, Expr, Growth, Input, Ratio, WeightedMean
from smartindex.formula import MAX_DEPTH, input_names, parse_formula, to_text

TOTAL = count("total", "household", "All households")
PART = count("part", "household", "Households with the thing", at_most=TOTAL)
PREV = amount("prev", "yuan", "Last year")
CUR = amount("cur", "yuan", "This year")
PLACE = rank("place", "Place among 16", of=16)
INPUTS = {i.id: i for i in (TOTAL, PART, PREV, CUR, PLACE)}


def parse(text: str) -> Expr:
    return parse_formula(text, INPUTS)


@contextlib.contextmanager
def no_eval() -> Iterator[None]:
    """Any call of eval/exec inside the block fails the test (imports must be done before)."""

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("eval/exec must never run on formula text")

    saved = builtins.eval, builtins.exec
    builtins.eval, builtins.exec = boom, boom
    try:
        yield
    finally:
        builtins.eval, builtins.exec = saved


def test_shipped_formulas_round_trip_through_lossless_text() -> None:
    for ind in FIRST_BATCH:
        inputs = {i.id: i for i in ind.inputs}
        for q in ind.quantities:
            assert parse_formula(to_text(q.expr), inputs) == q.expr


def test_rendered_dsl_reads_back_where_no_ratio_declares_a_unit() -> None:
    same = 0
    for ind in FIRST_BATCH:
        inputs = {i.id: i for i in ind.inputs}
        for q in ind.quantities:
            declared = any(isinstance(n, Ratio) and n.unit_override for n in q.expr.walk())
            if not declared:
                assert parse_formula(q.expr.render(), inputs) == q.expr
                same += 1
    assert same >= 30


def test_dsl_primitives_build_their_nodes() -> None:
    assert parse("ratio(part, total)") == Ratio(PART, TOTAL)
    assert parse('ratio(part, total, unit="dimensionless")') == Ratio(PART, TOTAL, "dimensionless")
    assert parse("growth(cur, prev)") == Growth(CUR, PREV)
    wm = parse("weighted_mean(1/3 * ratio(part, total), 40% * cur, (4/15) * prev)")
    assert isinstance(wm, WeightedMean)
    assert wm.weights == (Fraction(1, 3), Fraction(2, 5), Fraction(4, 15))


def test_plain_arithmetic_keeps_precedence_and_associativity() -> None:
    assert parse("part + total * 2") == BinOp("+", PART, BinOp("*", TOTAL, Const(Fraction(2))))
    assert parse("part - total - cur") == BinOp("-", BinOp("-", PART, TOTAL), CUR)
    assert parse("(part) / (total)") == BinOp("/", PART, TOTAL)
    assert parse("-part") == BinOp("*", Const(Fraction(-1)), PART)
    assert parse("part ** 2") == BinOp("*", PART, PART)
    assert parse("part ** -1") == BinOp("/", Const(Fraction(1)), PART)
    assert parse("2 ** 3 * part") == BinOp("*", Const(Fraction(8)), PART)
    assert parse("0.85") == Const(Fraction(17, 20))
    assert parse("85%") == Const(Fraction(17, 20))
    assert parse("1.5e2") == Const(Fraction(150))


def test_input_names_are_the_names_that_are_not_calls_or_keywords() -> None:
    assert input_names('ratio(part, total, unit="household")') == {"part", "total"}
    assert input_names("growth(cur, prev) * 100") == {"cur", "prev"}
    assert input_names("part $ total") == set()


HOSTILE = [
    "__import__('os').system('touch {sentinel}')",
    "part.__class__.__bases__",
    "part.real",
    "lambda: part",
    "(lambda x: x)(part)",
    "open('{sentinel}', 'w')",
    "eval('1')",
    "exec('1')",
    "sympify('1')",
    "[x for x in (part,)]",
    "part if total else cur",
    "part; total",
    "part @ total",
    "'text'",
    "2 ** 999999",
    "9 ** 9 ** 9",
    "part ** 99",
    "part ** 0.5",
    "part ** total",
    "((10 ** 8) ** 8) ** 8",
    "1e999 * part",
    "(" * 5000 + "part" + ")" * 5000,
    "(" * (MAX_DEPTH + 5) + "part" + ")" * (MAX_DEPTH + 5),
    "-" * 200 + "part",
    "ratio(part)",
    "ratio(part, total, unit=total)",
    'growth(part, total, unit="x")',
    'ratio(part, total, colour="red")',
    "weighted_mean(part, total)",
    "weighted_mean()",
    "unknown_input / total",
    "part * (0 / 0)",
    "1 / 0",
    "",
    "   ",
    "part +",
    "ratio(part, total",
    "part total",
    "\u0000",
    "part\\ntotal",
    "part # comment",
]


@pytest.mark.parametrize("template", HOSTILE, ids=lambda t: t[:30])
def test_hostile_formula_text_is_rejected_and_runs_nothing(template: str, tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    text = template.replace("{sentinel}", str(sentinel))
    with no_eval(), pytest.raises(FileFormatError) as info:
        parse(text)
    assert "formula" in str(info.value)
    assert not sentinel.exists()


def test_error_names_the_column() -> None:
    with pytest.raises(FileFormatError, match=r"column 6"):
        parse("part $ total")


def test_formula_that_is_not_text_is_rejected() -> None:
    with pytest.raises(FileFormatError, match="must be text"):
        parse_formula(42, INPUTS)  # type: ignore[arg-type]


@given(st.text(max_size=200))
def test_arbitrary_text_parses_or_raises_the_library_error(text: str) -> None:
    try:
        with no_eval():
            result = parse(text)
    except SmartIndexError:
        return
    assert isinstance(result, Expr)


@given(st.text(alphabet="partol()+-*/%., 0123456789", max_size=80))
def test_near_miss_arithmetic_parses_or_raises_the_library_error(text: str) -> None:
    with contextlib.suppress(SmartIndexError), no_eval():
        parse(text)


# --- generated expressions round-trip ------------------------------------------------------

LEAVES: st.SearchStrategy[Expr] = st.one_of(
    st.sampled_from([TOTAL, PART, PREV, CUR, PLACE]),
    st.fractions(min_value=-1000, max_value=1000, max_denominator=50).map(Const),
)


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    weight = st.fractions(min_value=Fraction(1, 40), max_value=5, max_denominator=40)
    return st.one_of(
        st.builds(BinOp, st.sampled_from("+-*/"), children, children),
        st.builds(Ratio, children, children),
        st.builds(Growth, children, children),
        st.lists(st.tuples(children, weight), min_size=1, max_size=3).map(
            lambda terms: WeightedMean(tuple(terms))
        ),
    )


EXPRS = st.recursive(LEAVES, _extend, max_leaves=12)


def _canonical(expr: Expr) -> bool:
    """No constant-only arithmetic (the parser folds it) and no constant weighted terms."""
    for node in expr.walk():
        if (
            isinstance(node, BinOp)
            and isinstance(node.left, Const)
            and isinstance(node.right, Const)
        ):
            return False
        if isinstance(node, WeightedMean) and any(isinstance(t, Const) for t in node.children()):
            return False
    return True


@given(EXPRS)
def test_generated_expressions_round_trip_through_text(expr: Expr) -> None:
    assume(_canonical(expr))
    assert parse(to_text(expr)) == expr


@given(EXPRS, st.fractions(min_value=1, max_value=100, max_denominator=7))
def test_round_trip_evaluates_the_same(expr: Expr, x: Fraction) -> None:
    assume(_canonical(expr))
    env = {"total": x + 3, "part": x, "prev": x + 1, "cur": 2 * x, "place": Fraction(3)}
    try:
        want = expr.evaluate(env, lambda c: c)
    except ZeroDivisionError:
        return
    assert parse(to_text(expr)).evaluate(env, lambda c: c) == want


def test_inputs_are_shared_objects_not_copies() -> None:
    node = parse("ratio(part, total)")
    assert isinstance(node, Ratio)
    assert node.numerator is PART
    assert isinstance(node.numerator, Input)
    assert node.numerator.at_most is TOTAL


# --- rendering and lazy imports ------------------------------------------------------------


def test_every_shipped_formula_renders_as_latex_and_plain_text() -> None:
    for ind in FIRST_BATCH:
        for q in ind.quantities:
            latex = q.expr.to_latex()
            assert latex
            assert "_" not in latex.replace(r"\_", "")  # ids are set upright, not subscripted
            assert q.expr.formula()
    hospital = FIRST_BATCH["hospital_smart_service"].quantities[0].expr
    assert hospital.to_latex() == (
        r"\frac{\mathrm{public\_hospitals\_emr\_level3\_plus}}{\mathrm{public\_hospitals}}"
    )
    assert hospital.formula() == "(public_hospitals_emr_level3_plus) / (public_hospitals)"


def test_parser_loader_and_checks_import_neither_sympy_nor_yaml() -> None:
    code = (
        "import sys, smartindex.formula, smartindex.load, smartindex.checks\n"
        "heavy = {'sympy', 'yaml', 'pandas', 'matplotlib'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
