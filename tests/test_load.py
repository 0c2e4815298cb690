"""Catalogs as text files: JSON, YAML and TOML round trips, the schema, and hostile files."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartindex import (
    Catalog,
    CatalogError,
    FileFormatError,
    Indicator,
    Quantity,
    SmartIndexError,
    Table,
    all_of,
    amount,
    count,
    distance,
    exactly_all,
    exceeds,
    growth,
    less_than,
    missing_from_source,
    no_target,
    ratio,
    reaches,
    weighted_mean,
)
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.expr import BinOp, Ratio
from smartindex.load import (
    catalog_from_dict,
    load_catalog,
    read_catalog_data,
    save_catalog,
    text_catalog_dict,
)

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("json", "yaml", "yml", "toml")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smartindex", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def schema() -> dict[str, Any]:
    text = resources.files("smartindex").joinpath("schema/catalog.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("ext", FORMATS)
def test_shipped_catalog_round_trips_through_each_format(ext: str, tmp_path: Path) -> None:
    path = save_catalog(FIRST_BATCH, tmp_path / f"catalog.{ext}")
    assert load_catalog(path) == FIRST_BATCH


def test_catalog_from_dict_inverts_to_dict() -> None:
    assert catalog_from_dict(FIRST_BATCH.to_dict()) == FIRST_BATCH


def test_text_formats_carry_formulas_as_text_not_trees(tmp_path: Path) -> None:
    path = save_catalog(FIRST_BATCH, tmp_path / "catalog.yaml")
    data = yaml.safe_load(path.read_text("utf-8"))
    quantities = [q for ind in data["indicators"] for q in ind["quantities"]]
    assert quantities
    assert all("expression" not in q and q["dsl"] for q in quantities)
    assert 'unit="dimensionless"' in path.read_text("utf-8")


def test_round_tripped_catalog_checks_the_same(tmp_path: Path) -> None:
    loaded = load_catalog(save_catalog(FIRST_BATCH, tmp_path / "catalog.yaml"))
    assert loaded.check().to_dict()["findings"] == FIRST_BATCH.check().to_dict()["findings"]


def test_shipped_yaml_example_is_the_catalog_and_up_to_date(tmp_path: Path) -> None:
    shipped = ROOT / "examples" / "first-batch.yaml"
    assert load_catalog(shipped) == FIRST_BATCH
    fresh = save_catalog(FIRST_BATCH, tmp_path / "fresh.yaml")
    assert shipped.read_text("utf-8") == fresh.read_text("utf-8"), (
        "examples/first-batch.yaml is stale: regenerate it with "
        "smartindex.load.save_catalog(FIRST_BATCH, 'examples/first-batch.yaml')"
    )


def test_dsl_only_json_loads_to_the_same_catalog(tmp_path: Path) -> None:
    data = text_catalog_dict(FIRST_BATCH)
    for ind in data["indicators"]:
        for q in ind["quantities"]:
            q.pop("expression", None)
            q.pop("formula")
    path = tmp_path / "dsl.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert load_catalog(path) == FIRST_BATCH


def test_plain_formula_text_reads_ratios_as_bare_division_which_checks_flag() -> None:
    data = FIRST_BATCH.to_dict()
    for ind in data["indicators"]:
        for q in ind["quantities"]:
            del q["expression"], q["dsl"]
    catalog = catalog_from_dict(data)
    expr = catalog["e_license_usage"].quantities[0].expr
    assert isinstance(expr, BinOp)
    assert expr.op == "/"
    report = catalog["e_license_usage"].check()
    assert [f.check for f in report.errors] == ["division"]


# --- the schema ----------------------------------------------------------------------------


def test_schema_is_shipped_and_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_export_and_text_catalog_validate_against_the_schema(tmp_path: Path) -> None:
    validator = jsonschema.Draft202012Validator(schema())
    validator.validate(FIRST_BATCH.to_dict())
    validator.validate(text_catalog_dict(FIRST_BATCH))
    validator.validate(read_catalog_data(save_catalog(FIRST_BATCH, tmp_path / "c.toml")))


def test_cli_export_validates_and_checks_clean(tmp_path: Path) -> None:
    out = run_cli("catalog", "export", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    jsonschema.Draft202012Validator(schema()).validate(data)
    path = tmp_path / "export.json"
    path.write_text(out.stdout, "utf-8")
    assert load_catalog(path) == FIRST_BATCH
    checked = run_cli("check", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "all checks pass" in checked.stdout


def test_schema_rejects_a_grade_without_conditions() -> None:
    data = FIRST_BATCH.to_dict()
    data["indicators"][0]["grades"]["four_star"] = {"conditions": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema(), cls=jsonschema.Draft202012Validator)


# --- errors name the place -----------------------------------------------------------------


def _export() -> dict[str, Any]:
    return copy.deepcopy(FIRST_BATCH.to_dict())


def _shared_input(data: dict[str, Any]) -> dict[str, Any]:
    """The first declaration of an input that two indicators share."""
    for ind in data["indicators"]:
        for inp in ind["inputs"]:
            if inp["id"] == "key_area_cameras_total":
                found: dict[str, Any] = inp
                return found
    raise AssertionError("the shipped catalog shares key_area_cameras_total")


def _break(edit: Any) -> dict[str, Any]:
    data = _export()
    edit(data)
    return data


BROKEN = [
    (lambda d: d.pop("indicators"), CatalogError, "missing required key 'indicators'"),
    (lambda d: d.update(indicators=5), CatalogError, "indicators: expected a list"),
    (lambda d: d.update(schema_version=9), CatalogError, "schema_version"),
    (
        lambda d: d["indicators"][3].update(table="roads"),
        CatalogError,
        r"indicators\[3\]\.table: 'roads' is not one of",
    ),
    (
        lambda d: d["indicators"][3]["quantities"][0].update(expression=None, dsl=None, formula=7),
        CatalogError,
        r"indicators\[3\]\.quantities\[0\]\.formula: expected text",
    ),
    (
        lambda d: d["indicators"][3]["quantities"][0].update(
            expression=None, dsl=None, formula="__import__('os')"
        ),
        FileFormatError,
        r"indicators\[3\]\.quantities\[0\]\.formula: formula has a character",
    ),
    (
        lambda d: d["indicators"][1]["quantities"][0].update(expression={"call": "os.system"}),
        CatalogError,
        r"indicators\[1\]\.quantities\[0\]\.expression: an expression needs one of",
    ),
    (
        lambda d: d["indicators"][1]["quantities"][0]["expression"].update(
            ratio=[{"input": "nope"}, {"input": "gov_services_total"}]
        ),
        CatalogError,
        r"expression\.ratio\[0\]\.input: 'nope' is not an input",
    ),
    (
        lambda d: d["indicators"][1]["grades"]["five_star"]["conditions"][0].update(op="=>"),
        CatalogError,
        r"indicators\[1\]\.grades\.five_star\.conditions\[0\]\.op",
    ),
    (
        lambda d: d["indicators"][1]["grades"]["five_star"]["conditions"][0].update(
            value_exact="1/0"
        ),
        CatalogError,
        r"conditions\[0\]\.value",
    ),
    (
        lambda d: d["indicators"][1]["grades"]["five_star"]["conditions"][0].update(
            value_exact=None, value=[1]
        ),
        CatalogError,
        r"conditions\[0\]\.value: expected a number, got list",
    ),
    (
        lambda d: d["indicators"][1]["inputs"][1].update(kind="guess"),
        CatalogError,
        r"indicators\[1\]\.inputs\[1\]\.kind",
    ),
    (
        lambda d: d["indicators"][2]["inputs"][0].update(
            at_most="public_hospitals_emr_level4_plus"
        ),
        CatalogError,
        "cycle",
    ),
    (
        lambda d: _shared_input(d).update(description="changed"),
        CatalogError,
        "a shared input must be the same everywhere",
    ),
    (
        lambda d: d["indicators"][0].update(id="Bad Id"),
        CatalogError,
        r"indicators\[0\]: indicator id 'Bad Id' is not snake_case",
    ),
    (
        lambda d: d["indicators"][0]["quantities"][0].update(expression={"const": "9" * 100}),
        CatalogError,
        "longer than 60",
    ),
]


@pytest.mark.parametrize(
    ("edit", "error", "match"), BROKEN, ids=[str(i) for i in range(len(BROKEN))]
)
def test_invalid_catalog_data_fails_with_one_error_naming_the_place(
    edit: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        catalog_from_dict(_break(edit))


def test_errors_name_the_file_too(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_break(lambda d: d["indicators"][3].update(table="x"))), "utf-8")
    with pytest.raises(CatalogError, match=r"bad\.json: indicators\[3\]\.table"):
        load_catalog(path)


HOSTILE_FILES: list[tuple[str, bytes, str]] = [
    ("latin1.json", '{"id": "caf\u00e9"}'.encode("latin-1"), "not UTF-8"),
    ("gb.yaml", "id: 山东".encode("gb18030"), "not UTF-8"),
    ("binary.toml", bytes(range(256)), "not UTF-8"),
    ("truncated.json", b'{"id": "x", "indicators": [', r"line 1 column \d+: not valid JSON"),
    ("empty.json", b"", "not valid JSON"),
    ("tabs.yaml", b"id: x\n\tindicators: []\n", "not valid YAML"),
    ("bad.toml", b"id = \n", "not valid TOML"),
    (
        "deep.json",
        b"[" * 200_000 + b"]" * 200_000,
        "nested too deeply|not a valid catalog|expected",
    ),
    ("deep.yaml", b"[" * 5_000 + b"]" * 5_000, "nested too deeply|not valid YAML|expected"),
    ("catalog.exe", b"MZ", "cannot tell the format"),
]


@pytest.mark.parametrize(("name", "content", "match"), HOSTILE_FILES, ids=lambda v: str(v)[:20])
def test_unreadable_files_fail_with_one_clear_error(
    name: str, content: bytes, match: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SmartIndexError, match=match):
        load_catalog(path)
    out = run_cli("check", str(path))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert name in out.stderr


def test_yaml_python_tags_are_refused_and_run_nothing(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        f'id: !!python/object/apply:os.system ["touch {sentinel}"]\nindicators: []\n', "utf-8"
    )
    with pytest.raises(FileFormatError, match="not valid YAML"):
        load_catalog(path)
    assert not sentinel.exists()


def test_hostile_formula_in_a_yaml_catalog_is_rejected_by_check(tmp_path: Path) -> None:
    sentinel = tmp_path / "pwned"
    data = text_catalog_dict(FIRST_BATCH)
    data["indicators"][5]["quantities"][0]["dsl"] = (
        f"__import__('pathlib').Path('{sentinel}').touch()"
    )
    path = tmp_path / "evil.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    out = run_cli("check", str(path))
    assert out.returncode == 2
    assert "indicators[5].quantities[0].dsl" in out.stderr
    assert "Traceback" not in out.stderr
    assert not sentinel.exists()


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="cannot read"):
        load_catalog(tmp_path / "absent.json")


def test_unknown_format_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="unknown format"):
        save_catalog(FIRST_BATCH, tmp_path / "c.json", fmt="xml")


def test_format_can_be_forced_for_any_extension(tmp_path: Path) -> None:
    path = save_catalog(FIRST_BATCH, tmp_path / "catalog.txt", fmt="toml")
    assert load_catalog(path, fmt="toml") == FIRST_BATCH


# --- generated catalogs --------------------------------------------------------------------

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20
)  # any Unicode text a file can hold
EXACT = st.fractions(min_value=0, max_value=2, max_denominator=1000)


@st.composite
def indicators(draw: st.DrawFn, k: int) -> Indicator:
    """One small valid indicator whose ids are made unique by ``k``."""
    unit = draw(st.sampled_from(["household", "hospital", "yuan", "km", "万元"]))
    whole = count(f"whole_{k}", unit, draw(TEXT))
    part = count(f"part_{k}", unit, draw(TEXT), at_most=whole)
    shape = draw(st.sampled_from(["ratio", "mean", "growth", "scaled", "distance"]))
    if shape == "ratio":
        expr = ratio(part, whole)
    elif shape == "mean":
        third = count(f"third_{k}", unit, "third", at_most=whole)
        w = draw(
            st.fractions(min_value=Fraction(1, 20), max_value=Fraction(19, 20), max_denominator=40)
        )
        expr = weighted_mean({ratio(part, whole): w, ratio(third, whole): 1 - w})
    elif shape == "growth":
        prev = amount(f"prev_{k}", "yuan", "last year")
        cur = amount(f"cur_{k}", "yuan", "this year")
        expr = growth(cur, prev)
    elif shape == "scaled":
        expr = ratio(part, whole) * draw(st.integers(1, 10_000))
    else:
        expr = distance(f"spacing_{k}", draw(TEXT))
    q = Quantity(f"q_{k}", expr, "km" if shape == "distance" else "dimensionless", draw(TEXT))
    ops = [less_than] if shape == "distance" else [reaches, exceeds]

    def target() -> Any:
        kind = draw(st.sampled_from(["cond", "cond", "none", "missing", "all"]))
        if kind == "none":
            return no_target(draw(TEXT))
        if kind == "missing":
            return missing_from_source(draw(TEXT))
        if kind == "all":
            return all_of(exactly_all(q.id, source=draw(TEXT)))
        op = draw(st.sampled_from(ops))
        return all_of(op(q.id, draw(EXACT), q.unit, source=draw(TEXT)))

    return Indicator(
        id=f"ind_{k}",
        table=draw(st.sampled_from(list(Table))),
        name_zh=draw(TEXT),
        name_en=draw(TEXT),
        definition_zh=draw(TEXT),
        departments_zh=tuple(draw(st.lists(TEXT, max_size=3))),
        quantities=(q,),
        four_star=target(),
        five_star=target(),
        notes=tuple(draw(st.lists(TEXT, max_size=2))),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    n = draw(st.integers(1, 4))
    return Catalog(
        id="generated",
        title_zh=draw(TEXT),
        indicators=tuple(draw(indicators(k)) for k in range(n)),
        title_en=draw(TEXT),
        notes=tuple(draw(st.lists(TEXT, max_size=2))),
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(catalogs(), st.sampled_from(FORMATS))
def test_generated_catalogs_round_trip_and_check_the_same(
    tmp_path: Path, catalog: Catalog, ext: str
) -> None:
    loaded = load_catalog(save_catalog(catalog, tmp_path / f"generated.{ext}"))
    assert loaded == catalog
    assert loaded.check().to_dict() == catalog.check().to_dict()


# --- fuzzing the loader --------------------------------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["id", "input", "const", "ratio", "op", "args", "weight", "term", "value", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _paths(v, (*prefix, i))
    return out


SMALL = FIRST_BATCH.filter(table="digital_benefit").to_dict()
SMALL_PATHS = _paths(SMALL)[1:]


@given(st.sampled_from(SMALL_PATHS), JSONISH)
def test_loader_fuzz_mutated_export_raises_only_library_errors(
    path: tuple[Any, ...], value: Any
) -> None:
    data = copy.deepcopy(SMALL)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        catalog = catalog_from_dict(data)
    except SmartIndexError:
        return
    assert isinstance(catalog, Catalog)


@given(JSONISH)
def test_loader_fuzz_arbitrary_data_raises_only_library_errors(data: Any) -> None:
    with pytest.raises(SmartIndexError):
        catalog_from_dict({"id": "x", "title_zh": "", "indicators": [data]})


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300), st.sampled_from(FORMATS))
def test_loader_fuzz_arbitrary_bytes_raise_only_library_errors(
    tmp_path: Path, content: bytes, ext: str
) -> None:
    path = tmp_path / f"fuzz.{ext}"
    path.write_bytes(content)
    try:
        load_catalog(path)
    except SmartIndexError:
        return


def test_mutated_ratio_keeps_its_declared_unit() -> None:
    data = _export()
    open_data = next(i for i in data["indicators"] if i["id"] == "open_data")
    expression = open_data["quantities"][0]["expression"]
    assert expression["unit"] == "dimensionless"
    rebuilt = catalog_from_dict(data)["open_data"].quantities[0].expr
    assert isinstance(rebuilt, Ratio)
    assert rebuilt.unit_override == "dimensionless"
