"""Evaluation beyond one machine's memory: a ``dask.dataframe``, graded partition by partition.

Grading is a pure function of a row's columns, so each partition is graded on its own with
``Catalog.evaluate`` and the results line up with the input rows; nothing crosses partitions.
dask is an optional extra (``pip install "smartindex[dask]"``) and is imported only here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from smartindex.model import Catalog

__all__ = ["evaluate", "evaluate_partition"]


def evaluate_partition(part: pd.DataFrame, catalog: Catalog, *, grades_only: bool) -> pd.DataFrame:
    """Grade one pandas partition: ``Catalog.evaluate(part).to_frame()`` on the part's index.

    Rows without a label column are labelled by their index, which dask keeps global, so a
    row's label is the same as when the whole frame is graded in memory.
    """
    frame = catalog.evaluate(part).to_frame()
    frame.index = part.index
    if grades_only:
        keep = ["label", *(f"{ind.id}.grade" for ind in catalog)]
        frame = frame[keep]
    return frame


def evaluate(catalog: Catalog, frame: Any, *, grades_only: bool = False) -> Any:
    """Grade every row of a ``dask.dataframe.DataFrame``; returns a lazy dask DataFrame.

    The result has the columns of ``EvaluationResult.to_frame()`` (``label``,
    ``<indicator>.<quantity>``, ``<indicator>.grade``), or only the label and grades with
    ``grades_only=True``, on the input's index. Call ``.compute()`` (or write it out with
    ``.to_parquet``) to run it on any dask scheduler.
    """
    try:
        import dask.dataframe as dd
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise ImportError('smartindex.dask needs dask: pip install "smartindex[dask]"') from exc
    if not isinstance(frame, dd.DataFrame):
        raise TypeError(f"expected a dask.dataframe.DataFrame, got {type(frame).__name__}")
    meta = evaluate_partition(frame._meta, catalog, grades_only=grades_only)
    return frame.map_partitions(  # type: ignore[no-untyped-call]  # dask leaves it untyped
        evaluate_partition, catalog, grades_only=grades_only, meta=meta, align_dataframes=False
    )
