"""Catalogs as text files: load and save JSON, YAML and TOML without running anyone's code.

``catalog_from_dict`` is the inverse of ``serialize.catalog_to_dict``. It reads each formula
from the ``expression`` tree when present, else parses the ``dsl`` or ``formula`` text with
``smartindex.formula`` (a whitelist parser, never ``eval``). YAML is read with
``yaml.safe_load`` only; TOML with ``tomllib`` (``tomli`` before Python 3.11). Saving writes
JSON, YAML (the ``yaml`` extra) or TOML (written by this module). Every problem is one
``FileFormatError`` or ``CatalogError`` naming the place, e.g.
``indicators[3].quantities[0].formula``.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

from smartindex.errors import CatalogError, FileFormatError, SmartIndexError
from smartindex.expr import (
    BinOp,
    Const,
    Direction,
    Expr,
    Growth,
    Input,
    InputKind,
    Ratio,
    WeightedMean,
)
from smartindex.model import Catalog, Indicator, Quantity, Table
from smartindex.thresholds import AllOf, Condition, MissingFromSource, NoTarget, Op, Target

__all__ = [
    "MAX_FILE_BYTES",
    "catalog_from_dict",
    "load_catalog",
    "read_catalog_data",
    "save_catalog",
]

#: Largest catalog file read, in bytes.
MAX_FILE_BYTES = 20_000_000
#: Deepest expression tree accepted.
MAX_TREE_DEPTH = 40
_FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}


# --- typed access to plain data, naming the place on failure ------------------------------


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _dict(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise CatalogError(f"{where}: expected an object (mapping), got {_kind(value)}")
    for key in value:
        if not isinstance(key, str):
            raise CatalogError(f"{where}: key {key!r} is not text")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise CatalogError(f"{where}: expected a list, got {_kind(value)}")
    return value


def _get(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise CatalogError(f"{where}: missing required key {key!r}")
    return data[key]


def _str(data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = _get(data, key, where) if default is None else data.get(key, default)
    if not isinstance(value, str):
        raise CatalogError(f"{where}.{key}: expected text, got {_kind(value)}")
    return value


def _strs(data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    items = _list(data.get(key, []), f"{where}.{key}")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise CatalogError(f"{where}.{key}[{i}]: expected text, got {_kind(item)}")
    return tuple(items)


def _fraction(value: object, where: str) -> Fraction:
    """An exact number from JSON (int, float read as written) or text (``"1/3"``, ``"80%"``)."""
    from smartindex.expr import to_fraction

    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CatalogError(f"{where}: expected a number, got {_kind(value)}")
    if isinstance(value, str) and len(value) > 60:
        raise CatalogError(f"{where}: number text is longer than 60 characters")
    if isinstance(value, int) and abs(value) > 10**40:
        raise CatalogError(f"{where}: number is too large")
    try:
        return to_fraction(value)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise CatalogError(f"{where}: {exc}") from None


def _enum(enum_type: Any, value: object, where: str) -> Any:
    choices = [m.value for m in enum_type]
    if value not in choices:
        raise CatalogError(f"{where}: {value!r} is not one of {', '.join(map(str, choices))}")
    return enum_type(value)


# --- inputs --------------------------------------------------------------------------------


def _input_specs(indicators: list[Any]) -> dict[str, tuple[Mapping[str, Any], str]]:
    """Every input spec of the file by id (with its place); a shared id must match exactly."""
    specs: dict[str, tuple[Mapping[str, Any], str]] = {}
    for i, raw in enumerate(indicators):
        ind = _dict(raw, f"indicators[{i}]")
        for j, raw_inp in enumerate(_list(ind.get("inputs", []), f"indicators[{i}].inputs")):
            where = f"indicators[{i}].inputs[{j}]"
            spec = _dict(raw_inp, where)
            input_id = _str(spec, "id", where)
            if input_id in specs and dict(specs[input_id][0]) != dict(spec):
                raise CatalogError(
                    f"{where}: input {input_id!r} differs from its definition at "
                    f"{specs[input_id][1]}; a shared input must be the same everywhere"
                )
            specs.setdefault(input_id, (spec, where))
    return specs


def _build_inputs(specs: dict[str, tuple[Mapping[str, Any], str]]) -> dict[str, Input]:
    built: dict[str, Input] = {}

    def build(input_id: str, chain: tuple[str, ...]) -> Input:
        if input_id in built:
            return built[input_id]
        spec, where = specs[input_id]
        whole: Input | None = None
        if spec.get("at_most") is not None:
            whole_id = spec["at_most"]
            if not isinstance(whole_id, str) or whole_id not in specs:
                raise CatalogError(f"{where}.at_most: {whole_id!r} is not a declared input id")
            if whole_id in chain:
                raise CatalogError(f"{where}.at_most: parts and wholes form a cycle {chain}")
            whole = build(whole_id, (*chain, input_id))
        kind = _enum(InputKind, _get(spec, "kind", where), f"{where}.kind")
        default_dir = "lower" if kind in (InputKind.RANK, InputKind.DISTANCE) else "higher"
        of = spec.get("of")
        if of is not None and (isinstance(of, bool) or not isinstance(of, int)):
            raise CatalogError(f"{where}.of: expected a whole number, got {_kind(of)}")
        try:
            built[input_id] = Input(
                id=input_id,
                unit_text=_str(spec, "unit", where),
                description=_str(spec, "description", where, ""),
                kind=kind,
                at_most=whole,
                rank_of=of,
                items=_strs(spec, "items", where),
                direction_=_enum(
                    Direction, spec.get("direction", default_dir), f"{where}.direction"
                ),
            )
        except CatalogError as exc:
            raise CatalogError(f"{where}: {exc}") from None
        return built[input_id]

    for input_id in specs:
        build(input_id, ())
    return built


# --- expressions ---------------------------------------------------------------------------


def _expr_from_tree(tree: object, inputs: Mapping[str, Input], where: str, depth: int = 0) -> Expr:
    if depth > MAX_TREE_DEPTH:
        raise CatalogError(f"{where}: expression nests deeper than {MAX_TREE_DEPTH} levels")
    node = _dict(tree, where)

    def pair(key: str) -> tuple[Expr, Expr]:
        args = _list(node[key], f"{where}.{key}")
        if len(args) != 2:
            raise CatalogError(f"{where}.{key}: expected 2 arguments, got {len(args)}")
        return (
            _expr_from_tree(args[0], inputs, f"{where}.{key}[0]", depth + 1),
            _expr_from_tree(args[1], inputs, f"{where}.{key}[1]", depth + 1),
        )

    if "input" in node:
        input_id = node["input"]
        if not isinstance(input_id, str) or input_id not in inputs:
            raise CatalogError(f"{where}.input: {input_id!r} is not an input of this indicator")
        return inputs[input_id]
    if "const" in node:
        return Const(_fraction(node["const"], f"{where}.const"))
    if "ratio" in node:
        unit = node.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise CatalogError(f"{where}.unit: expected text, got {_kind(unit)}")
        return Ratio(*pair("ratio"), unit)
    if "growth" in node:
        return Growth(*pair("growth"))
    if "weighted_mean" in node:
        terms = []
        items = _list(node["weighted_mean"], f"{where}.weighted_mean")
        if not items:
            raise CatalogError(f"{where}.weighted_mean: needs at least one term")
        for k, raw in enumerate(items):
            at = f"{where}.weighted_mean[{k}]"
            item = _dict(raw, at)
            weight = _fraction(_get(item, "weight", at), f"{at}.weight")
            terms.append(
                (_expr_from_tree(_get(item, "term", at), inputs, f"{at}.term", depth + 1), weight)
            )
        return WeightedMean(tuple(terms))
    if "op" in node:
        op = node["op"]
        if op not in ("+", "-", "*", "/"):
            raise CatalogError(f"{where}.op: {op!r} is not one of + - * /")
        return BinOp(op, *pair("args"))
    raise CatalogError(
        f"{where}: an expression needs one of input, const, ratio, growth, weighted_mean, op"
    )


def _quantity_expr(spec: Mapping[str, Any], inputs: Mapping[str, Input], where: str) -> Expr:
    from smartindex.formula import parse_formula

    if spec.get("expression") is not None:
        return _expr_from_tree(spec["expression"], inputs, f"{where}.expression")
    for key in ("dsl", "formula"):
        if spec.get(key) is not None:
            text = spec[key]
            if not isinstance(text, str):
                raise CatalogError(f"{where}.{key}: expected text, got {_kind(text)}")
            try:
                return parse_formula(text, inputs)
            except FileFormatError as exc:
                raise FileFormatError(f"{where}.{key}: {exc}") from None
    raise CatalogError(f"{where}: a quantity needs an expression, dsl or formula")


# --- targets, indicators, catalog ----------------------------------------------------------


def _target(raw: object, where: str) -> Target:
    spec = _dict(raw, where)
    if spec.get("no_target"):
        return NoTarget(_str(spec, "source_zh", where, "/"))
    if spec.get("missing_from_source"):
        return MissingFromSource(_str(spec, "note", where, ""))
    conds = _list(_get(spec, "conditions", where), f"{where}.conditions")
    if not conds:
        raise CatalogError(f"{where}.conditions: a target needs at least one condition")
    out = []
    for k, raw_cond in enumerate(conds):
        at = f"{where}.conditions[{k}]"
        cond = _dict(raw_cond, at)
        exact = cond.get("value_exact")
        value = _fraction(exact if exact is not None else _get(cond, "value", at), f"{at}.value")
        band = cond.get("band_low")
        out.append(
            Condition(
                quantity=_str(cond, "quantity", at),
                op=_enum(Op, _get(cond, "op", at), f"{at}.op"),
                value=value,
                unit=_str(cond, "unit", at, "dimensionless"),
                source_zh=_str(cond, "source_zh", at, ""),
                band_low=None if band is None else _fraction(band, f"{at}.band_low"),
            )
        )
    return AllOf(tuple(out))


def _indicator(raw: object, where: str, all_inputs: Mapping[str, Input]) -> Indicator:
    spec = _dict(raw, where)
    ind_id = _str(spec, "id", where)
    declared = {}
    for j, raw_inp in enumerate(_list(spec.get("inputs", []), f"{where}.inputs")):
        input_id = _dict(raw_inp, f"{where}.inputs[{j}]")["id"]
        declared[input_id] = all_inputs[input_id]
    quantities = []
    for k, raw_q in enumerate(_list(_get(spec, "quantities", where), f"{where}.quantities")):
        at = f"{where}.quantities[{k}]"
        q = _dict(raw_q, at)
        expr = _quantity_expr(q, declared, at)
        direction = q.get("direction")
        try:
            quantities.append(
                Quantity(
                    id=_str(q, "id", at),
                    expr=expr,
                    unit=_str(q, "unit", at, "dimensionless"),
                    name_en=_str(q, "name_en", at, ""),
                    direction=expr.direction
                    if direction is None
                    else _enum(Direction, direction, f"{at}.direction"),
                )
            )
        except CatalogError as exc:
            raise CatalogError(f"{at}: {exc}") from None
    grades = _dict(_get(spec, "grades", where), f"{where}.grades")
    try:
        return Indicator(
            id=ind_id,
            table=_enum(Table, _get(spec, "table", where), f"{where}.table"),
            name_zh=_str(spec, "name_zh", where),
            name_en=_str(spec, "name_en", where, ""),
            definition_zh=_str(spec, "definition_zh", where, ""),
            departments_zh=_strs(spec, "departments_zh", where),
            quantities=tuple(quantities),
            four_star=_target(
                _get(grades, "four_star", f"{where}.grades"), f"{where}.grades.four_star"
            ),
            five_star=_target(
                _get(grades, "five_star", f"{where}.grades"), f"{where}.grades.five_star"
            ),
            notes=_strs(spec, "notes", where),
        )
    except CatalogError as exc:
        if str(exc).startswith(where):
            raise
        raise CatalogError(f"{where}: {exc}") from None


def catalog_from_dict(data: object) -> Catalog:
    """Build a catalog from plain data in the export schema (the inverse of ``to_dict``).

    Raises:
        CatalogError: the data is not a valid catalog; the message names the place.
        FileFormatError: a formula's text is rejected by the parser.

    """
    try:
        return _catalog_from_dict(data)
    except SmartIndexError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as exc:
        # A shape the typed readers above did not foresee: still one library error.
        raise CatalogError(f"not a valid catalog: {exc}") from None
    except RecursionError:
        raise CatalogError("not a valid catalog: nested too deeply") from None


def _catalog_from_dict(data: object) -> Catalog:
    top = _dict(data, "catalog")
    version = top.get("schema_version", 1)
    if version != 1:
        raise CatalogError(f"schema_version: {version!r} is not supported (expected 1)")
    indicators = _list(_get(top, "indicators", "catalog"), "indicators")
    all_inputs = _build_inputs(_input_specs(indicators))
    built = tuple(
        _indicator(raw, f"indicators[{i}]", all_inputs) for i, raw in enumerate(indicators)
    )
    try:
        return Catalog(
            id=_str(top, "id", "catalog"),
            title_zh=_str(top, "title_zh", "catalog", ""),
            indicators=built,
            title_en=_str(top, "title_en", "catalog", ""),
            four_star_due=_str(top, "four_star_due", "catalog", ""),
            source=_str(top, "source", "catalog", ""),
            notes=_strs(top, "notes", "catalog"),
        )
    except CatalogError as exc:
        raise CatalogError(f"catalog: {exc}") from None


# --- files ---------------------------------------------------------------------------------


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("json", "yaml", "toml"):
            raise FileFormatError(f"{path}: unknown format {fmt!r} (json, yaml or toml)")
        return fmt
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        raise FileFormatError(
            f"{path}: cannot tell the format from {path.suffix or 'no extension'!r}; "
            "use .json, .yaml, .yml or .toml"
        ) from None


def _decode(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise FileFormatError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileFormatError(
            f"{path}: line {line}: byte {exc.start} is not UTF-8; save the file as UTF-8"
        ) from None


def _parse_text(text: str, fmt: str, path: Path) -> Any:
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FileFormatError(
                f"{path}: line {exc.lineno} column {exc.colno}: not valid JSON: {exc.msg}"
            ) from None
    if fmt == "yaml":
        try:
            import yaml
        except ImportError:
            raise FileFormatError(
                f"{path}: reading YAML needs PyYAML: pip install 'smartindex[yaml]'"
            ) from None
        try:
            # The C build of SafeLoader when present: the same safe subset, much faster.
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            return yaml.load(text, Loader=loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            place = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise FileFormatError(f"{path}: {place}not valid YAML: {problem}") from None
    tomllib: Any = importlib.import_module("tomllib" if sys.version_info >= (3, 11) else "tomli")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"{path}: not valid TOML: {exc}") from None


def read_catalog_data(path: str | Path, *, fmt: str | None = None) -> Any:
    """The plain data of a catalog file (JSON, YAML or TOML), before any catalog rule.

    Raises:
        FileFormatError: unreadable, not UTF-8, or not valid JSON/YAML/TOML; the message names
            the file and the line.

    """
    path = Path(path)
    kind = _format_of(path, fmt)
    text = _decode(path)
    try:
        return _parse_text(text, kind, path)
    except RecursionError:
        raise FileFormatError(f"{path}: nested too deeply") from None
    except (ValueError, TypeError, OverflowError) as exc:  # odd scalars inside the parsers
        raise FileFormatError(f"{path}: cannot read {kind.upper()}: {exc}") from None


def load_catalog(path: str | Path, *, fmt: str | None = None) -> Catalog:
    """Load a catalog from a ``.json``, ``.yaml``/``.yml`` or ``.toml`` file.

    Raises:
        FileFormatError: the file cannot be read or parsed (names file and line).
        CatalogError: the data is not a valid catalog (names file and place).

    """
    data = read_catalog_data(path, fmt=fmt)
    try:
        return catalog_from_dict(data)
    except CatalogError as exc:
        raise CatalogError(f"{path}: {exc}") from None
    except FileFormatError as exc:
        raise FileFormatError(f"{path}: {exc}") from None


# --- saving --------------------------------------------------------------------------------


def text_catalog_dict(catalog: Catalog) -> dict[str, Any]:
    """The export with formulas as text: lossless DSL in ``dsl``, no ``expression`` tree.

    The tree is kept only for a formula whose text would not read back identically.
    """
    from smartindex.formula import parse_formula, to_text

    data = catalog.to_dict()
    for ind_data, ind in zip(data["indicators"], catalog, strict=True):
        inputs = {i.id: i for i in ind.inputs}
        for q_data, q in zip(ind_data["quantities"], ind.quantities, strict=True):
            text = to_text(q.expr)
            q_data["dsl"] = text
            try:
                same = parse_formula(text, inputs) == q.expr
            except FileFormatError:
                same = False
            if same:
                del q_data["expression"]
    return data


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _toml_key(key: str) -> str:
    bare = (
        key.replace("_", "").replace("-", "").isascii()
        and key.replace("_", "").replace("-", "").isalnum()
    )
    return key if bare else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON escapes are valid TOML escapes; TOML also wants DEL escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def to_toml(data: Mapping[str, Any]) -> str:
    """TOML text for catalog data: top-level keys, then one ``[[indicators]]`` table each."""
    data = _drop_none(dict(data))
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if k != "indicators"]
    for ind in data.get("indicators", []):
        lines += ["", "[[indicators]]"]
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in ind.items()]
    return "\n".join(lines) + "\n"


def save_catalog(catalog: Catalog, path: str | Path, *, fmt: str | None = None) -> Path:
    """Write ``catalog`` as JSON (the full export), YAML or TOML (formulas as text).

    Returns the path written. ``load_catalog(save_catalog(c, p)) == c``.
    """
    path = Path(path)
    kind = _format_of(path, fmt)
    if kind == "json":
        text = catalog.to_json(indent=2) + "\n"
    elif kind == "yaml":
        try:
            import yaml
        except ImportError:
            raise FileFormatError(
                f"{path}: writing YAML needs PyYAML: pip install 'smartindex[yaml]'"
            ) from None
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(
            text_catalog_dict(catalog),
            Dumper=dumper,
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
    else:
        text = to_toml(text_catalog_dict(catalog))
    path.write_text(text, encoding="utf-8")
    return path
