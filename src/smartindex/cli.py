"""The ``smartindex`` command line.

argparse keeps start-up fast and adds no dependency. Exit codes: 0 done, 1 checks failed,
2 bad usage or unreadable input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from smartindex.errors import SmartIndexError

if TYPE_CHECKING:
    from smartindex.model import Catalog

__all__ = ["main"]

EXIT_OK, EXIT_CHECKS_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad usage: reported on one line with exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit(2) with usage, kept one-line
        raise UsageError(f"{self.prog}: {message}")


def _catalog(args: argparse.Namespace) -> Catalog:
    from smartindex.catalog.shandong import FIRST_BATCH

    catalog = FIRST_BATCH
    table = getattr(args, "table", None)
    department = getattr(args, "department", None)
    if table or department:
        catalog = catalog.filter(table=table, department=department)
    return catalog


def _example_path() -> str:
    return str(resources.files("smartindex").joinpath("data/example-city.csv"))


def _evaluate_file(args: argparse.Namespace, data: dict[str, list[Any]] | None = None) -> Any:
    from smartindex.io import read_inputs

    if data is None:
        data = read_inputs(args.file, encoding=getattr(args, "encoding", None))
    catalog = _catalog(args)
    n = max((len(v) for v in data.values()), default=0)
    try:
        if n >= _PROGRESS_MIN_ROWS and sys.stderr.isatty():
            return _evaluate_with_progress(catalog, data, n)
        return catalog.evaluate(data)
    except SmartIndexError as exc:  # a header the engine rejects: say which file
        raise type(exc)(f"{args.file}: {exc}") from None


#: Files with at least this many rows show a progress bar on stderr (only on a terminal).
_PROGRESS_MIN_ROWS = 2000


def _evaluate_with_progress(catalog: Catalog, data: dict[str, list[Any]], n: int) -> Any:
    """Evaluate the whole table in one pass, drawing a bar on stderr as indicators finish.

    One pass (not chunks of rows) keeps every error's row number the row of the file.
    """
    from smartindex.evaluate import engine_for

    def bar(done: int, total: int) -> None:
        filled = 30 * done // total
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} indicators, {n}/{n} rows"
        )
        sys.stderr.flush()

    result = engine_for(catalog).evaluate(data, progress=bar)
    sys.stderr.write("\n")
    return result


_ANSI = {
    "★★★★★": "32",
    "★★★★": "34",
    "five_star": "32",
    "four_star": "34",
    "not met": "33",
    "not_met": "33",
    "unknown": "90",
    "invalid": "31",
}
_ANSI_RE = re.compile("|".join(re.escape(k) for k in sorted(_ANSI, key=len, reverse=True)))


def _colour(text: str) -> str:
    """Grades in colour when stdout is a terminal (and ``NO_COLOR`` is unset); else as is."""
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        return text
    return _ANSI_RE.sub(lambda m: f"\x1b[{_ANSI[m.group()]}m{m.group()}\x1b[0m", text)


def _print_rows(header: Sequence[str], rows: Sequence[Sequence[str]], fmt: str) -> None:
    """Print rows as a terminal table, JSON records, CSV or Markdown."""
    if fmt == "json":
        records = [dict(zip(header, r, strict=True)) for r in rows]
        print(json.dumps(records, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    elif fmt == "markdown":
        from smartindex.htmlreport import markdown_table

        print(markdown_table(header, rows))
    else:
        from smartindex.report import render_table

        print(render_table(header, rows))


def cmd_demo(args: argparse.Namespace) -> int:
    """Grade the shipped example cities against the shipped catalog."""
    from smartindex.io import read_inputs
    from smartindex.report import demo_text

    catalog = _catalog(args)
    result = catalog.evaluate(read_inputs(_example_path()))
    if args.format != "table":
        from smartindex.report import format_evaluation

        print(format_evaluation(result, args.format, lang=args.lang))
        return EXIT_OK
    print(_colour(demo_text(result, catalog, lang=args.lang)))
    return EXIT_OK


def cmd_catalog_list(args: argparse.Namespace) -> int:
    """One line per indicator: id, table, name, departments."""
    catalog = _catalog(args)
    rows = [
        [
            ind.id,
            ind.table.value,
            ind.name_zh if args.lang == "zh" else ind.name_en,
            "、".join(ind.departments_zh) or "(missing from source)",
        ]
        for ind in catalog
    ]
    _print_rows(["id", "table", "name", "departments"], rows, args.format)
    return EXIT_OK


def cmd_catalog_departments(args: argparse.Namespace) -> int:
    """Responsibility matrix: each department, the indicators it answers for, and with whom."""
    from smartindex.htmlreport import responsibility_matrix

    rows = [
        [dept, ind.id, ind.name_zh if args.lang == "zh" else ind.name_en, "、".join(others)]
        for dept, entries in responsibility_matrix(_catalog(args)).items()
        for ind, others in entries
    ]
    _print_rows(["department", "indicator", "name", "jointly_with"], rows, args.format)
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Write an HTML or Markdown report of every row of a raw-input file."""
    import warnings

    from smartindex.htmlreport import check_report_path, write_report
    from smartindex.io import read_inputs

    check_report_path(args.out)
    data = read_inputs(args.file, encoding=args.encoding)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _evaluate_file(args, data)
        path = write_report(result, args.out, lang=args.lang, plots=not args.no_plots, data=data)
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"warning: {args.file}: {message}", file=sys.stderr)
    print(f"wrote {path} ({result.n_rows} rows, {len(result.catalog)} indicators)")
    return EXIT_OK


