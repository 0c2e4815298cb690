"""The catalog as plain data: the JSON export schema of DESIGN.md section 2, and back.

Formulas are written three ways: ``formula`` (plain arithmetic, sympy-readable), ``dsl`` (the
DSL text) and ``expression`` (a JSON tree). Loading reads the JSON tree; no text is evaluated.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from smartindex.expr import (
    BinOp,
    Const,
    Expr,
    Growth,
    Input,
    Ratio,
    WeightedMean,
    fraction_text,
)
from smartindex.model import Catalog, Indicator, Quantity
from smartindex.thresholds import AllOf, Condition, MissingFromSource, NoTarget, Target

__all__ = ["catalog_to_dict", "expr_to_dict", "indicator_to_dict", "number_out"]

SCHEMA_VERSION = 1


def number_out(value: Fraction | None) -> int | float | None:
    """A JSON number for an exact value (int when whole)."""
    if value is None:
        return None
    return value.numerator if value.denominator == 1 else float(value)


def expr_to_dict(expr: Expr) -> dict[str, Any]:
    """A JSON tree of an expression (inputs by id)."""
    if isinstance(expr, Input):
        return {"input": expr.id}
    if isinstance(expr, Const):
        return {"const": fraction_text(expr.value)}
    if isinstance(expr, Ratio):
        out: dict[str, Any] = {
            "ratio": [expr_to_dict(expr.numerator), expr_to_dict(expr.denominator)]
        }
        if expr.unit_override is not None:
            out["unit"] = expr.unit_override
        return out
    if isinstance(expr, Growth):
        return {"growth": [expr_to_dict(expr.current), expr_to_dict(expr.previous)]}
    if isinstance(expr, WeightedMean):
        return {
            "weighted_mean": [
                {"weight": fraction_text(w), "term": expr_to_dict(t)} for t, w in expr.terms
            ]
        }
    if isinstance(expr, BinOp):
        return {"op": expr.op, "args": [expr_to_dict(expr.left), expr_to_dict(expr.right)]}
    raise TypeError(f"cannot serialise {type(expr).__name__}")


def input_to_dict(inp: Input) -> dict[str, Any]:
    """An input with everything the checks need (kind, bounds, part-of-whole)."""
    bounds = inp.bounds
    out: dict[str, Any] = {
        "id": inp.id,
        "unit": inp.unit,
        "description": inp.description,
        "kind": inp.kind.value,
        "integer": inp.integral,
        "direction": inp.direction.value,
        "min": number_out(bounds.low),
        "max": number_out(bounds.high),
    }
    if inp.at_most is not None:
        out["at_most"] = inp.at_most.id
    if inp.rank_of is not None:
        out["of"] = inp.rank_of
    if inp.items:
        out["items"] = list(inp.items)
    return out


def condition_to_dict(cond: Condition) -> dict[str, Any]:
    """One condition of the export schema, with the exact value as text too."""
    out: dict[str, Any] = {
        "quantity": cond.quantity,
        "op": cond.op.value,
        "value": number_out(cond.value),
        "value_exact": fraction_text(cond.value),
        "unit": cond.unit,
        "source_zh": cond.source_zh,
    }
    if cond.band_low is not None:
        out["band_low"] = number_out(cond.band_low)
    return out


def target_to_dict(target: Target) -> dict[str, Any]:
    """A GRADE object of the export schema."""
    if isinstance(target, NoTarget):
        return {"no_target": True, "source_zh": target.source_zh}
    if isinstance(target, MissingFromSource):
        return {"missing_from_source": True, "note": target.note}
    assert isinstance(target, AllOf)
    return {"conditions": [condition_to_dict(c) for c in target.conditions]}


def quantity_to_dict(q: Quantity) -> dict[str, Any]:
    """A quantity with its formula as plain text, DSL text and JSON tree."""
    bounds = q.expr.bounds
    return {
        "id": q.id,
        "unit": q.unit,
        "name_en": q.name_en,
        "formula": q.expr.formula(),
        "dsl": q.expr.render(),
        "expression": expr_to_dict(q.expr),
        "direction": q.direction.value,
        "min": number_out(bounds.low),
        "max": number_out(bounds.high),
    }


def indicator_to_dict(ind: Indicator) -> dict[str, Any]:
    """One indicator of the export schema."""
    return {
        "id": ind.id,
        "table": ind.table.value,
        "table_zh": ind.table.name_zh,
        "name_zh": ind.name_zh,
        "name_en": ind.name_en,
        "definition_zh": ind.definition_zh,
        "departments_zh": list(ind.departments_zh),
        "inputs": [input_to_dict(i) for i in ind.inputs],
        "quantities": [quantity_to_dict(q) for q in ind.quantities],
        "grades": {
            "four_star": target_to_dict(ind.four_star),
            "five_star": target_to_dict(ind.five_star),
        },
        "notes": list(ind.notes),
    }


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    """The whole catalog in the export schema."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": catalog.id,
        "title_zh": catalog.title_zh,
        "title_en": catalog.title_en,
        "four_star_due": catalog.four_star_due,
        "source": catalog.source,
        "notes": list(catalog.notes),
        "indicators": [indicator_to_dict(i) for i in catalog],
    }
