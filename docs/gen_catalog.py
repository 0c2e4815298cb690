"""Generate docs/catalog.md from the shipped catalog: every row, bilingual, with formulas.

Run ``python docs/gen_catalog.py`` after changing the catalog; ``--check`` exits 1 when the
committed page is out of date (the test suite runs it).
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path

from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.expr import BinOp, Const, Expr, Growth, Input, Ratio, WeightedMean
from smartindex.model import Catalog, Indicator
from smartindex.serialize import input_to_dict, number_out
from smartindex.thresholds import AllOf, Condition, MissingFromSource, NoTarget, Target

PAGE = Path(__file__).with_name("catalog.md")

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_OP_TEXT = {">=": "≥", ">": ">", "<": "<", "<=": "≤", "==": "="}


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}".replace(",", " ")
    return f"{value.numerator}/{value.denominator}"


def _math(expr: Expr) -> tuple[str, int]:
    """A formula as people write it, with the fewest parentheses, and its precedence."""
    if isinstance(expr, Input):
        return expr.id, 3
    if isinstance(expr, Const):
        return _number(expr.value), 3 if expr.value.denominator == 1 else 2
    if isinstance(expr, Ratio):
        return _binary("/", expr.numerator, expr.denominator), 2
    if isinstance(expr, Growth):
        current, _ = _math(expr.current)
        previous, _ = _math(expr.previous)
        return f"({current} − {previous}) / ({previous})", 2
    if isinstance(expr, WeightedMean):
        terms = [f"{_number(w)} × {_wrap(t, 3)}" for t, w in expr.terms]
        return " + ".join(terms), 1
    if isinstance(expr, BinOp):
        return _binary(expr.op, expr.left, expr.right), _PRECEDENCE[expr.op]
    raise TypeError(f"cannot render {type(expr).__name__}")


def _wrap(expr: Expr, level: int, *, strict: bool = False) -> str:
    text, prec = _math(expr)
    return f"({text})" if prec < level or (strict and prec == level) else text


def _binary(op: str, left: Expr, right: Expr) -> str:
    prec = _PRECEDENCE[op]
    shown = {"*": "×", "/": "/", "+": "+", "-": "−"}[op]
    return f"{_wrap(left, prec)} {shown} {_wrap(right, prec, strict=op in '-/')}"


def formula(expr: Expr) -> str:
    """The formula of an expression as readable text (× and − signs, minimal parentheses)."""
    return _math(expr)[0]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _is_share(ind: Indicator, quantity_id: str) -> bool:
    """Whether a dimensionless quantity is a share (shown in percent), not a rank or count."""
    q = ind.quantity(quantity_id)
    if q.unit != "dimensionless":
        return False
    return not (isinstance(q.expr, Input) and q.expr.kind.value in ("rank", "count", "checklist"))


def _condition(ind: Indicator, cond: Condition) -> str:
    unit = "" if cond.unit == "dimensionless" else f" {cond.unit}"
    value = number_out(cond.value)
    shown = f"{value}"
    if _is_share(ind, cond.quantity) and cond.unit == "dimensionless":
        shown = f"{float(cond.value) * 100:g}%"
        if cond.value == 1 and cond.op.value == "==":
            shown = "100% (exactly 1, no float slack)"
    band = (
        f" (literal band: ranks {number_out(cond.band_low)} to {value})"
        if cond.band_low is not None
        else ""
    )
    return f"`{cond.quantity}` {_OP_TEXT[cond.op.value]} {shown}{unit}{band}"


def _target(ind: Indicator, target: Target) -> list[str]:
    if isinstance(target, NoTarget):
        return [f"no target at this grade (source: `{target.source_zh}`)"]
    if isinstance(target, MissingFromSource):
        return [f"**missing from source**: {target.note}"]
    assert isinstance(target, AllOf)
    conds = " **and** ".join(_condition(ind, c) for c in target.conditions)
    sources = list(dict.fromkeys(c.source_zh for c in target.conditions if c.source_zh))
    return [conds, *(f"source: 「{s}」" for s in sources)]


def _indicator(number: int, ind: Indicator) -> list[str]:
    out = [
        f"### {number}. {ind.name_zh} / {ind.name_en} {{#{ind.id}}}",
        "",
        f"- **id**: `{ind.id}`",
        f"- **table**: {ind.table.name_zh} / {ind.table.name_en} (`{ind.table.value}`)",
        "- **departments (责任部门)**: "
        + ("、".join(ind.departments_zh) or "*missing from source*"),
        "",
        f"> **指标释义**: {ind.definition_zh}",
        "",
        "| quantity | unit | formula | DSL |",
        "|---|---|---|---|",
    ]
    for q in ind.quantities:
        name = f" ({q.name_en})" if q.name_en else ""
        shown = (
            f"raw input `{q.expr.id}`"
            if isinstance(q.expr, Input)
            else f"`{q.id} = {_cell(formula(q.expr))}`"
        )
        out.append(f"| `{q.id}`{_cell(name)} | {q.unit} | {shown} | `{_cell(q.expr.render())}` |")
    out += ["", "| grade | target |", "|---|---|"]
    for label, target in (("four-star 四星", ind.four_star), ("five-star 五星", ind.five_star)):
        out.append(f"| {label} | {'<br>'.join(_cell(t) for t in _target(ind, target))} |")
    out += ["", "| input | unit | kind | bounds | description |", "|---|---|---|---|---|"]
    for inp in ind.inputs:
        d = input_to_dict(inp)
        low = "" if d["min"] is None else d["min"]
        high = "" if d["max"] is None else d["max"]
        extra = []
        if "at_most" in d:
            extra.append(f"at most `{d['at_most']}`")
        if "of" in d:
            extra.append(f"of {d['of']}")
        if "items" in d:
            extra.append(f"{len(d['items'])} named items: " + "、".join(d["items"]))
        bounds = f"[{low}, {high}]" if (low, high) != ("", "") else ""
        bounds = "; ".join(filter(None, [bounds, *extra]))
        out.append(
            f"| `{inp.id}` | {inp.unit} | {inp.kind.value} | {_cell(bounds)} "
            f"| {_cell(inp.description)} |"
        )
    if ind.notes:
        out += ["", "**Notes**", ""]
        out += [f"- {n}" for n in ind.notes]
    out.append("")
    return out


def render(catalog: Catalog) -> str:
    """The whole catalog page as Markdown."""
    out = [
        "<!-- Generated by docs/gen_catalog.py from smartindex.catalog.shandong; do not edit. -->",
        "",
        "# The catalog, row by row",
        "",
        f"**{catalog.title_zh}**  ",
        f"{catalog.title_en}",
        "",
        f"`smartindex.catalog.shandong.FIRST_BATCH`: {len(catalog)} indicators, "
        f"{len(catalog.inputs)} raw inputs. Source: `{catalog.source}`. "
        f"Four-star targets due: {catalog.four_star_due}.",
        "",
        "Every row below is generated from the catalog itself, so it cannot drift from the code. "
        "Formulas are written out (× for products, minimal parentheses) and as DSL text; "
        "targets quote the source sentence they encode. Percentages are shares: 80% is 0.8.",
        "",
    ]
    if catalog.notes:
        out += ["## Notes on the source", ""]
        out += [f"- {n}" for n in catalog.notes]
        out.append("")
    out += ["## Contents", ""]
    for table, indicators in catalog.by_table().items():
        links = ", ".join(f"[{i.name_en}](#{i.id})" for i in indicators)
        out.append(f"- **{table.name_zh} / {table.name_en}**: {links}")
    out.append("")
    number = 0
    for table, indicators in catalog.by_table().items():
        out += [f"## {table.name_zh} / {table.name_en}", ""]
        for ind in indicators:
            number += 1
            out += _indicator(number, ind)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with ``--check`` report whether the committed page is current."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    text = render(FIRST_BATCH)
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            print(f"{PAGE} is out of date: run python docs/gen_catalog.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
