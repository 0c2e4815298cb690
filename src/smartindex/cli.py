"""The ``smartindex`` command line.

argparse keeps start-up fast and adds no dependency. Exit codes: 0 done, 1 checks failed,
2 bad usage or unreadable input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
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


def _evaluate_file(args: argparse.Namespace) -> Any:
    from smartindex.io import read_inputs

    data = read_inputs(args.file, encoding=getattr(args, "encoding", None))
    return _catalog(args).evaluate(data)


def cmd_demo(args: argparse.Namespace) -> int:
    """Grade the shipped example cities against the shipped catalog."""
    from smartindex.io import read_inputs
    from smartindex.report import demo_text

    catalog = _catalog(args)
    result = catalog.evaluate(read_inputs(_example_path()))
    print(demo_text(result, catalog, lang=args.lang))
    return EXIT_OK


def cmd_catalog_list(args: argparse.Namespace) -> int:
    """One line per indicator: id, table, name, departments."""
    from smartindex.report import render_table

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
    header = ["id", "table", "name", "departments"]
    if args.format == "json":
        print(
            json.dumps(
                [dict(zip(header, r, strict=True)) for r in rows], ensure_ascii=False, indent=2
            )
        )
    else:
        print(render_table(header, rows))
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
    for w in caught:
        print(f"warning: {args.file}: {w.message}", file=sys.stderr)
    print(format_evaluation(result, args.format, lang=args.lang))
    return EXIT_OK


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
    _add_common(p)
    p.set_defaults(func=cmd_demo)

    cat = sub.add_parser("catalog", help="list, show or export the catalog")
    cat_sub = cat.add_subparsers(dest="catalog_command", required=True, parser_class=_Parser)
    p = cat_sub.add_parser(
        "list", help="one line per indicator", epilog="Example: smartindex catalog list --lang zh"
    )
    _add_common(p, formats=("table", "json"))
    p.set_defaults(func=cmd_catalog_list)
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
