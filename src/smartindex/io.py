"""Reading raw-input files (CSV, JSON) into column mappings, with errors that name the place."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from smartindex.errors import FileFormatError

__all__ = ["read_inputs"]


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    if not data.strip():
        raise FileFormatError(f"{path}: the file is empty")
    if b"\x00" in data[:4096]:
        raise FileFormatError(f"{path}: this is a binary file, not CSV or JSON text")
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise FileFormatError(
        f"{path}: cannot decode the file as {' or '.join(c for c in candidates if c)}; "
        "pass --encoding"
    )


def _read_csv(path: Path, text: str) -> dict[str, list[Any]]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = [r for r in reader if any(cell.strip() for cell in r)]
    except csv.Error as exc:
        raise FileFormatError(f"{path}, line {reader.line_num}: {exc}") from None
    if not rows:
        raise FileFormatError(f"{path}: no header row")
    header = [h.strip() for h in rows[0]]
    if len(rows) == 1:
        raise FileFormatError(f"{path}: a header but no data rows")
    seen: dict[str, int] = {}
    for col, name in enumerate(header, start=1):
        if not name:
            raise FileFormatError(f"{path}, line 1, column {col}: empty header cell")
        if name in seen:
            raise FileFormatError(
                f"{path}, line 1, column {col}: duplicate column {name!r} "
                f"(also column {seen[name]})"
            )
        seen[name] = col
    columns: dict[str, list[Any]] = {h: [] for h in header}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise FileFormatError(
                f"{path}, data row {line - 1}: {len(row)} cells for {len(header)} columns "
                "(ragged row)"
            )
        for name, cell in zip(header, row, strict=True):
            columns[name].append(cell.strip())
    return columns


def _read_json(path: Path, text: str) -> dict[str, list[Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"{path}, line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"
        ) from None
    rows = doc.get("rows") if isinstance(doc, dict) else doc
    if not isinstance(rows, list) or not rows:
        raise FileFormatError(
            f'{path}: expected a list of row objects (or {{"rows": [...]}}) with at least one row'
        )
    names: list[str] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise FileFormatError(f"{path}: row {i} is a {type(row).__name__}, not an object")
        for key in row:
            if key not in names:
                names.append(key)
    columns: dict[str, list[Any]] = {n: [] for n in names}
    for row in rows:
        for name in names:
            value = row.get(name)
            if isinstance(value, list | dict):
                value = value if isinstance(value, list) else None
            columns[name].append(value)
    return columns


def read_inputs(path: str | Path, *, encoding: str | None = None) -> dict[str, list[Any]]:
    """Read a CSV (comma or tab, UTF-8 with or without BOM, or GB18030) or JSON file.

    Returns column name -> cell values, in row order. Raises ``FileFormatError`` naming the file
    and the place for anything that is not a readable table.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"{p}: cannot read: {exc.strerror or exc}") from None
    text = _decode(p, data, encoding)
    if p.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        return _read_json(p, text)
    return _read_csv(p, text)