def cmd_catalog_show(args: argparse.Namespace) -> int:
    """Everything the catalog says about one indicator."""
    from smartindex.serialize import indicator_to_dict

    catalog = _catalog(args)
    try:
        ind = catalog[args.id]
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from None
    data = indicator_to_dict(ind)
    if args.format == "json":
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    lines = [
        f"{ind.id}: {ind.name_zh} / {ind.name_en}",
        f"table: {ind.table.name_zh} ({ind.table.value})",
        f"departments: {'、'.join(ind.departments_zh) or '(missing from source)'}",
        f"definition: {ind.definition_zh}",
        "inputs:",
        *(f"  {i['id']} [{i['unit']}] {i['description']}" for i in data["inputs"]),
        "quantities:",
        *(f"  {q['id']} [{q['unit']}] = {q['dsl']}" for q in data["quantities"]),
    ]
    for grade in ("four_star", "five_star"):
        target = data["grades"][grade]
        if "conditions" in target:
            conds = "; ".join(
                f"{c['quantity']} {c['op']} {c['value']} {c['unit']}" for c in target["conditions"]
            )
            lines.append(f"{grade}: {conds}  ({target['conditions'][0]['source_zh']})")
        elif target.get("no_target"):
            lines.append(f"{grade}: no target (/)")
        else:
            lines.append(f"{grade}: missing from source: {target['note']}")
    lines += [f"note: {n}" for n in ind.notes]
    print("\n".join(lines))
    return EXIT_OK


def cmd_catalog_export(args: argparse.Namespace) -> int:
    """The catalog as JSON (DESIGN.md section 2)."""
    print(_catalog(args).to_json())
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Grade every row of a CSV or JSON file of raw inputs."""
    import warnings

    from smartindex.report import format_evaluation

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _evaluate_file(args)
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"warning: {args.file}: {message}", file=sys.stderr)
    text = format_evaluation(result, args.format, lang=args.lang)
    print(_colour(text) if args.format == "table" else text)
    return EXIT_OK


def cmd_gap(args: argparse.Namespace) -> int:
    """Per row and indicator below five stars: the smallest one-input changes to the next grade."""
    import warnings

    from smartindex.io import read_inputs

    data = read_inputs(args.file, encoding=getattr(args, "encoding", None))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            report = _catalog(args).gap(data)
        except SmartIndexError as exc:  # a header the engine rejects: say which file
            raise type(exc)(f"{args.file}: {exc}") from None
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"warning: {args.file}: {message}", file=sys.stderr)
    if report.skipped:
        print(
            f"note: {args.file}: {len(report.skipped)} row/indicator pair(s) are invalid and have "
            f"no gap; `smartindex evaluate {args.file}` says why",
            file=sys.stderr,
        )
    print(report.to_json() if args.format == "json" else report.render(args.format))
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Run the symbolic checks on the shipped catalog or on a catalog file."""
    if args.catalog_file:
        from smartindex.checks import check_file

        report = check_file(args.catalog_file)
    else:
        report = _catalog(args).check()
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.text())
    return EXIT_OK if report.ok else EXIT_CHECKS_FAILED


