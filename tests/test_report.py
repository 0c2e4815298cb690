"""The HTML and Markdown reports: content, self-containment, and rendering in headless Chromium."""

from __future__ import annotations

import io
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.errors import SmartIndexError
from smartindex.evaluate import EvaluationResult
from smartindex.htmlreport import (
    department_gaps,
    grade_heatmap_png,
    render_html,
    render_markdown,
    responsibility_matrix,
    write_report,
)
from smartindex.io import read_inputs

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "example-city.csv"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result() -> EvaluationResult:
    return FIRST_BATCH.evaluate(read_inputs(EXAMPLE))


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- content ----------------------------------------------------------------------------


def test_html_lists_every_indicator_for_every_city(result: EvaluationResult) -> None:
    html = render_html(result)
    for label in result.labels:
        assert html.count(f">{label}</h2>") == 1
    for ind in FIRST_BATCH:
        # once per city in the grade tables, plus the responsibility matrix
        assert html.count(f"<code>{ind.id}</code>") >= result.n_rows + 1
    for table in FIRST_BATCH.by_table():
        assert html.count(f"<h3>{table.name_zh} / {table.name_en}</h3>") == result.n_rows


def test_html_counts_match_the_result(result: EvaluationResult) -> None:
    html = render_html(result)
    for row in range(result.n_rows):
        total = result.counts(row)["total"]
        cell = f"{total['five_star']} / {total['four_star']} / {total['not_met']}"
        assert "<td>Total</td>" in html
        assert f"<td>{cell}</td>" in html


def test_html_is_self_contained(result: EvaluationResult) -> None:
    html = render_html(result)
    assert "<script" not in html
    assert "<link" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    images = re.findall(r'<img[^>]*src="([^"]+)"', html)
    assert images
    assert all(src.startswith("data:image/png;base64,") for src in images)


def test_html_escapes_labels_and_names() -> None:
    data = read_inputs(EXAMPLE)
    data["label"] = ['<script>alert("x")</script>', "A & B"]
    html = render_html(FIRST_BATCH.evaluate(data), plots=False)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "A &amp; B" in html


def test_html_without_plots_has_no_image(result: EvaluationResult) -> None:
    assert "<img" not in render_html(result, plots=False)


def test_chinese_names_with_lang_zh(result: EvaluationResult) -> None:
    html = render_html(result, lang="zh", plots=False)
    md = render_markdown(result, lang="zh", plots=False)
    for ind in FIRST_BATCH:
        assert ind.name_zh in html
        assert ind.name_zh in md


def test_responsibility_matrix_shows_joint_responsibility() -> None:
    matrix = responsibility_matrix(FIRST_BATCH)
    placed = {(dept, ind.id): others for dept, entries in matrix.items() for ind, others in entries}
    for ind in FIRST_BATCH:
        departments = ind.departments_zh or ("(missing from source)",)
        for dept in departments:
            others = placed[dept, ind.id]
            assert set(others) == set(ind.departments_zh) - {dept}
    assert len(placed) == sum(max(1, len(i.departments_zh)) for i in FIRST_BATCH)
    credit = FIRST_BATCH["credit_info_sharing"]
    assert len(credit.departments_zh) == 2
    for dept in credit.departments_zh:
        assert [i.id for i, _ in matrix[dept]].count("credit_info_sharing") == 1


def test_open_gaps_are_exactly_the_rows_below_five_stars(result: EvaluationResult) -> None:
    gaps = department_gaps(result)
    for dept, entries in responsibility_matrix(FIRST_BATCH).items():
        expected = set()
        for row in range(result.n_rows):
            for ind, _ in entries:
                grade = result.grade(ind.id, row)
                status = result.five_star_status(ind.id, row)
                if grade in ("not_met", "four_star", "invalid") and status != "unknown":
                    expected.add((row, ind.id))
        assert {(g.row, g.indicator) for g in gaps[dept]} == expected


