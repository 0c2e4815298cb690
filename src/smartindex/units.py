"""The package's single pint registry, and exact unit conversion at the edge.

pint is imported lazily: evaluating plain numbers in declared units never needs it, so
``import smartindex`` stays fast. Conversion factors are returned as exact fractions so that a
value exactly at a threshold stays exactly at it after conversion (DESIGN.md section 1).
"""

from __future__ import annotations

import functools
from fractions import Fraction
from importlib import resources
from typing import Any

from smartindex.errors import DimensionError, UnitError

__all__ = ["conversion_factor", "dimensionality", "get_registry", "is_quantity", "split_quantity"]

DIMENSIONLESS = "dimensionless"


@functools.cache
def get_registry() -> Any:
    """Return the one registry smartindex uses, built on first use from ``units.txt``."""
    import pint

    registry: Any = pint.UnitRegistry(cache_folder=None)
    text = resources.files("smartindex").joinpath("units.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            registry.define(line)
    return registry


def is_quantity(value: object) -> bool:
    """Tell whether ``value`` is a pint quantity from any registry, without importing pint."""
    return hasattr(value, "magnitude") and hasattr(value, "units") and hasattr(value, "to")


def _parse_unit(unit: str) -> Any:
    registry = get_registry()
    try:
        return registry.parse_units(unit)
    except Exception as exc:  # pint raises several unrelated types for unparsable text
        raise UnitError(f"unknown unit {unit!r}: {exc}") from None


def dimensionality(unit: str) -> str:
    """Return the dimensionality of ``unit`` as text (``'[length]'``, ``'dimensionless'``)."""
    dims = _parse_unit(unit).dimensionality
    return str(dims) if dims else DIMENSIONLESS


def _exact(factor: float) -> Fraction:
    """Turn a float conversion factor into the small rational it stands for."""
    exact = Fraction(repr(factor))
    close = exact.limit_denominator(10**9)
    if close != exact and abs(close - exact) <= abs(exact) * Fraction(1, 10**14):
        return close
    return exact


@functools.cache
def conversion_factor(from_unit: str, to_unit: str) -> Fraction:
    """Exact factor ``f`` with ``value [from_unit] == value * f [to_unit]``.

    Raises:
        DimensionError: the units measure different things (km for a speed).
        UnitError: a unit is unknown or the conversion is not a plain factor.

    """
    if from_unit == to_unit:
        return Fraction(1)
    src, dst = _parse_unit(from_unit), _parse_unit(to_unit)
    if src.dimensionality != dst.dimensionality:
        got = str(src.dimensionality) or DIMENSIONLESS
        want = str(dst.dimensionality) or DIMENSIONLESS
        raise DimensionError(
            f"cannot convert {from_unit!r} ({got}) to {to_unit!r} ({want}): different dimensions"
        )
    registry = get_registry()
    try:
        one = registry.Quantity(1.0, src).to(dst).magnitude
        zero = registry.Quantity(0.0, src).to(dst).magnitude
    except Exception as exc:  # offset units and other non-multiplicative conversions
        raise UnitError(f"cannot convert {from_unit!r} to {to_unit!r}: {exc}") from None
    if zero != 0:
        raise UnitError(f"{from_unit!r} to {to_unit!r} is not a plain factor (offset units)")
    return _exact(float(one))


def split_quantity(value: Any) -> tuple[Any, str]:
    """Split a pint quantity (ours or the application registry's) into magnitude and unit text."""
    units = value.units
    text = f"{units:D}" if hasattr(units, "__format__") else str(units)
    return value.magnitude, text or DIMENSIONLESS