def _add_common(p: argparse.ArgumentParser, *, formats: Sequence[str] | None = None) -> None:
    if formats:
        p.add_argument("--format", choices=formats, default=formats[0], help="output format")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="indicator names in")
    p.add_argument("--table", help="only this table (digital_benefit, ...)")
    p.add_argument("--department", help="only indicators this department answers for")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    parser = _Parser(
        prog="smartindex",
        description="Smart-city indicator tables as checked code.",
        epilog="Example: smartindex evaluate examples/example-city.csv --format markdown",
    )
    from smartindex._version import __version__

    parser.add_argument("--version", action="version", version=f"smartindex {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "demo", help="grade the shipped example cities", epilog="Example: smartindex demo"
    )
    _add_common(p, formats=("table", "json", "csv", "markdown"))
    p.set_defaults(func=cmd_demo)

    cat = sub.add_parser(
        "catalog",
        help="list, show or export the catalog",
        epilog="Example: smartindex catalog show open_data",
    )
    cat_sub = cat.add_subparsers(dest="catalog_command", required=True, parser_class=_Parser)
    p = cat_sub.add_parser(
        "list", help="one line per indicator", epilog="Example: smartindex catalog list --lang zh"
    )
    _add_common(p, formats=("table", "json", "csv", "markdown"))
    p.set_defaults(func=cmd_catalog_list)
    p = cat_sub.add_parser(
        "departments",
        help="responsibility matrix: department -> indicators (joint responsibility shown)",
        epilog="Example: smartindex catalog departments --format markdown",
    )
    _add_common(p, formats=("table", "json", "csv", "markdown"))
    p.set_defaults(func=cmd_catalog_departments)
    p = cat_sub.add_parser(
        "show", help="one indicator in full", epilog="Example: smartindex catalog show open_data"
    )
    p.add_argument("id")
    _add_common(p, formats=("table", "json"))
    p.set_defaults(func=cmd_catalog_show)
    p = cat_sub.add_parser(
        "export",
        help="the catalog as JSON",
        epilog="Example: smartindex catalog export --format json",
    )
    _add_common(p, formats=("json",))
    p.set_defaults(func=cmd_catalog_export)

    p = sub.add_parser(
        "evaluate",
        help="grade a CSV or JSON file of raw inputs",
        epilog="Example: smartindex evaluate examples/example-city.csv --format json",
    )
    p.add_argument("file")
    p.add_argument("--encoding", help="text encoding of the file (default: UTF-8, then GB18030)")
    _add_common(p, formats=("table", "json", "csv", "markdown"))
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "gap",
        help="the smallest change of each input that reaches the next grade",
        epilog="Example: smartindex gap examples/example-city.csv --format json",
    )
    p.add_argument("file")
    p.add_argument("--encoding", help="text encoding of the file (default: UTF-8, then GB18030)")
    _add_common(p, formats=("table", "json", "markdown"))
    p.set_defaults(func=cmd_gap)

    p = sub.add_parser(
        "report",
        help="write an HTML or Markdown report of a raw-input file",
        epilog="Example: smartindex report examples/example-city.csv --out report.html",
    )
    p.add_argument("file")
    p.add_argument(
        "--out", default="report.html", help="report file; .html (self-contained) or .md"
    )
    p.add_argument("--no-plots", action="store_true", help="leave out the grade heat map")
    p.add_argument("--encoding", help="text encoding of the file (default: UTF-8, then GB18030)")
    _add_common(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "check",
        help="prove units, bounds, weights and five-implies-four for a catalog",
        description="Run the symbolic checks on the shipped catalog, or on CATALOG_FILE "
        "(.json, .yaml, .yml or .toml). Exit 0 when all pass, 1 with the findings, 2 when "
        "the file cannot be read.",
        epilog="Example: smartindex check examples/first-batch.yaml",
    )
    p.add_argument("catalog_file", nargs="?", help="a catalog file; default: the shipped one")
    _add_common(p, formats=("text", "json"))
    p.set_defaults(func=cmd_check)

    for extra in _EXTRA_COMMANDS:
        extra(sub)
    return parser


#: Sub-commands contributed by other modules: each adds its parser to the sub-parsers.
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
        code: int = args.func(args)
        return code
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except SmartIndexError as exc:
        print(f"smartindex: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