def test_each_gap_names_the_quantity_and_the_threshold(result: EvaluationResult) -> None:
    gaps = [g for gs in department_gaps(result).values() for g in gs]
    assert gaps
    for gap in gaps:
        ind = FIRST_BATCH[gap.indicator]
        target = ind.four_star if gap.grade == "not_met" else ind.five_star
        assert gap.target == ("four_star" if gap.grade == "not_met" else "five_star")
        assert gap.needs, gap
        quantity_ids = {q.id for q in ind.quantities}
        for need in gap.needs:
            qid, rest = need.split(" ", 1)
            assert qid in quantity_ids
            assert " -> " in rest
        ops = {c.op.value for c in target.conditions}  # type: ignore[union-attr]
        assert any(op in need for need in gap.needs for op in ops)


def test_gap_of_a_city_just_below_the_threshold() -> None:
    # 79% of services use e-licences; the four-star target is 达到80% (>= 80%).
    data = read_inputs(EXAMPLE)
    data["services_with_e_license [service_item]"] = ["790", "800"]
    data["gov_services_total [service_item]"] = ["1000", "1000"]
    res = FIRST_BATCH.evaluate(data)
    gaps = [g for g in department_gaps(res)["市行政审批服务局"] if g.indicator == "e_license_usage"]
    assert [(g.row, g.grade, g.target) for g in gaps] == [
        (0, "not_met", "four_star"),
        (1, "four_star", "five_star"),
    ]
    assert gaps[0].needs == ("e_license_rate 79% -> >= 80%",)
    assert gaps[1].needs == ("e_license_rate 80% -> > 85%",)


def test_gaps_list_one_input_changes_that_reach_the_target() -> None:
    data = read_inputs(EXAMPLE)
    data["services_with_e_license [service_item]"] = ["790", "800"]
    data["gov_services_total [service_item]"] = ["1000", "1000"]
    res = FIRST_BATCH.evaluate(data)
    gaps = department_gaps(res, data)
    (low,) = [g for g in gaps["市行政审批服务局"] if g.row == 0]
    assert low.changes[0] == "services_with_e_license 790 -> 800 (+10 service_item)"
    (high,) = [g for g in gaps["市行政审批服务局"] if g.row == 1]
    assert high.changes[0] == "services_with_e_license 800 -> 851 (+51 service_item)"
    # every listed change, applied alone to its row, reaches the gap's target
    checked = 0
    for dept_gaps in gaps.values():
        for gap in dept_gaps:
            for change in gap.changes:
                input_id, rest = change.split(" ", 1)
                new_value = rest.split(" -> ")[1].split(" ")[0]
                changed = {k: list(v) for k, v in data.items()}
                (column,) = [k for k in changed if k.split(" [")[0] == input_id]
                changed[column][gap.row] = new_value
                after = FIRST_BATCH.evaluate(changed).grade(gap.indicator, gap.row)
                order = ["not_met", "four_star", "five_star"]
                assert order.index(after) >= order.index(gap.target), (gap, change)
                checked += 1
    assert checked > 20


def test_without_data_gaps_have_no_input_changes(result: EvaluationResult) -> None:
    assert all(not g.changes for gs in department_gaps(result).values() for g in gs)


def test_invalid_rows_show_their_errors_as_gaps() -> None:
    data = read_inputs(EXAMPLE)
    data["gov_services_total [service_item]"] = ["0", "1000"]
    res = FIRST_BATCH.evaluate(data)
    assert res.grade("e_license_usage", 0) == "invalid"
    (gap,) = [
        g for g in department_gaps(res)["市行政审批服务局"] if g.row == 0 and g.grade == "invalid"
    ]
    assert gap.needs == tuple(res.errors("e_license_usage", 0))
    html = render_html(res, plots=False)
    assert '<span class="grade invalid">invalid</span>' in html


def test_markdown_report(result: EvaluationResult) -> None:
    md = render_markdown(result, plots=False)
    assert md.startswith(f"# {FIRST_BATCH.title_zh}\n")
    for label in result.labels:
        assert f"\n## {label}\n" in md
    for dept in responsibility_matrix(FIRST_BATCH):
        assert f"\n### {dept}\n" in md
    assert "(jointly with 市发展改革委)" in md
    table_lines = [line for line in md.splitlines() if line.startswith("| `")]
    assert all(line.endswith(" |") for line in table_lines)
    assert len(table_lines) >= len(FIRST_BATCH) * result.n_rows


def test_markdown_embeds_the_heat_map(result: EvaluationResult) -> None:
    md = render_markdown(result)
    assert "![Grade heat map](data:image/png;base64," in md


