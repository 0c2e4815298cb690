"""Plain-text, Markdown, CSV and JSON renderings of evaluation results."""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from smartindex.expr import Input, InputKind
from smartindex.model import Quantity, Table

if TYPE_CHECKING:
    from smartindex.evaluate import EvaluationResult
    from smartindex.model import Catalog, Indicator

__all__ = ["FORMATS", "demo_text", "format_evaluation", "render_table", "shown_value"]

FORMATS = ("table", "json", "csv", "markdown")
GRADE_LABEL = {
    "five_star": "★★★★★",
    "four_star": "★★★★",
    "not_met": "not met",
    "unknown": "unknown",
    "invalid": "invalid",
}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A fixed-width text table that lines up Chinese (double-width) text too."""
    widths = [_width(h) for h in header]
    for row in rows:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)).rstrip(), line]
    out += [
        "  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(out)


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _value(x: float) -> str:
    if not math.isfinite(x):
        return "-"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


#: Units shown after the number; counting units (households, cameras, ...) are shown bare.
_SHOWN_UNITS = {
    "Mbit/s": "Mbit/s",
    "km": "km",
    "invention_patent / ten_thousand_people": "per 10k people",
}


def shown_value(quantity: Quantity, x: float) -> str:
    """A quantity value as people read it: shares in percent, ranks as #n, units where useful."""
    if not math.isfinite(x):
        return "-"
    if isinstance(quantity.expr, Input) and quantity.expr.kind is InputKind.RANK:
        return f"#{_value(x)}"
    if quantity.unit == "dimensionless":
        return f"{x * 100:.4g}%"
    unit = _SHOWN_UNITS.get(quantity.unit)
    return f"{_value(x)} {unit}" if unit else _value(x)


def _name(ind: Indicator, lang: str) -> str:
    return ind.name_zh if lang == "zh" else ind.name_en


def _rows(result: EvaluationResult, lang: str) -> list[list[str]]:
    rows = []
    for ind in result.catalog:
        res = result.results[ind.id]
        for i, label in enumerate(result.labels):
            grade = result.grade(ind.id, i)
            values = (
                "; ".join(
                    f"{q.id}={shown_value(q, float(res.quantities[q.id][i]))}"
                    for q in ind.quantities
                )
                if grade != "invalid"
                else "; ".join(res.errors.get(i, []))
            )
            if grade == "four_star" and result.five_star_status(ind.id, i) == "unknown":
                grade = "four_star (five: unknown)"
            rows.append([label, ind.table.value, ind.id, _name(ind, lang), values, grade])
    return rows


def format_evaluation(result: EvaluationResult, fmt: str = "table", *, lang: str = "en") -> str:
    """Render an evaluation as ``table``, ``json``, ``csv`` or ``markdown``."""
    if fmt == "json":
        return result.to_json()
    header = ["label", "table", "indicator", "name", "quantities", "grade"]
    rows = _rows(result, lang)
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    if fmt == "markdown":
        return _markdown(header, rows)
    if fmt == "table":
        return render_table(header, rows)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def demo_text(result: EvaluationResult, catalog: Catalog, *, lang: str = "en") -> str:
    """Every indicator's value, unit and grade per city, grouped by table, with per-table counts."""
    parts: list[str] = [f"{catalog.title_zh}", f"{catalog.title_en}", ""]
    for table, indicators in catalog.by_table().items():
        parts.append(f"== {table.name_zh} / {table.name_en} ==")
        header = ["indicator", *(_short(lab) for lab in result.labels)]
        rows = []
        for ind in indicators:
            res = result.results[ind.id]
            cells = [_name(ind, lang)]
            for i in range(result.n_rows):
                grade = result.grade(ind.id, i)
                shown = ", ".join(
                    shown_value(q, float(res.quantities[q.id][i])) for q in ind.quantities
                )
                label = GRADE_LABEL[grade]
                if grade == "four_star" and result.five_star_status(ind.id, i) == "unknown":
                    label += " (5★ unknown)"
                cells.append(f"{shown}  {label}" if grade != "invalid" else "invalid")
            rows.append(cells)
        parts.append(render_table(header, rows))
        parts.append("")
    parts.append("== Counts per table (five-star / four-star / not met) ==")
    header = ["table", *(_short(lab) for lab in result.labels)]
    views = [result.overview(i) for i in range(result.n_rows)]  # counts once per row
    rows = []
    for key in [t.value for t in catalog.by_table()] + ["total"]:
        name = Table(key).name_en if key != "total" else "Total"
        cells = [name]
        for view in views:
            c = view.counts.get(key, {})
            cells.append(
                f"{c.get('five_star', 0)} / {c.get('four_star', 0)} / {c.get('not_met', 0)}"
            )
        rows.append(cells)
    parts.append(render_table(header, rows))
    parts += ["", "== Overall (the source defines no overall rating; two named readings) =="]
    rows = []
    for reading, label in (("every_indicator", "every indicator"), ("share", "at least 80%")):
        for grade in ("four_star", "five_star"):
            cells = [f"{label} reaches {grade.replace('_', '-')}"]
            for view in views:
                answer = view.reaches(grade, rule=reading, share="80%")
                cells.append({True: "yes", False: "no", None: "unknown"}[answer])
            rows.append(cells)
    parts.append(render_table(["reading", *(_short(lab) for lab in result.labels)], rows))
    return "\n".join(parts)


def _short(label: str) -> str:
    return label.split(" (", maxsplit=1)[0]
