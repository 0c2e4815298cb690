"""City reports as one self-contained HTML file or one Markdown file.

A report shows, per city (row), every indicator's grade grouped by table, the per-table counts,
the responsibility matrix (department -> indicators) with each department's open gaps, and the
plots of ``smartindex.plot`` as embedded base64 PNGs when matplotlib is installed. Nothing is
fetched: no scripts, fonts or stylesheets from the network, so the file opens the same anywhere.
Grade colours are those of ``smartindex.plot`` and ``smartindex.display``.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from smartindex._version import __version__
from smartindex.errors import SmartIndexError
from smartindex.model import Table
from smartindex.report import GRADE_LABEL, shown_value
from smartindex.thresholds import AllOf

if TYPE_CHECKING:
    from smartindex.evaluate import EvaluationResult
    from smartindex.model import Catalog, Indicator
    from smartindex.whatif import GapReport

__all__ = [
    "Gap",
    "check_report_path",
    "department_gaps",
    "grade_heatmap_png",
    "markdown_table",
    "render_html",
    "render_markdown",
    "report_plots",
    "responsibility_matrix",
    "whatif_gaps",
    "write_report",
]

_NO_DEPARTMENT = "(missing from source)"


@attrs.frozen
class Gap:
    """One open gap: a row's indicator below five stars and what its next grade needs."""

    row: int
    indicator: str
    grade: str
    target: str
    needs: tuple[str, ...]  # "open_data_rate 90.91% -> >= 100%", or the errors of an invalid row
    changes: tuple[str, ...] = ()  # smallest one-input changes that alone reach ``target``


#: Up to this many rows, open gaps also list the exact one-input changes (``whatif.gap``).
MAX_CHANGE_ROWS = 200
#: At most this many one-input changes are shown per gap (those moving an input the way it is
#: better come first: more of a part rather than a smaller whole).
SHOWN_CHANGES = 3


def _name(ind: Indicator, lang: str) -> str:
    return ind.name_zh if lang == "zh" else ind.name_en


def _grade_text(result: EvaluationResult, ind_id: str, row: int) -> str:
    grade = result.grade(ind_id, row)
    label = GRADE_LABEL[grade]
    if grade == "four_star" and result.five_star_status(ind_id, row) == "unknown":
        label += " (5★ unknown)"
    return label


def _values_text(result: EvaluationResult, ind: Indicator, row: int) -> str:
    if result.grade(ind.id, row) == "invalid":
        return "; ".join(result.errors(ind.id, row))
    res = result.results[ind.id]
    return ", ".join(shown_value(q, float(res.quantities[q.id][row])) for q in ind.quantities)


def responsibility_matrix(catalog: Catalog) -> dict[str, list[tuple[Indicator, tuple[str, ...]]]]:
    """Department -> (indicator, the other departments answering for it jointly), source order.

    Rows whose departments the source lost are listed under ``(missing from source)``.
    """
    out: dict[str, list[tuple[Indicator, tuple[str, ...]]]] = {}
    for ind in catalog:
        depts = ind.departments_zh or (_NO_DEPARTMENT,)
        for dept in depts:
            others = tuple(d for d in ind.departments_zh if d != dept)
            out.setdefault(dept, []).append((ind, others))
    return out


def _gap(result: EvaluationResult, ind: Indicator, row: int) -> Gap | None:
    grade = result.grade(ind.id, row)
    if grade == "invalid":
        return Gap(row, ind.id, grade, "valid inputs", tuple(result.errors(ind.id, row)))
    if grade in ("five_star", "unknown"):
        return None
    if grade == "four_star" and result.five_star_status(ind.id, row) == "unknown":
        return None
    target_name = "four_star" if grade == "not_met" else "five_star"
    target = ind.four_star if grade == "not_met" else ind.five_star
    res = result.results[ind.id]
    needs: list[str] = []
    ops: dict[str, str] = {}
    if isinstance(target, AllOf):
        ops = {c.quantity: f"{c.op.value} " for c in target.conditions}
    for qid, gaps in res.gaps.items():
        g = float(gaps[row])
        if not math.isfinite(g):
            continue
        q = ind.quantity(qid)
        x = float(res.quantities[qid][row])
        needs.append(f"{qid} {shown_value(q, x)} -> {ops.get(qid, '')}{shown_value(q, x + g)}")
    return Gap(row, ind.id, grade, target_name, tuple(needs))


