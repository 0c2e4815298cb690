"""The command line, run as users run it: ``python -m smartindex`` in a subprocess."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from smartindex.catalog.shandong import FIRST_BATCH
from smartindex.cli import build_parser
from smartindex.io import read_inputs

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "example-city.csv"
ANSI = "\x1b["


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-m", "smartindex", *args],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        cwd=cwd,
        env=env,
    )


def run_on_tty(
    *args: str, tty: str, env_extra: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run with ``tty`` ("stdout" or "stderr") on a pseudo-terminal, the other on a pipe."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(env_extra or {})
    pipe = subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "smartindex", *args],
        stdout=slave if tty == "stdout" else pipe,
        stderr=slave if tty == "stderr" else pipe,
        env=env,
    )
    os.close(slave)
    out, err = proc.communicate(timeout=300)
    reader.join(timeout=60)
    os.close(master)
    on_tty = b"".join(chunks).decode("utf-8").replace("\r\n", "\n")
    piped = (out if tty == "stderr" else err).decode("utf-8")
    return proc.returncode, on_tty, piped


def _commands() -> list[list[str]]:
    """Every leaf sub-command of the parser, as argument prefixes."""

    def leaves(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return [prefix]
        out = []
        for name, child in subs[0].choices.items():
            out += leaves(child, [*prefix, name])
        return out

    return leaves(build_parser(), [])


# --- help and usage -----------------------------------------------------------------------


def test_the_commands_of_the_issue_are_there() -> None:
    names = {" ".join(c) for c in _commands()}
    for expected in (
        "demo",
        "catalog list",
        "catalog show",
        "catalog export",
        "catalog departments",
        "evaluate",
        "report",
    ):
        assert expected in names


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    proc = run(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Example: smartindex " + " ".join(command) in proc.stdout


def test_command_groups_have_an_example_too() -> None:
    proc = run("catalog", "--help")
    assert proc.returncode == 0
    assert "Example: smartindex catalog " in proc.stdout


def test_demo_formats_match_evaluate_on_the_shipped_data() -> None:
    shipped = Path(__file__).resolve().parents[1] / "src/smartindex/data/example-city.csv"
    demo = run("demo", "--format", "json")
    assert demo.returncode == 0, demo.stderr
    assert json.loads(demo.stdout) == json.loads(
        run("evaluate", str(shipped), "--format", "json").stdout
    )
    md = run("demo", "--format", "markdown").stdout.splitlines()
    assert md[0] == "| label | table | indicator | name | quantities | grade |"
    assert len(md) == 2 + 2 * len(FIRST_BATCH)
    table = run("demo").stdout
    assert "== Counts per table (five-star / four-star / not met) ==" in table


def test_top_level_help_and_version() -> None:
    proc = run("--help")
    assert proc.returncode == 0
    assert "Example: smartindex" in proc.stdout
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("smartindex ")


def test_bad_usage_is_one_line_and_exit_2() -> None:
    proc = run("catalog", "list", "--format", "yaml")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "Traceback" not in proc.stderr
    unknown = run("frobnicate")
    assert unknown.returncode == 2


# --- catalog ------------------------------------------------------------------------------


def test_catalog_list_in_every_format() -> None:
    as_json = json.loads(run("catalog", "list", "--format", "json").stdout)
    assert [r["id"] for r in as_json] == [i.id for i in FIRST_BATCH]
    as_csv = list(csv.DictReader(io.StringIO(run("catalog", "list", "--format", "csv").stdout)))
    assert [r["id"] for r in as_csv] == [i.id for i in FIRST_BATCH]
    md = run("catalog", "list", "--format", "markdown", "--lang", "zh").stdout.splitlines()
    assert md[0] == "| id | table | name | departments |"
    assert len(md) == 2 + len(FIRST_BATCH)
    assert all(FIRST_BATCH[line.split(" | ")[0][2:]].name_zh in line for line in md[2:])
    table = run("catalog", "list").stdout
    assert ANSI not in table
    assert all(i.id in table for i in FIRST_BATCH)


def test_catalog_departments_is_the_responsibility_matrix() -> None:
    proc = run("catalog", "departments", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    pairs = {(r["department"], r["indicator"]): r["jointly_with"] for r in records}
    assert len(pairs) == len(records)
    for ind in FIRST_BATCH:
        for dept in ind.departments_zh or ("(missing from source)",):
            joint = pairs[dept, ind.id]
            assert set(filter(None, joint.split("、"))) == set(ind.departments_zh) - {dept}
    assert pairs["市发展改革委", "credit_info_sharing"] == "市大数据中心"
    assert pairs["市大数据中心", "credit_info_sharing"] == "市发展改革委"
    assert len(records) == sum(max(1, len(i.departments_zh)) for i in FIRST_BATCH)


def test_catalog_departments_filters_and_formats() -> None:
    proc = run("catalog", "departments", "--department", "市公安局", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    expected = [i.id for i in FIRST_BATCH if "市公安局" in i.departments_zh]
    assert [r["indicator"] for r in rows] == expected
    assert {r["department"] for r in rows} == {"市公安局"}
    md = run("catalog", "departments", "--format", "markdown").stdout
    assert md.startswith("| department | indicator | name | jointly_with |\n|---|")
    table = run("catalog", "departments", "--table", "infrastructure").stdout
    assert "weather_station_coverage" in table
    assert "open_data" not in table


# --- report -------------------------------------------------------------------------------


def test_report_html_and_markdown(tmp_path: Path) -> None:
    proc = run("report", str(EXAMPLE), "--out", "city.html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "wrote city.html (2 rows, 34 indicators)" in proc.stdout
    html = (tmp_path / "city.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in html
    proc = run("report", str(EXAMPLE), "--out", str(tmp_path / "city.md"), "--no-plots")
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "city.md").read_text(encoding="utf-8")
    assert "## Responsibility matrix and open gaps" in md
    assert "data:image" not in md


def test_report_default_name_and_filters(tmp_path: Path) -> None:
    proc = run("report", str(EXAMPLE), "--table", "infrastructure", "--lang", "zh", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert FIRST_BATCH["weather_station_coverage"].name_zh in html
    assert "open_data" not in html


def test_report_errors_exit_2_on_one_line(tmp_path: Path) -> None:
    bad_suffix = run("report", str(EXAMPLE), "--out", str(tmp_path / "r.pdf"))
    assert bad_suffix.returncode == 2
    assert "r.pdf" in bad_suffix.stderr
    assert ".html or .md" in bad_suffix.stderr
    missing = run("report", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "r.html"))
    assert missing.returncode == 2
    assert "nope.csv" in missing.stderr
    for proc in (bad_suffix, missing):
        assert "Traceback" not in proc.stderr
        assert proc.stderr.strip().count("\n") == 0
    assert not (tmp_path / "r.html").exists()


# --- colour and progress only on a terminal -----------------------------------------------


def test_no_colour_when_piped() -> None:
    for args in (("demo",), ("evaluate", str(EXAMPLE))):
        proc = run(*args)
        assert proc.returncode == 0
        assert ANSI not in proc.stdout
        assert ANSI not in proc.stderr


def test_colour_on_a_terminal_unless_no_color() -> None:
    code, shown, _ = run_on_tty("demo", tty="stdout")
    assert code == 0
    assert "\x1b[32m★★★★★\x1b[0m" in shown
    assert "\x1b[33mnot met\x1b[0m" in shown
    code, shown, _ = run_on_tty("evaluate", str(EXAMPLE), tty="stdout")
    assert code == 0
    assert "\x1b[32mfive_star\x1b[0m" in shown
    code, shown, _ = run_on_tty("demo", tty="stdout", env_extra={"NO_COLOR": "1"})
    assert code == 0
    assert ANSI not in shown
    code, shown, _ = run_on_tty("evaluate", str(EXAMPLE), "--format", "json", tty="stdout")
    assert ANSI not in shown
    json.loads(shown)


@pytest.fixture(scope="module")
def large_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,400 scenarios: the example cities repeated with varied e-licence usage, no labels."""
    data = read_inputs(EXAMPLE)
    del data["label"]
    n = 2400
    out = {k: [v[i % 2] for i in range(n)] for k, v in data.items()}
    out["services_with_e_license [service_item]"] = [str(700 + i % 300) for i in range(n)]
    path = tmp_path_factory.mktemp("large") / "scenarios.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(out)
        writer.writerows(zip(*out.values(), strict=True))
    return path


