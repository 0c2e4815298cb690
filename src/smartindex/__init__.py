"""smartindex: smart-city indicator tables as checked code.

Indicators are immutable values built from a small DSL (``ratio``, ``weighted_mean``,
``growth``, counts, ranks, checklists, distances) with thresholds that keep the legal meaning of
their source wording, units carried by pint, and exact grading at every boundary.
"""

from __future__ import annotations

from smartindex._version import __version__
from smartindex.errors import (
    CatalogError,
    DimensionError,
    FileFormatError,
    GradeUndecidableError,
    InputError,
    SmartIndexError,
    UnitError,
)
from smartindex.expr import (
    Direction,
    Expr,
    Input,
    InputKind,
    amount,
    checklist,
    count,
    distance,
    growth,
    measured,
    rank,
    ratio,
    weighted_mean,
)
from smartindex.model import Catalog, Indicator, Quantity, Table
from smartindex.thresholds import (
    AllOf,
    Condition,
    Grade,
    MissingFromSource,
    NoTarget,
    Op,
    all_of,
    among_first,
    at_least,
    at_most,
    exactly_all,
    exceeds,
    less_than,
    missing_from_source,
    no_target,
    ranked_between,
    reaches,
)

__all__ = [
    "AllOf",
    "Catalog",
    "CatalogError",
    "Condition",
    "DimensionError",
    "Direction",
    "Expr",
    "FileFormatError",
    "Grade",
    "GradeUndecidableError",
    "Indicator",
    "Input",
    "InputError",
    "InputKind",
    "MissingFromSource",
    "NoTarget",
    "Op",
    "Quantity",
    "SmartIndexError",
    "Table",
    "UnitError",
    "__version__",
    "all_of",
    "among_first",
    "amount",
    "at_least",
    "at_most",
    "checklist",
    "count",
    "distance",
    "exactly_all",
    "exceeds",
    "growth",
    "less_than",
    "measured",
    "missing_from_source",
    "no_target",
    "rank",
    "ranked_between",
    "ratio",
    "reaches",
    "weighted_mean",
]