def whatif_gaps(result: EvaluationResult, data: Any) -> GapReport | None:
    """The exact one-input gaps of ``data`` (``whatif.gap``), or ``None`` beyond the row limit."""
    if data is None or result.n_rows > MAX_CHANGE_ROWS:
        return None
    from smartindex.whatif import gap

    return gap(result.catalog, data)


def _input_changes(report: GapReport | None) -> dict[tuple[int, str, str], tuple[str, ...]]:
    """(row, indicator, target) -> the smallest one-input changes that reach the target."""
    out: dict[tuple[int, str, str], tuple[str, ...]] = {}
    for g in report or ():
        if g.status != "open":
            continue
        ranked = sorted(g.changes, key=lambda c: (not c.with_direction, c.relative))
        out[g.row, g.indicator.id, g.target] = tuple(str(c) for c in ranked[:SHOWN_CHANGES])
    return out


def department_gaps(
    result: EvaluationResult, data: Any = None, *, gap_report: GapReport | None = None
) -> dict[str, list[Gap]]:
    """Department -> open gaps over every row: each indicator below five stars it answers for.

    An indicator answered for jointly appears under every one of its departments; a row whose
    five-star target the source lost has no open gap once it meets four stars. Given the raw
    ``data`` the result came from (up to ``MAX_CHANGE_ROWS`` rows), each gap also lists the
    smallest change of single inputs that reaches the next grade, solved exactly (pass
    ``gap_report`` instead when it is already computed).
    """
    changes = _input_changes(gap_report if gap_report is not None else whatif_gaps(result, data))
    out: dict[str, list[Gap]] = {}
    for dept, entries in responsibility_matrix(result.catalog).items():
        gaps = out.setdefault(dept, [])
        for row in range(result.n_rows):
            for ind, _others in entries:
                gap = _gap(result, ind, row)
                if gap is not None:
                    key = (row, ind.id, gap.target)
                    gaps.append(attrs.evolve(gap, changes=changes.get(key, ())))
    return out


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def grade_heatmap_png(result: EvaluationResult, *, max_rows: int = 40) -> bytes | None:
    """The grade heat map of ``smartindex.plot`` as PNG bytes, or ``None`` without matplotlib.

    Only the first ``max_rows`` rows are drawn, so a large scenario file stays readable.
    """
    if not _has_matplotlib():
        return None
    from smartindex.plot import grade_heatmap

    return _png(grade_heatmap(result, max_rows=max_rows))


def report_plots(
    result: EvaluationResult, gap_report: GapReport | None = None
) -> list[tuple[str, bytes, dict[str, str]]]:
    """(title, PNG, label legend) of each plot: the heat map, and the gap chart given gaps.

    The legend maps the codes a plot drew in place of Chinese names (no CJK font) to the names.
    """
    heatmap = grade_heatmap_png(result)
    if heatmap is None:
        return []
    plots: list[tuple[str, bytes, dict[str, str]]] = [("Grade heat map", heatmap, {})]
    if gap_report is not None and len(gap_report):
        from smartindex.plot import gap_chart

        fig = gap_chart(gap_report)
        legend = dict(getattr(fig, "smartindex_labels", {}))
        plots.append(("Open gaps per department", _png(fig), {v: k for k, v in legend.items()}))
    return plots


