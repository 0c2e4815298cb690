"""Every bad-input case of issue 8 (tests/bad_input_matrix.json), through the API and the CLI.

A case edits the shipped example table (or gives a raw file), writes it in its format, and must
give the stated outcome both from ``read_inputs`` + ``Catalog.evaluate`` (and, for each invalid
row, from the exact scalar ``Indicator.grade``) and from ``python -m smartindex evaluate`` in a
subprocess: exit code 2 with one line naming file and place, or ``invalid`` for exactly the
indicators and rows the bad cells touch, every other grade as on the unchanged file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartindex import SmartIndexError
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.cli import main
from smartindex.evaluate import parse_header
from smartindex.io import HEADER_NAMES_ZH, read_inputs
from smartindex.units import get_registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "example-city.csv"
MATRIX = json.loads((Path(__file__).parent / "bad_input_matrix.json").read_text(encoding="utf-8"))
CASES = MATRIX["cases"]


@cache
def base_table() -> tuple[list[str], list[list[str]]]:
    with EXAMPLE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


@cache
def baseline() -> dict[str, list[str]]:
    result = FIRST_BATCH.evaluate(read_inputs(EXAMPLE))
    return {ind.id: result.grades(ind.id) for ind in FIRST_BATCH}


def _column(header: list[str], name: str) -> int:
    for i, cell in enumerate(header):
        if name in (cell, parse_header(cell)[0]):
            return i
    raise AssertionError(f"matrix names unknown column {name!r}")


def edited_table(case: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    header, rows = base_table()
    header, rows = list(header), [list(r) for r in rows]
    for edit in case.get("edits", []):
        if edit["op"] == "drop":
            i = _column(header, edit["column"])
            del header[i]
            for r in rows:
                del r[i]
        elif edit["op"] == "rename":
            header[_column(header, edit["column"])] = edit["to"]
        elif edit["op"] == "set":
            rows[edit["row"]][_column(header, edit["column"])] = edit["value"]
        elif edit["op"] == "add":
            header.append(edit["column"])
            for r, v in zip(rows, edit["values"], strict=True):
                r.append(v)
        else:
            raise AssertionError(f"unknown edit {edit['op']!r}")
    return header, rows


def _json_cell(cell: str) -> Any:
    try:
        return json.loads(cell)  # numbers (1e999 becomes inf), the rest stays text
    except ValueError:
        return cell


def write_case(case: dict[str, Any], directory: Path) -> Path:
    if "file" in case:
        spec = case["file"]
        path = directory / spec["name"]
        if "text" in spec:
            path.write_text(spec["text"], encoding="utf-8")
        elif "hex" in spec:
            path.write_bytes(bytes.fromhex(spec["hex"]))
        return path
    header, rows = edited_table(case)
    fmt = case.get("format", "csv")
    if fmt == "json":
        path = directory / "cities.json"
        records = [
            {h: (c if h == "label" else _json_cell(c)) for h, c in zip(header, r, strict=True)}
            for r in rows
        ]
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
        return path
    if fmt == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for r in rows:
            sheet.append(
                [c if h == "label" else _json_cell(c) for h, c in zip(header, r, strict=True)]
            )
        path = directory / "cities.xlsx"
        book.save(path)
        return path
    delimiter = "\t" if fmt.startswith("tsv") else ","
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    encoding = {
        "csv": "utf-8",
        "tsv": "utf-8",
        "csv-bom": "utf-8-sig",
        "csv-gb18030": "gb18030",
        "tsv-utf16": "utf-16",
    }[fmt]
    path = directory / ("cities.tsv" if delimiter == "\t" else "cities.csv")
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def expected_grades(case: dict[str, Any]) -> dict[str, list[str]]:
    expect = case["expect"]
    grades = {k: list(v) for k, v in baseline().items()}
    for ind_id, spec in expect.get("invalid", {}).items():
        for row in spec["rows"]:
            grades[ind_id][row] = "invalid"
    grades.update(expect.get("grades", {}))
    return grades


def _naming(substrings: list[str]) -> list[str]:
    """The substrings that name indicator, input, quantity or row (shared by both paths)."""
    prefixes = ("indicator '", "input '", "quantity '", "row ")
    # The scalar path has no file: "row 1 (cities.csv line 3, column 13)" is "row 1" there.
    return [s.split(" (")[0] for s in substrings if s.startswith(prefixes)]


def _scalar_values(header: list[str], row: list[str]) -> dict[str, Any]:
    """One row as ``Indicator.grade`` takes it: ids, and pint quantities where a unit is given."""
    registry = get_registry()
    values: dict[str, Any] = {}
    for cell, value in zip(header, row, strict=True):
        name, unit = parse_header(cell)
        key = HEADER_NAMES_ZH.get(name, name)
        try:
            magnitude = float(value)
        except ValueError:
            magnitude = None  # not a number: passed as text, for the library to refuse
        if unit is None or magnitude is None:
            values[key] = value
        else:
            try:
                values[key] = registry.Quantity(magnitude, unit)
            except Exception:  # a unit pint does not know: the text, for the library to refuse
                values[key] = f"{value} {unit}"
    return values


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smartindex", *args],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_matrix_covers_every_case_of_the_issue() -> None:
    issues = " | ".join(c["issue"] for c in CASES)
    for phrase in (
        "missing input",
        "extra unknown column",
        "NaN",
        "inf",
        "empty cell",
        "text in a numeric cell",
        "negative counts",
        "fractional counts",
        "a part above its whole",
        "85 where 0.85",
        "the reverse",
        "wrong dimension",
        "zero denominator",
        "previous-year value of zero",
        "rank outside",
        "UTF-8 with a BOM",
        "GB18030",
        "--encoding",
        "tab-separated",
        "JSON",
        "Excel",
        "Chinese quantity name",
        "empty",
        "binary",
        "truncated JSON",
        "ragged rows",
        "duplicate columns",
    ):
        assert phrase in issues, phrase
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_through_the_python_api(case: dict[str, Any], tmp_path: Path) -> None:
    path = write_case(case, tmp_path)
    expect = case["expect"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if "exit" in expect:
            with pytest.raises(SmartIndexError) as info:
                FIRST_BATCH.evaluate(read_inputs(path, encoding=case.get("encoding")))
            for s in expect["message"]:
                if s != path.name:  # the engine's own errors do not know the file; the CLI adds it
                    assert s in str(info.value), (s, str(info.value))
            return
        result = FIRST_BATCH.evaluate(read_inputs(path, encoding=case.get("encoding")))
    messages = " | ".join(str(w.message) for w in caught)
    for s in expect.get("warning", []):
        assert s in messages
    if "warning" not in expect:
        assert not caught, messages
    header, rows = edited_table(case)
    assert result.n_rows == len(rows)
    assert list(result.labels) == [r[0] for r in rows]
    grades = expected_grades(case)
    for ind in FIRST_BATCH:
        assert result.grades(ind.id) == grades[ind.id], ind.id
        for row in range(result.n_rows):
            if grades[ind.id][row] != "invalid":
                assert result.errors(ind.id, row) == []
    for ind_id, spec in expect.get("invalid", {}).items():
        for row in spec["rows"]:
            reason = " | ".join(result.errors(ind_id, row))
            for s in spec["message"]:
                assert s in reason, (s, reason)
            # The exact scalar path refuses the same row, naming the same place.
            with pytest.raises(SmartIndexError) as info:
                FIRST_BATCH[ind_id].grade(_scalar_values(header, rows[row]), row=row)
            for s in _naming(spec["message"]):
                assert s in str(info.value), (s, str(info.value))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_through_the_cli(case: dict[str, Any], tmp_path: Path) -> None:
    path = write_case(case, tmp_path)
    extra = ["--encoding", case["encoding"]] if "encoding" in case else []
    proc = run_cli("evaluate", str(path), "--format", "json", *extra)
    expect = case["expect"]
    assert "Traceback" not in proc.stderr
    if "exit" in expect:
        assert proc.returncode == expect["exit"], proc.stderr
        line = proc.stderr.strip()
        assert line.count("\n") == 0, line
        assert path.name in line
        for s in expect["message"]:
            assert s in line, (s, line)
        assert proc.stdout == ""
        return
    assert proc.returncode == 0, proc.stderr
    for s in expect.get("warning", []):
        assert s in proc.stderr
    doc = json.loads(proc.stdout)
    _, rows = edited_table(case)
    assert [r["label"] for r in doc["rows"]] == [r[0] for r in rows]
    grades = expected_grades(case)
    for ind in FIRST_BATCH:
        assert [r["indicators"][ind.id]["grade"] for r in doc["rows"]] == grades[ind.id]
    for ind_id, spec in expect.get("invalid", {}).items():
        for row in spec["rows"]:
            reason = " | ".join(doc["rows"][row]["indicators"][ind_id]["errors"])
            for s in spec["message"]:
                assert s in reason, (s, reason)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case_through_gap(
    case: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process (the same main() the console script runs), so the solver's caches are shared;
    # any exception other than the library's own would escape main() and fail the test.
    path = write_case(case, tmp_path)
    extra = ["--encoding", case["encoding"]] if "encoding" in case else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["gap", str(path), "--format", "json", *extra])
    out, err = capsys.readouterr()
    expect = case["expect"]
    if "exit" in expect:
        assert code == expect["exit"], err
        line = err.strip()
        assert line.count("\n") == 0
        assert path.name in line
        return
    assert code == 0, err
    invalid = {
        (ind_id, row) for ind_id, spec in expect.get("invalid", {}).items() for row in spec["rows"]
    }
    for entry in json.loads(out)["gaps"]:
        assert (entry["indicator"], entry["row"]) not in invalid


def test_missing_extra_is_named_not_a_traceback(tmp_path: Path) -> None:
    # The Excel reader says which extra to install when openpyxl is absent; simulate that by
    # running the CLI with openpyxl blocked from importing.
    path = tmp_path / "cities.xlsx"
    path.write_bytes(bytes.fromhex("504b0304140000000000"))
    code = (
        "import sys; sys.modules['openpyxl'] = None; from smartindex.cli import main; "
        f"sys.exit(main(['evaluate', {str(path)!r}]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "smartindex[excel]" in proc.stderr
    assert "cities.xlsx" in proc.stderr


# --- arbitrary data frames --------------------------------------------------------------------

_INPUT_IDS = sorted(FIRST_BATCH.inputs)
_HEADERS = st.one_of(
    st.sampled_from(_INPUT_IDS),
    st.sampled_from(_INPUT_IDS).map(lambda i: f"{i} [{FIRST_BATCH.inputs[i].unit}]"),
    st.sampled_from(["e_license_rate", "e_license_rate [%]", "电子证照使用率", "patent_growth"]),
    st.sampled_from(["download_speed [km]", "download_speed [kbit/s]", "label", "city"]),
    st.text(min_size=1, max_size=12),
)
_CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=0, max_value=30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=-1e-300, max_value=1e-300),
    st.sampled_from(["", " ", "85%", "1/0", "1e999", "-0", "NaN", "inf", "0x10", "1_000", "１２"]),
    st.text(max_size=8),
)


@st.composite
def data_frames(draw: st.DrawFn) -> Any:
    pd = pytest.importorskip("pandas")
    n = draw(st.integers(min_value=1, max_value=5))
    headers = draw(st.lists(_HEADERS, min_size=1, max_size=12, unique=True))
    columns: dict[str, Any] = {}
    for h in headers:
        if draw(st.booleans()):  # a typed numeric column, as read_csv makes
            columns[h] = draw(
                st.lists(
                    st.floats(allow_nan=True, allow_infinity=True) | st.integers(0, 10**6),
                    min_size=n,
                    max_size=n,
                ).map(lambda xs: [float(x) for x in xs])
            )
        else:  # an object column of anything
            columns[h] = draw(st.lists(_CELLS, min_size=n, max_size=n))
    return pd.DataFrame(columns)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(frame=data_frames())
def test_arbitrary_frames_raise_only_library_errors_and_grade_rows_as_alone(frame: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = FIRST_BATCH.evaluate(frame)
        except SmartIndexError:
            return  # a refusal of the whole table (two columns for one input) is allowed
        assert result.n_rows == len(frame)
        for i in range(len(frame)):
            alone = FIRST_BATCH.evaluate(frame.iloc[[i]])
            for ind in FIRST_BATCH:
                assert result.grade(ind.id, i) == alone.grade(ind.id, 0), (ind.id, i)


@pytest.mark.parametrize(
    ("dtype", "values", "grades", "reason"),
    [
        ("Int64", [30, None], ["five_star", "invalid"], "empty"),
        ("Float64", [30.5, None], ["five_star", "invalid"], "empty"),
        ("string", ["30", None], ["five_star", "invalid"], "empty"),
        ("boolean", [True, None], ["invalid", "invalid"], "empty"),
        ("object", [30, "n/a"], ["five_star", "invalid"], "'n/a' is not a number"),
        ("datetime64[ns]", ["2020-01-01", None], ["invalid", "invalid"], "empty"),
        ("complex128", [30, 3 + 1j], ["invalid", "invalid"], "is not a number"),
    ],
)
def test_pandas_dtypes_become_numbers_or_invalid_cells(
    dtype: str, values: list[Any], grades: list[str], reason: str
) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"download_speed": pd.Series(values, dtype=dtype)})
    result = FIRST_BATCH.evaluate(frame)
    assert result.grades("mobile_download_speed") == grades
    assert reason in result.errors("mobile_download_speed", 1)[0]
    if grades[0] == "invalid" and dtype == "boolean":
        assert "yes/no value" in result.errors("mobile_download_speed", 0)[0]