def test_progress_bar_only_on_a_terminal_and_same_result(large_file: Path) -> None:
    code, bar, stdout = run_on_tty("evaluate", str(large_file), "--format", "json", tty="stderr")
    assert code == 0
    assert "2400/2400 rows" in bar
    assert "[" + "#" * 30 + "]" in bar
    piped = run("evaluate", str(large_file), "--format", "json")
    assert piped.returncode == 0
    assert "rows" not in piped.stderr
    assert json.loads(stdout) == json.loads(piped.stdout)
    rows = json.loads(stdout)["rows"]
    assert [r["label"] for r in rows[:3]] == ["0", "1", "2"]
    assert rows[-1]["label"] == "2399"
    grades = [r["indicators"]["e_license_usage"]["grade"] for r in rows[:300]]
    assert grades[99] == "not_met"  # 799 / 1000
    assert grades[100] == "four_star"  # 800 / 1000: 达到80% is >= 80%
    assert grades[150] == "four_star"  # 850 / 1000: 超过85% is > 85%
    assert grades[151] == "five_star"


def test_small_files_show_no_progress_bar_even_on_a_terminal() -> None:
    code, bar, _ = run_on_tty("evaluate", str(EXAMPLE), tty="stderr")
    assert code == 0
    assert "rows" not in bar


def test_progress_path_keeps_file_row_numbers_in_errors(capsys: pytest.CaptureFixture[str]) -> None:
    from smartindex.catalog.shandong import FIRST_BATCH
    from smartindex.cli import _evaluate_with_progress

    n = 2400
    data = {"services_with_e_license": ["800"] * n, "gov_services_total": ["1000"] * n}
    data["services_with_e_license"][700] = "lots"
    result = _evaluate_with_progress(FIRST_BATCH, data, n)
    assert result.n_rows == n
    assert result.grade("e_license_usage", 700) == "invalid"
    assert "row 700" in result.errors("e_license_usage", 700)[0]
    assert result.grade("e_license_usage", 699) == "four_star"
    assert f"{len(FIRST_BATCH)}/{len(FIRST_BATCH)} indicators" in capsys.readouterr().err
