"""One exception hierarchy, so callers can catch everything the library raises on bad input."""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "DimensionError",
    "FileFormatError",
    "GradeUndecidableError",
    "InputError",
    "SmartIndexError",
    "UnitError",
]


class SmartIndexError(Exception):
    """Root of every error smartindex raises for bad input, bad catalogs or bad files."""


class UnitError(SmartIndexError, ValueError):
    """A unit string is unknown, or a value carries a unit that cannot be converted."""


class DimensionError(UnitError):
    """Two units have different dimensions (km given for a speed, cameras over households)."""


class InputError(SmartIndexError, ValueError):
    """A raw input value is missing, not a number, or outside what the input allows.

    The message names the indicator (where known), the input and the row.
    """

    def __init__(
        self,
        message: str,
        *,
        indicator: str | None = None,
        input_id: str | None = None,
        row: int | None = None,
    ) -> None:
        where = []
        if indicator is not None:
            where.append(f"indicator {indicator!r}")
        if input_id is not None:
            where.append(f"input {input_id!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.indicator = indicator
        self.input_id = input_id
        self.row = row
        self.reason = message


class CatalogError(SmartIndexError, ValueError):
    """A catalog or indicator definition is malformed (bad id, unknown quantity, bad weights)."""


class FileFormatError(SmartIndexError, ValueError):
    """A file cannot be read as a catalog or as input data; the message names file and place.

    ``path``, ``line`` and ``column`` (1-based) are set where the reader knows them, so a caller
    can point at the cell; the message always carries them as text too.
    """

    def __init__(
        self,
        message: str,
        *,
        path: object = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = [str(path)] if path is not None else []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.reason = message


class GradeUndecidableError(SmartIndexError):
    """The source lacks a target needed to decide the grade (a target missing from the source)."""
