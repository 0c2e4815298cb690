"""Reading raw-input files: encodings, delimiters, JSON shapes, Excel, headers, and no code run."""

from __future__ import annotations

import json
import math
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest

from smartindex import FileFormatError
from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.io import HEADER_NAMES_ZH, read_inputs

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "example-city.csv"


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- Chinese headers ------------------------------------------------------------------------


def test_every_chinese_header_is_quoted_from_its_indicator() -> None:
    owner = {q.id: ind for ind in FIRST_BATCH for q in ind.quantities}
    for name, qid in HEADER_NAMES_ZH.items():
        assert qid in owner, qid
        ind = owner[qid]
        defined = re.search(re.escape(name) + r"\s*=", ind.definition_zh) is not None
        # A name without its formula is the indicator's own name or a term its definition uses.
        assert defined or name == ind.name_zh or name in ind.definition_zh, (name, ind.id)


def test_a_rate_named_by_its_indicator_names_that_indicator_s_only_quantity() -> None:
    for name, qid in HEADER_NAMES_ZH.items():
        for ind in FIRST_BATCH:
            if ind.name_zh == name:
                assert [q.id for q in ind.quantities] == [qid]


def test_chinese_header_with_full_width_brackets_gives_the_quantity(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "rates.csv", "城市,电子证照使用率【%】,智慧校园覆盖率\n甲,80,0.8\n乙,79.9,0.59\n"
    )
    result = FIRST_BATCH.evaluate(read_inputs(path))
    assert list(result.labels) == ["甲", "乙"]
    assert result.grades("e_license_usage") == ["four_star", "not_met"]
    assert result.grades("smart_campus_coverage") == ["five_star", "not_met"]


# --- CSV ------------------------------------------------------------------------------------


def test_bom_is_not_part_of_the_first_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "bom.csv", "label,download_speed\nA,31.5\n", "utf-8-sig")
    assert list(read_inputs(path)) == ["label", "download_speed"]


def test_gb18030_is_detected_and_can_be_given(tmp_path: Path) -> None:
    text = "label,电子证照使用率\n威海,0.9\n"
    path = _write(tmp_path, "gb.csv", text, "gb18030")
    assert read_inputs(path) == {"label": ["威海"], "电子证照使用率": ["0.9"]}
    assert read_inputs(path, encoding="gb18030") == read_inputs(path)


def test_an_unknown_encoding_is_a_file_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.csv", "label,download_speed\nA,1\n")
    with pytest.raises(FileFormatError, match="unknown encoding 'klingon'"):
        read_inputs(path, encoding="klingon")


def test_tabs_quotes_blank_lines_and_trailing_empty_columns(tmp_path: Path) -> None:
    text = 'label\tdownload_speed\t\n\n"City, with ""quotes""\nand a line"\t31.5\t\n\nB\t27\t\n'
    path = _write(tmp_path, "x.tsv", text)
    assert read_inputs(path) == {
        "label": ['City, with "quotes"\nand a line', "B"],
        "download_speed": ["31.5", "27"],
    }


def test_ragged_row_names_the_line_of_the_file_not_of_the_data(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "label,download_speed\n\nA,1\n\nB,2,3\n")
    with pytest.raises(FileFormatError, match=r"r\.csv, line 5, column 3: 3 cells for 2 columns"):
        read_inputs(path)


def test_utf16_text_export_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "u.txt", "label\tdownload_speed\r\nA\t31.5\r\n", "utf-16")
    assert read_inputs(path) == {"label": ["A"], "download_speed": ["31.5"]}


def test_nul_bytes_inside_text_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(b"label,download_speed\n" + b"A,1\n" * 2000 + b"B,\x00\n")
    with pytest.raises(FileFormatError, match="binary"):
        read_inputs(path)


def test_old_xls_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 100)
    with pytest.raises(FileFormatError, match=r"save as \.xlsx or CSV"):
        read_inputs(path)


# --- JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "doc",
    [
        [{"label": "A", "download_speed": 31.5}],
        {"rows": [{"label": "A", "download_speed": 31.5}]},
        {"label": "A", "download_speed": 31.5},
    ],
    ids=["list", "rows", "one-object"],
)
def test_json_shapes(doc: Any, tmp_path: Path) -> None:
    path = _write(tmp_path, "x.json", json.dumps(doc))
    assert read_inputs(path) == {"label": ["A"], "download_speed": [31.5]}


def test_json_rows_may_lack_keys_and_nan_is_an_empty_cell(tmp_path: Path) -> None:
    path = _write(tmp_path, "x.json", '[{"download_speed": NaN}, {"label": "B"}]')
    columns = read_inputs(path)
    assert columns["label"] == [None, "B"]
    assert math.isnan(columns["download_speed"][0])
    assert columns["download_speed"][1] is None
    result = FIRST_BATCH.evaluate(columns)
    assert result.grades("mobile_download_speed") == ["invalid", "invalid"]
    assert "empty or NaN" in result.errors("mobile_download_speed", 0)[0]


