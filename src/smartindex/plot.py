"""Plots for what-if studies: a grade heat map, a gap chart per department, a threshold plot.

matplotlib is optional (``pip install "smartindex[plot]"``) and imported only when a plot is
drawn. Every function returns a ``matplotlib.figure.Figure`` built without pyplot, so it works
headless (Agg) and in notebooks alike; save it with ``fig.savefig("grades.png")``.
Chinese department names need a CJK font (Noto Sans CJK, WenQuanYi, SimHei, ...) to render;
pass ``labels=`` to use other names.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from smartindex.evaluate import CODE_NAMES, EvaluationResult
from smartindex.thresholds import AllOf, Grade

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from smartindex.whatif import Gap, GapReport, ScenarioResult

__all__ = ["gap_chart", "grade_heatmap", "has_cjk_font", "threshold_plot"]

#: Colours per grade code (-2 invalid .. 2 five-star), the same as the HTML display.
COLOURS = ("#b00020", "#777777", "#b35900", "#4d8fd6", "#1a7f37")
CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "DejaVu Sans"]


@contextlib.contextmanager
def _style() -> Iterator[None]:
    """A CJK-capable font list, and no warning storm where no CJK font is installed."""
    import matplotlib as mpl

    fonts: dict[Any, Any] = {"font.sans-serif": CJK_FONTS, "font.family": "sans-serif"}
    with mpl.rc_context(fonts), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"(?i).*glyph.*missing")
        warnings.filterwarnings("ignore", message=r"(?i).*findfont.*")
        yield


def has_cjk_font() -> bool:
    """Whether matplotlib can find a font with Chinese glyphs (see ``CJK_FONTS``)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return any(n in names for n in CJK_FONTS[:-1]) or any("CJK" in n for n in names)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def grade_heatmap(
    result: EvaluationResult | ScenarioResult, *, max_rows: int = 60, title: str = ""
) -> Figure:
    """Rows (cities or scenarios) x indicators, coloured by grade; the first ``max_rows`` rows."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    res = result if isinstance(result, EvaluationResult) else result.result
    ids = [ind.id for ind in res.catalog]
    n = min(res.n_rows, max_rows)
    codes = np.array([res.codes(i)[:n] for i in ids], dtype=float).T  # rows x indicators
    cmap = ListedColormap(COLOURS)
    norm = BoundaryNorm(np.arange(-2.5, 3.5), cmap.N)
    with _style():
        fig = _figure(max(6.0, 0.28 * len(ids) + 3), max(2.5, 0.3 * n + 2))
        ax = fig.add_subplot()
        image = ax.imshow(codes, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
        ax.set_xticks(range(len(ids)), ids, rotation=90, fontsize=7)
        ax.set_yticks(range(n), [str(x)[:40] for x in res.labels[:n]], fontsize=7)
        bar = fig.colorbar(image, ax=ax, ticks=range(-2, 3), shrink=0.8)
        bar.ax.set_yticklabels([CODE_NAMES[c] for c in range(-2, 3)], fontsize=7)
        ax.set_title(title or f"Grades: {n} rows x {len(ids)} indicators")
    return fig


def gap_chart(
    report: GapReport, *, labels: Mapping[str, str] | None = None, title: str = ""
) -> Figure:
    """Per department: how many indicator gaps it must close, by target grade and kind.

    Bars are stacked: reachable by one input's change, to four and to five stars; needing several
    inputs; and undecidable (the source lost the target). Departments are labelled with their
    Chinese names, or ``labels[name]``; without a CJK font they become ``D01``, ``D02``, ... and
    ``fig.smartindex_labels`` maps each name to its code.
    """
    depts = report.by_department()
    names = list(depts)
    kinds: dict[str, Callable[[Gap], bool]] = {
        "to four stars (one input)": lambda g: g.target == "four_star" and bool(g.changes),
        "to five stars (one input)": lambda g: g.target == "five_star" and bool(g.changes),
        "needs several inputs": lambda g: g.status == "open" and not g.changes,
        "cannot be decided": lambda g: g.status != "open",
    }
    colours = ("#b35900", "#4d8fd6", "#7a3db8", "#777777")
    with _style():
        fig = _figure(8.0, max(2.5, 0.35 * len(names) + 1.5))
        ax = fig.add_subplot()
        left = np.zeros(len(names))
        for (kind, pick), colour in zip(kinds.items(), colours, strict=True):
            widths = np.array([float(sum(pick(g) for g in depts[d])) for d in names])
            ax.barh(range(len(names)), widths, left=left, color=colour, label=kind)
            left += widths
        if labels is None and not has_cjk_font():  # Chinese would draw as empty boxes
            labels = {d: f"D{i:02d}" for i, d in enumerate(names, start=1)}
        fig.smartindex_labels = dict(labels or {})  # type: ignore[attr-defined]
        shown = [(labels or {}).get(d, d) for d in names]
        ax.set_yticks(range(len(names)), shown, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("indicator gaps (rows x indicators x target)")
        ax.legend(fontsize=7, loc="lower right")
        ax.set_title(title or "What each department must deliver")
    return fig


def _threshold_lines(result: EvaluationResult, indicator_id: str, quantity_id: str) -> list[Any]:
    from smartindex.units import conversion_factor

    ind = result.catalog[indicator_id]
    unit = ind.quantity(quantity_id).unit
    lines = []
    for grade in (Grade.FOUR_STAR, Grade.FIVE_STAR):
        target = ind.target(grade)
        if isinstance(target, AllOf):
            for c in target.conditions:
                if c.quantity == quantity_id:
                    value = float(c.value * conversion_factor(c.unit, unit))
                    lines.append((grade, c.op.value, value))
    return lines


def threshold_plot(
    result: EvaluationResult | ScenarioResult,
    indicator_id: str,
    quantity_id: str | None = None,
    *,
    x: str | Sequence[float] | None = None,
    title: str = "",
) -> Figure:
    """A quantity against its four- and five-star lines.

    With ``x`` (a varied input's id of a scenario result, or values) the quantity is drawn as a
    line over ``x``; otherwise as one bar per row (city), coloured by grade.
    """
    res = result if isinstance(result, EvaluationResult) else result.result
    ind = res.catalog[indicator_id]
    qid = quantity_id or ind.quantities[0].id
    values = res.quantities(indicator_id)[qid]
    codes = res.codes(indicator_id)
    unit = ind.quantity(qid).unit
    xs: Any = None
    if isinstance(x, str):
        if isinstance(result, EvaluationResult):
            raise ValueError("x as an input id needs a ScenarioResult")
        xs = np.asarray(result.varied[x], dtype=float)
    elif x is not None:
        xs = np.asarray(x, dtype=float)
    with _style():
        fig = _figure(7.0, 4.0)
        ax = fig.add_subplot()
        if xs is not None:
            order = np.argsort(xs, kind="stable")
            ax.plot(xs[order], values[order], color="#333333", lw=1.5, label=qid)
            ax.scatter(xs, values, c=[COLOURS[int(c) + 2] for c in codes], s=14, zorder=3)
            ax.set_xlabel(x if isinstance(x, str) else "x")
        else:
            n = len(values)
            ax.bar(range(n), values, color=[COLOURS[int(c) + 2] for c in codes])
            ax.set_xticks(range(n), [str(s)[:20] for s in res.labels], rotation=45, fontsize=7)
        for grade, op, value in _threshold_lines(res, indicator_id, qid):
            colour = COLOURS[grade.rank + 2]
            ax.axhline(value, color=colour, ls="--", lw=1.2, label=f"{grade.value}: {op} {value:g}")
        ax.set_ylabel(qid if unit == "dimensionless" else f"{qid} [{unit}]")
        ax.legend(fontsize=7)
        ax.set_title(title or f"{indicator_id}: {qid} against its thresholds")
    return fig
