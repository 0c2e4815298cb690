"""Rich display for notebooks: ``_repr_html_`` of indicators, catalogs and results."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from smartindex.thresholds import AllOf, MissingFromSource, Target

if TYPE_CHECKING:
    from smartindex.evaluate import EvaluationResult
    from smartindex.model import Catalog, Indicator

__all__ = ["catalog_html", "indicator_html", "result_html"]

_GRADE_COLOUR = {
    "five_star": "#1a7f37",
    "four_star": "#4d8fd6",
    "not_met": "#b35900",
    "unknown": "#777777",
    "invalid": "#b00020",
}


def _target(target: Target) -> str:
    if isinstance(target, AllOf):
        return "; ".join(escape(str(c)) for c in target.conditions)
    if isinstance(target, MissingFromSource):
        return "<em>missing from source</em>"
    return "<em>no target (/)</em>"


def indicator_html(ind: Indicator) -> str:
    """An indicator as a small HTML card: names, formula, targets, departments."""
    rows = [
        ("table", f"{escape(ind.table.name_zh)} ({ind.table.value})"),
        ("definition", escape(ind.definition_zh)),
        ("departments", escape("、".join(ind.departments_zh)) or "<em>missing from source</em>"),
        *(
            (f"<code>{escape(q.id)}</code>", f"<code>{escape(q.expr.render())}</code>")
            for q in ind.quantities
        ),
        ("four-star", _target(ind.four_star)),
        ("five-star", _target(ind.five_star)),
    ]
    body = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v}</td></tr>" for k, v in rows)
    title = f"<b>{escape(ind.name_zh)}</b> / {escape(ind.name_en)} <code>{escape(ind.id)}</code>"
    return f"<div>{title}<table>{body}</table></div>"


def catalog_html(catalog: Catalog) -> str:
    """A catalog as an HTML table, one row per indicator."""
    rows = "".join(
        f"<tr><td><code>{escape(i.id)}</code></td><td>{escape(i.table.value)}</td>"
        f"<td>{escape(i.name_zh)}</td><td>{escape(i.name_en)}</td>"
        f"<td>{_target(i.four_star)}</td><td>{_target(i.five_star)}</td></tr>"
        for i in catalog
    )
    head = "<tr><th>id</th><th>table</th><th>name</th><th>English</th><th>4★</th><th>5★</th></tr>"
    title = f"<p><b>{escape(catalog.title_zh)}</b> ({len(catalog)} indicators)</p>"
    return f"{title}<table>{head}{rows}</table>"


def result_html(result: EvaluationResult, max_rows: int = 20) -> str:
    """Grades as a coloured HTML grid (rows x indicators), the first ``max_rows`` rows."""
    head = (
        "<tr><th>label</th>" + "".join(f"<th>{escape(i.id)}</th>" for i in result.catalog) + "</tr>"
    )
    body = []
    for r in range(min(result.n_rows, max_rows)):
        cells = []
        for ind in result.catalog:
            grade = result.grade(ind.id, r)
            cells.append(f"<td style='color:{_GRADE_COLOUR[grade]}'>{grade}</td>")
        body.append(f"<tr><td>{escape(result.labels[r])}</td>{''.join(cells)}</tr>")
    more = f"<p>… {result.n_rows - max_rows} more rows</p>" if result.n_rows > max_rows else ""
    return f"<table>{head}{''.join(body)}</table>{more}"