def test_heat_map_is_a_png_sized_by_the_catalog(result: EvaluationResult) -> None:
    png = grade_heatmap_png(result)
    assert png is not None
    width, height = _png_size(png)
    assert width >= 28 * len(FIRST_BATCH)  # 0.28 inch per indicator at 100 dpi
    assert height >= 250


def test_heat_map_colours_follow_the_grades() -> None:
    import matplotlib.image

    # one row, every indicator five-star except those whose grade differs: count green cells
    data = read_inputs(EXAMPLE)
    res = FIRST_BATCH.evaluate({k: v[:1] for k, v in data.items()})
    png = grade_heatmap_png(res)
    assert png is not None
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")[:, :, :3]
    green = np.all(np.abs(pixels - np.array([0x1A, 0x7F, 0x37]) / 255) < 0.02, axis=2)
    orange = np.all(np.abs(pixels - np.array([0xB3, 0x59, 0x00]) / 255) < 0.02, axis=2)
    codes = [res.grade(ind.id, 0) for ind in FIRST_BATCH]
    assert green.any() == ("five_star" in codes)
    assert orange.any() == ("not_met" in codes)


def test_write_report_picks_the_format_by_suffix(tmp_path: Path, result: EvaluationResult) -> None:
    html = write_report(result, tmp_path / "r.html", plots=False)
    md = write_report(result, tmp_path / "r.md", plots=False)
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert md.read_text(encoding="utf-8").startswith("# ")
    with pytest.raises(SmartIndexError, match=r"r\.pdf.*\.html or \.md"):
        write_report(result, tmp_path / "r.pdf")
    with pytest.raises(SmartIndexError, match="cannot write"):
        write_report(result, tmp_path / "missing-dir" / "r.html")


# --- headless Chromium --------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("SMARTINDEX_REQUIRE_CHROMIUM"):
        pytest.fail("Chromium is required (SMARTINDEX_REQUIRE_CHROMIUM is set) but not found")
    pytest.skip("Chromium is not installed (CI installs Debian's chromium package)")


def _run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, timeout=180, check=True, cwd=tmp_path)


@pytest.fixture(scope="module")
def html_file(tmp_path_factory: pytest.TempPathFactory, result: EvaluationResult) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(result, path, data=read_inputs(EXAMPLE))
    return path


def test_report_plots_with_gaps_add_the_department_chart() -> None:
    from smartindex.plot import has_cjk_font

    data = read_inputs(EXAMPLE)
    res = FIRST_BATCH.evaluate(data)
    html = render_html(res, data=data)
    assert '<img alt="Grade heat map" src="data:image/png;base64,' in html
    assert '<img alt="Open gaps per department" src="data:image/png;base64,' in html
    if not has_cjk_font():  # the chart draws codes; the page says which department each is
        assert re.search(r"D\d\d: 市大数据中心", html)
    assert "Open gaps per department" not in render_html(res)


def test_chromium_renders_the_report_text(tmp_path: Path, html_file: Path) -> None:
    proc = _run_chromium(tmp_path, "--dump-dom", html_file.as_uri())
    dom = proc.stdout.decode("utf-8")
    assert "<title>" in dom
    for label in ("Synthetic City A", "Synthetic City B", "Counts per table"):
        assert label in dom
    for ind in FIRST_BATCH:
        assert ind.id in dom
    assert "★★★★★" in dom
    assert "市大数据中心" in dom
    assert "jointly with" in dom
    assert 'alt="Grade heat map"' in dom
    assert 'alt="Open gaps per department"' in dom


def test_chromium_screenshot_is_a_png_showing_the_grades(tmp_path: Path, html_file: Path) -> None:
    import matplotlib.image

    shot = tmp_path / "shot.png"
    _run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1600", html_file.as_uri())
    data = shot.read_bytes()
    assert _png_size(data) == (1200, 1600)
    pixels = matplotlib.image.imread(str(shot))[:, :, :3]
    # the five-star green of the heat map and the badges is on screen: the CSS and image rendered
    green = np.all(np.abs(pixels - np.array([0x1A, 0x7F, 0x37]) / 255) < 0.03, axis=2)
    assert green.sum() > 500
    assert pixels.std() > 0.05  # not a blank page
