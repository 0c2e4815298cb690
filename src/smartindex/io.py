"""Reading raw-input files (CSV, JSON, Excel) into column mappings, with errors that name the place.

Files are data, never code: CSV and JSON go through the standard library parsers, Excel through
openpyxl (the optional ``excel`` extra) with formulas read as their cached values. Any problem
ends in one ``FileFormatError`` naming the file and the line (or row) and column.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from smartindex.errors import FileFormatError

__all__ = ["HEADER_NAMES_ZH", "InputColumns", "read_inputs"]

#: Chinese column headers accepted for quantities of the Shandong first batch.
#: Each is, verbatim, the left side of a formula in the indicator's 指标释义 (definition_zh)
#: or the indicator's own 二级指标 name where that name is the rate itself; a column under one
#: of these names gives the quantity directly (a share as 0.85, or 85 with ``[%]``), so the
#: raw inputs behind it are not needed. ``tests/test_io.py`` checks every name against the text.
HEADER_NAMES_ZH: dict[str, str] = {
    "电子证照使用率": "e_license_rate",
    "智慧校园覆盖率": "smart_campus_rate",
    "公共汽电车来车信息实时预报率": "realtime_prediction_rate",
    "公交电子站牌覆盖率": "e_sign_coverage",
    "公共交通乘车电子支付使用率": "e_payment_rate",
    "公共交通电子支付使用率": "e_payment_rate",
    "家庭能源自动化采集覆盖率": "auto_metering_rate",
    "信息资源部门间共享率": "interdepartment_sharing_rate",
    "公共信息资源社会开放率": "open_data_rate",
    "社会信用信息部门实时共享率": "credit_sharing_rate",
    "政务信息系统云平台迁移率": "cloud_migration_rate",
    "城市应急指挥系统完成的应急指挥事件率": "emergency_command_rate",
    "空气、水体、噪声等环境质量自动化监测率": "monitoring_weighted_rate",
    "交通路口实时信号配时系统比例": "signal_timing_rate",
    "路口实时信号配时系统比例": "signal_timing_rate",
    "市政管网管线智能化监测管理率": "pipeline_monitoring_rate",
    "智能照明设备安装率": "smart_lighting_rate",
    "重点用能建筑节能管理数字化覆盖率": "submetering_rate",
    "单位地区生产总值软件及相关信息服务业营业收入": "software_revenue_per_gdp",
    "区域内企业上云数量": "enterprises_on_cloud",
    "电商交易额占比": "e_commerce_share",
    "万人有效发明专利拥有量": "patents_per_10k",
    "前一年万人有效发明量": "patents_per_10k_prev",
    "万人有效发明专利拥有量增幅": "patent_growth",
    "新一代信息技术产业就业人口占比": "ngit_employment_share",
    "家庭光纤入户覆盖率": "fibre_coverage",
    "移动通信网络平均下载速率": "download_speed",
    "城市重点公共区域视频监控联网率": "networking_rate",
    "视频监控联网率": "networking_rate",
    "城市重点公共区域高清视频监控覆盖率": "hd_coverage",
    "城市重点公共区域视频监控摄像机完好率": "camera_working_rate",
    "公共安全视频图像支撑打击犯罪的贡献率": "crime_contribution_rate",
}

_EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class InputColumns(dict[str, list[Any]]):
    """Column name -> cell values in row order, remembering where each cell sits in the file.

    Evaluation uses ``where`` to name the file, line and column of a bad cell in its message.
    """

    def __init__(
        self,
        columns: dict[str, list[Any]],
        *,
        path: object,
        lines: Sequence[int] | None = None,
        positions: dict[str, int] | None = None,
    ) -> None:
        super().__init__(columns)
        self.path = str(path)
        self.lines = list(lines) if lines is not None else None
        self.positions = dict(positions or {})

    def where(self, row: int, column: str) -> str | None:
        """``"cities.csv line 3, column 14"`` for a data row and header, where known."""
        if self.lines is None or not 0 <= row < len(self.lines):
            return None
        col = self.positions.get(column)
        place = f"{Path(self.path).name} line {self.lines[row]}"
        return f"{place}, column {col}" if col is not None else place


_ZIP_MAGIC = b"PK\x03\x04"


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    if encoding:
        candidates = [encoding]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]  # Excel's "Unicode text" export: UTF-16 with a BOM, tabs
    else:
        if b"\x00" in data[:4096]:
            raise FileFormatError("this is a binary file, not CSV or JSON text", path=path)
        candidates = ["utf-8-sig", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            if encoding:
                raise FileFormatError(
                    f"byte {exc.start} cannot be decoded as {encoding}: {exc.reason}", path=path
                ) from None
            continue
        except LookupError:
            raise FileFormatError(f"unknown encoding {encoding!r}", path=path) from None
        if "\x00" in text:
            raise FileFormatError("this is a binary file, not CSV or JSON text", path=path)
        if not text.strip():
            raise FileFormatError("the file is empty", path=path)
        return text.removeprefix("\ufeff")
    raise FileFormatError(
        "cannot decode the file as UTF-8 or GB18030; pass --encoding (e.g. --encoding big5)",
        path=path,
    )


def _columns(
    path: Path, header: Sequence[Any], rows: Sequence[tuple[int, Sequence[Any]]]
) -> InputColumns:
    """Column name -> values from a header and (line number, cells) rows; checks the shape."""
    names = ["" if h is None else str(h).strip() for h in header]
    while names and not names[-1]:  # trailing empty header cells (a spreadsheet's last comma)
        names.pop()
    seen: dict[str, int] = {}
    for col, name in enumerate(names, start=1):
        if not name:
            raise FileFormatError("empty header cell", path=path, line=1, column=col)
        if name in seen:
            raise FileFormatError(
                f"duplicate column {name!r} (also column {seen[name]})",
                path=path,
                line=1,
                column=col,
            )
        seen[name] = col
    if not rows:
        raise FileFormatError("a header but no data rows", path=path)
    columns: dict[str, list[Any]] = {h: [] for h in names}
    width = len(names)
    for line, row in rows:
        cells = list(row)
        while len(cells) > width and (cells[-1] is None or str(cells[-1]).strip() == ""):
            cells.pop()
        if len(cells) != width:
            raise FileFormatError(
                f"{len(cells)} cells for {width} columns (ragged row)",
                path=path,
                line=line,
                column=min(len(cells), width) + 1,
            )
        for name, cell in zip(names, cells, strict=True):
            columns[name].append(cell.strip() if isinstance(cell, str) else cell)
    return InputColumns(columns, path=path, lines=[line for line, _ in rows], positions=seen)


def _read_csv(path: Path, text: str) -> InputColumns:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        hint = " (a quote opened and never closed?)" if "end of data" in str(exc) else ""
        raise FileFormatError(f"{exc}{hint}", path=path, line=reader.line_num) from None
    if not rows:
        raise FileFormatError("no header row", path=path)
    _, header = rows[0]
    return _columns(path, header, rows[1:])


def _read_json(path: Path, text: str) -> InputColumns:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            f"invalid JSON: {exc.msg}", path=path, line=exc.lineno, column=exc.colno
        ) from None
    except RecursionError:
        raise FileFormatError("JSON nested too deeply", path=path) from None
    rows = doc
    if isinstance(doc, dict):
        rows = doc.get("rows", [doc])
    if not isinstance(rows, list) or not rows:
        raise FileFormatError(
            'expected a list of row objects (or {"rows": [...]}) with at least one row', path=path
        )
    names: dict[str, None] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise FileFormatError(f"row {i} is a {type(row).__name__}, not an object", path=path)
        names.update(dict.fromkeys(row))
    columns: dict[str, list[Any]] = {n: [] for n in names}
    for i, row in enumerate(rows):
        for name in names:
            value = row.get(name)
            if isinstance(value, dict) or (
                isinstance(value, list) and not all(isinstance(v, str) for v in value)
            ):
                raise FileFormatError(
                    f"row {i}, column {name!r}: a {type(value).__name__} where a number "
                    "(or, for a checklist, a list of item names) belongs",
                    path=path,
                )
            columns[name].append(value)
    return InputColumns(columns, path=path)


def _read_excel(path: Path, data: bytes) -> InputColumns:
    try:
        import openpyxl
    except ImportError:
        raise FileFormatError(
            "reading Excel files needs openpyxl: pip install 'smartindex[excel]' "
            "(or save the sheet as CSV)",
            path=path,
        ) from None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged zip or XML raises many unrelated types
        raise FileFormatError(f"not a readable Excel workbook ({exc})", path=path) from None
    try:
        sheet = book.worksheets[0]
        rows = [
            (line, row)
            for line, row in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(cell is not None and str(cell).strip() for cell in row)
        ]
    except Exception as exc:  # same: damaged sheet XML
        raise FileFormatError(f"not a readable Excel workbook ({exc})", path=path) from None
    finally:
        book.close()
    if not rows:
        raise FileFormatError("the first sheet is empty", path=path)
    return _columns(path, rows[0][1], rows[1:])


def read_inputs(path: str | Path, *, encoding: str | None = None) -> InputColumns:
    """Read a CSV (comma or tab; UTF-8 with or without BOM, GB18030 or ``encoding``), JSON, Excel.

    Returns column name -> cell values, in row order. Raises ``FileFormatError`` naming the file
    and the place for anything that is not a readable table.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise FileFormatError(f"cannot read: {exc.strerror or exc}", path=p) from None
    if not data.strip():
        raise FileFormatError("the file is empty", path=p)
    if p.suffix.lower() in _EXCEL_SUFFIXES or data.startswith(_ZIP_MAGIC):
        return _read_excel(p, data)
    if p.suffix.lower() == ".xls":
        raise FileFormatError("old .xls workbooks are not read; save as .xlsx or CSV", path=p)
    text = _decode(p, data, encoding)
    if p.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        return _read_json(p, text)
    return _read_csv(p, text)