def test_json_checklist_cells_may_name_the_items(tmp_path: Path) -> None:
    items = FIRST_BATCH.inputs["employment_service_channels"].items
    rows = [
        {"label": "A", "employment_service_channels": list(items[:5])},
        {"label": "B", "employment_service_channels": [*items[:2], "飞鸽传书"]},
        {"label": "C", "employment_service_channels": 4},
    ]
    path = _write(tmp_path, "c.json", json.dumps(rows, ensure_ascii=False))
    result = FIRST_BATCH.evaluate(read_inputs(path))
    assert result.grades("employment_service_channels") == ["five_star", "invalid", "four_star"]
    assert (
        "unknown checklist item(s) ['飞鸽传书']"
        in result.errors("employment_service_channels", 1)[0]
    )


def test_deeply_nested_json_is_a_file_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(FileFormatError):
        read_inputs(path)


# --- Excel ----------------------------------------------------------------------------------


def test_excel_first_sheet_numbers_and_formulas(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["label", "download_speed [Mbit/s]", "weather_station_spacing [km]", None])
    sheet.append(["A", 31.5, "=1+1", None])  # a formula never computed by Excel: no cached value
    sheet.append([None, None, None, None])
    sheet.append(["B", 27, 2.8, None])
    book.create_sheet("notes").append(["ignored"])
    path = tmp_path / "cities.xlsx"
    book.save(path)
    columns = read_inputs(path)
    assert columns == {
        "label": ["A", "B"],
        "download_speed [Mbit/s]": [31.5, 27],
        "weather_station_spacing [km]": [None, 2.8],  # formulas are never evaluated here
    }
    result = FIRST_BATCH.evaluate(columns)
    assert result.grades("mobile_download_speed") == ["five_star", "four_star"]
    assert result.grades("weather_station_coverage") == ["invalid", "five_star"]
    assert "empty" in result.errors("weather_station_coverage", 0)[0]


def test_excel_file_with_a_csv_name_is_still_read_as_excel(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["label", "download_speed"])
    book.active.append(["A", 31.5])
    path = tmp_path / "looks-like.csv"
    book.save(path)
    assert read_inputs(path) == {"label": ["A"], "download_speed": [31.5]}


# --- no code is run -------------------------------------------------------------------------

_AUDIT: dict[str, Any] = {"armed": False, "events": []}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _AUDIT["armed"] or event not in ("exec", "compile", "pickle.find_class"):
        return
    if event == "exec":
        name = getattr(args[0], "co_filename", "<?>")
    elif event == "compile":
        name = str(args[1])
    else:
        name = "<pickle>"
    if name.startswith("<"):  # code made from text, not a module being imported
        _AUDIT["events"].append((event, name))


def test_reading_and_evaluating_files_runs_no_code_from_them(tmp_path: Path) -> None:
    hostile = "__import__('os').system('touch pwned')"
    files = [
        _write(tmp_path, "a.csv", f"label,download_speed,{hostile}\n{hostile},{hostile},1\n"),
        _write(tmp_path, "b.json", json.dumps([{"label": hostile, "download_speed": hostile}])),
        _write(tmp_path, "c.csv", f"label,download_speed [{hostile}]\nA,1\n"),
        _write(tmp_path, "d.csv", "label,download_speed [1/0]\nA,=1+1\n"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in files:  # warm up lazy imports (pint, difflib) before arming
            FIRST_BATCH.evaluate(read_inputs(path)).to_json()
        sys.addaudithook(_audit)
        _AUDIT["armed"] = True
        try:
            for path in files:
                result = FIRST_BATCH.evaluate(read_inputs(path))
                assert result.grade("mobile_download_speed") == "invalid"
        finally:
            _AUDIT["armed"] = False
    assert _AUDIT["events"] == []
    assert not (tmp_path / "pwned").exists()
    assert not Path("pwned").exists()


def test_file_errors_carry_path_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "label,download_speed\nA,1,2\n")
    with pytest.raises(FileFormatError) as info:
        read_inputs(path)
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 2, 3)
    assert info.value.reason == "3 cells for 2 columns (ragged row)"
    path = _write(tmp_path, "j.json", '[{"a": 1,\n  "b": }]')
    with pytest.raises(FileFormatError) as info:
        read_inputs(path)
    assert (info.value.line, info.value.column) == (2, 8)
    assert str(info.value).startswith(f"{path}, line 2, column 8: invalid JSON")