def _png_data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --- HTML ---------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Noto Sans",sans-serif;
margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1f2328;line-height:1.4}
h1{font-size:1.6rem}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}code{font-size:.85em}
.grade{font-weight:600;white-space:nowrap;color:#fff;border-radius:3px;padding:0 .35rem}
.five_star{background:#1a7f37}.four_star{background:#4d8fd6}.not_met{background:#b35900}
.unknown{background:#777777}.invalid{background:#b00020}
.joint{color:#57606a;font-size:.85em}.muted{color:#57606a}
nav ul{columns:2}img{max-width:100%}
"""


def _h(text: str) -> str:
    return escape(text, quote=True)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table whose cells are already HTML."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _grade_badge(result: EvaluationResult, ind_id: str, row: int) -> str:
    grade = result.grade(ind_id, row)
    return f'<span class="grade {grade}">{_h(_grade_text(result, ind_id, row))}</span>'


def _counts_rows(result: EvaluationResult) -> list[list[str]]:
    rows = []
    tables = [t.value for t in result.catalog.by_table()]
    counts = [result.counts(r) for r in range(result.n_rows)]
    for key in [*tables, "total"]:
        name = Table(key).name_en if key != "total" else "Total"
        cells = [name]
        for r in range(result.n_rows):
            c = counts[r].get(key, {})
            cells.append(
                f"{c.get('five_star', 0)} / {c.get('four_star', 0)} / {c.get('not_met', 0)}"
            )
        rows.append(cells)
    return rows


def render_html(
    result: EvaluationResult, *, lang: str = "en", plots: bool = True, data: Any = None
) -> str:
    """The report as one self-contained HTML page (inline CSS, images as data URIs).

    Pass the raw ``data`` the result came from to list one-input changes with each open gap.
    """
    catalog = result.catalog
    title = f"{catalog.title_en or catalog.title_zh} — report"
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_h(catalog.title_zh)}</h1>",
        f"<p>{_h(catalog.title_en)}. {result.n_rows} row(s), {len(catalog)} indicator(s). "
        f'<span class="muted">smartindex {_h(__version__)}</span></p>',
        "<nav><ul>",
        *(f'<li><a href="#row-{r}">{_h(label)}</a></li>' for r, label in enumerate(result.labels)),
        '<li><a href="#counts">Counts per table</a></li>',
        '<li><a href="#departments">Responsibility matrix and open gaps</a></li>',
        "</ul></nav>",
        '<h2 id="counts">Counts per table (five-star / four-star / not met)</h2>',
        _html_table(
            ["table", *map(_h, result.labels)], [list(map(_h, r)) for r in _counts_rows(result)]
        ),
    ]
    gap_report = whatif_gaps(result, data)
    for title, png, legend in report_plots(result, gap_report) if plots else []:
        out += [f"<h2>{_h(title)}</h2>", f'<img alt="{_h(title)}" src="{_png_data_uri(png)}">']
        if legend:
            out.append(
                '<p class="muted">'
                + "; ".join(f"{_h(code)}: {_h(name)}" for code, name in legend.items())
                + "</p>"
            )
    for r, label in enumerate(result.labels):
        out.append(f'<h2 id="row-{r}">{_h(label)}</h2>')
        for table, indicators in catalog.by_table().items():
            out.append(f"<h3>{_h(table.name_zh)} / {_h(table.name_en)}</h3>")
            rows = [
                [
                    f"<code>{_h(ind.id)}</code>",
                    _h(_name(ind, lang)),
                    _h(_values_text(result, ind, r)),
                    _grade_badge(result, ind.id, r),
                ]
                for ind in indicators
            ]
            out.append(_html_table(["id", "indicator", "value", "grade"], rows))
    out.append('<h2 id="departments">Responsibility matrix and open gaps</h2>')
    out.append(
        "<p>Each department with the indicators it answers for (jointly with the departments "
        "named), and every open gap: an indicator below five stars in a row, with what the "
        "next grade needs.</p>"
    )
    gaps = department_gaps(result, gap_report=gap_report)
    for dept, entries in responsibility_matrix(catalog).items():
        out.append(f"<h3>{_h(dept)}</h3><ul>")
        for ind, others in entries:
            joint = (
                f' <span class="joint">jointly with {_h("、".join(others))}</span>'
                if others
                else ""
            )
            out.append(f"<li><code>{_h(ind.id)}</code> {_h(_name(ind, lang))}{joint}</li>")
        out.append("</ul>")
        dept_gaps = gaps.get(dept, [])
        if not dept_gaps:
            out.append('<p class="muted">No open gaps.</p>')
            continue
        rows = [
            [
                _h(result.labels[g.row]),
                f"<code>{_h(g.indicator)}</code>",
                f'<span class="grade {g.grade}">{_h(GRADE_LABEL[g.grade])}</span>',
                _h(GRADE_LABEL.get(g.target, g.target)),
                "<br>".join(_h(n) for n in g.needs) or '<span class="muted">-</span>',
                "<br>".join(_h(c) for c in g.changes) or '<span class="muted">-</span>',
            ]
            for g in dept_gaps
        ]
        header = ["row", "indicator", "grade", "next", "needs", "or one input alone"]
        out.append(_html_table(header, rows))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- Markdown -----------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; ``|`` in cells is escaped."""
    out = ["| " + " | ".join(map(_md_cell, header)) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(map(_md_cell, row)) + " |" for row in rows]
    return "\n".join(out)


def render_markdown(
    result: EvaluationResult, *, lang: str = "en", plots: bool = True, data: Any = None
) -> str:
    """The report as Markdown; the heat map is embedded as a data-URI image when drawn."""
    catalog = result.catalog
    out: list[str] = [
        f"# {catalog.title_zh}",
        "",
        f"{catalog.title_en}. {result.n_rows} row(s), {len(catalog)} indicator(s). "
        f"smartindex {__version__}.",
        "",
        "## Counts per table (five-star / four-star / not met)",
        "",
        markdown_table(["table", *result.labels], _counts_rows(result)),
        "",
    ]
    gap_report = whatif_gaps(result, data)
    for title, png, legend in report_plots(result, gap_report) if plots else []:
        out += [f"## {title}", "", f"![{title}]({_png_data_uri(png)})", ""]
        if legend:
            out += ["; ".join(f"{code}: {name}" for code, name in legend.items()), ""]
    for r, label in enumerate(result.labels):
        out += [f"## {label}", ""]
        for table, indicators in catalog.by_table().items():
            out += [f"### {table.name_zh} / {table.name_en}", ""]
            rows = [
                [
                    f"`{ind.id}`",
                    _name(ind, lang),
                    _values_text(result, ind, r),
                    _grade_text(result, ind.id, r),
                ]
                for ind in indicators
            ]
            out += [markdown_table(["id", "indicator", "value", "grade"], rows), ""]
    out += ["## Responsibility matrix and open gaps", ""]
    gaps = department_gaps(result, gap_report=gap_report)
    for dept, entries in responsibility_matrix(catalog).items():
        out += [f"### {dept}", ""]
        for ind, others in entries:
            joint = f" (jointly with {'、'.join(others)})" if others else ""
            out.append(f"- `{ind.id}` {_name(ind, lang)}{joint}")
        out.append("")
        dept_gaps = gaps.get(dept, [])
        if not dept_gaps:
            out += ["No open gaps.", ""]
            continue
        rows = [
            [
                result.labels[g.row],
                f"`{g.indicator}`",
                GRADE_LABEL[g.grade],
                GRADE_LABEL.get(g.target, g.target),
                "; ".join(g.needs) or "-",
                "; ".join(g.changes) or "-",
            ]
            for g in dept_gaps
        ]
        header = ["row", "indicator", "grade", "next", "needs", "or one input alone"]
        out += [markdown_table(header, rows), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def check_report_path(path: str | Path) -> Path:
    """The report path, if its suffix names a format (``.html``, ``.htm``, ``.md``)."""
    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm", ".md", ".markdown"):
        raise SmartIndexError(f"{p}: cannot tell the report format; name it .html or .md")
    return p


def write_report(
    result: EvaluationResult,
    path: str | Path,
    *,
    lang: str = "en",
    plots: bool = True,
    data: Any = None,
) -> Path:
    """Write the report to ``path``; ``.html``/``.htm`` gives HTML, ``.md`` Markdown.

    ``data``, the raw inputs the result came from, adds one-input changes to the open gaps.
    """
    p = check_report_path(path)
    if p.suffix.lower() in (".html", ".htm"):
        text = render_html(result, lang=lang, plots=plots, data=data)
    else:
        text = render_markdown(result, lang=lang, plots=plots, data=data)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SmartIndexError(f"{p}: cannot write: {exc.strerror or exc}") from None
    return p
