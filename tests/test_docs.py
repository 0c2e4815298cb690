"""The docs tell the truth: the tutorial runs, the catalog page is current, the README works."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), re.DOTALL)


def test_tutorial_code_runs_in_order() -> None:
    blocks = _python_blocks(DOCS / "tutorial.md")
    assert len(blocks) >= 8
    namespace: dict[str, object] = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/tutorial.md block {i}", "exec"), namespace)
    from smartindex import Catalog, Grade, Indicator

    indicator = namespace["indicator"]
    assert isinstance(indicator, Indicator)
    assert isinstance(namespace["catalog"], Catalog)
    assert (
        indicator.grade(
            {"households_gigabit": 501, "households_online": 1000, "fixed_download_speed": 500}
        )
        is Grade.FIVE_STAR
    )


def test_readme_python_example_runs() -> None:
    (block,) = _python_blocks(ROOT / "README.md")
    exec(compile(block, "README.md", "exec"), {})


def test_docs_quick_start_matches_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.*?)```", readme, re.DOTALL)[:2]
    assert commands == [
        "pip install . && smartindex demo\n",
        'pip install ".[test]" && python -m pytest\n',
    ]
    for command in commands:
        assert f"```sh\n{command}```" in index
    assert _python_blocks(DOCS / "index.md")[0] == _python_blocks(ROOT / "README.md")[0]


def test_readme_demo_sample_is_what_demo_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (sample,) = re.findall(r"```text\n(.*?)```", readme, re.DOTALL)
    proc = subprocess.run(
        [sys.executable, "-m", "smartindex", "demo"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert sample in proc.stdout


def test_catalog_page_is_generated_from_the_current_catalog() -> None:
    proc = subprocess.run(
        [sys.executable, str(DOCS / "gen_catalog.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_catalog_page_has_every_row_bilingual_with_targets_and_departments() -> None:
    from smartindex.catalog.shandong import FIRST_BATCH
    from smartindex.thresholds import AllOf

    page = (DOCS / "catalog.md").read_text(encoding="utf-8")
    for ind in FIRST_BATCH:
        assert f"{ind.name_zh} / {ind.name_en} {{#{ind.id}}}" in page
        assert ind.definition_zh in page
        for dept in ind.departments_zh:
            assert dept in page
        for q in ind.quantities:
            assert f"`{q.expr.render()}`" in page
        for target in (ind.four_star, ind.five_star):
            if isinstance(target, AllOf):
                for cond in target.conditions:
                    assert f"「{cond.source_zh}」" in page
        for note in ind.notes:
            assert note in page


def test_gen_catalog_formula_rendering() -> None:
    sys.path.insert(0, str(DOCS))
    try:
        import gen_catalog
    finally:
        sys.path.remove(str(DOCS))
    from smartindex import count, growth, ratio, weighted_mean

    whole = count("t", "household", "whole")
    a = count("a", "household", "part", at_most=whole)
    b = count("b", "household", "part", at_most=whole)
    assert gen_catalog.formula(ratio(a, whole)) == "a / t"
    assert gen_catalog.formula(ratio(a, whole) * 100) == "a / t × 100"
    ra, rb = ratio(a, whole), ratio(b, whole)
    assert gen_catalog.formula(ra * (ra - rb)) == "a / t × (a / t − b / t)"
    assert gen_catalog.formula((ra - rb) / (ra + rb)) == "(a / t − b / t) / (a / t + b / t)"
    assert gen_catalog.formula(ra - (rb - ra)) == "a / t − (b / t − a / t)"
    assert (
        gen_catalog.formula(weighted_mean({ratio(a, whole): "1/3", ratio(b, whole): "2/3"}))
        == "1/3 × (a / t) + 2/3 × (b / t)"
    )
    assert gen_catalog.formula(growth(a, b)) == "(a − b) / (b)"


def test_cli_page_lists_every_command() -> None:
    import argparse

    from smartindex.cli import build_parser

    page = (DOCS / "cli.md").read_text(encoding="utf-8")

    def leaves(parser: argparse.ArgumentParser, prefix: list[str]) -> list[str]:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return [" ".join(prefix)]
        return [leaf for n, c in subs[0].choices.items() for leaf in leaves(c, [*prefix, n])]

    for command in leaves(build_parser(), []):
        assert f"`smartindex {command}" in page, command
