"""Coverage-guided fuzzing of the untrusted-text entry points with atheris (run outside CI).

Targets (``FUZZ_TARGET``, default ``catalog``):

* ``catalog``: ``smartindex.load.load_catalog`` on a JSON, YAML or TOML file (the first byte
  picks the format, the rest is the file);
* ``inputs``: ``smartindex.io.read_inputs`` then ``Catalog.evaluate`` on a CSV, JSON or
  Excel file of raw inputs.

Each run must end in a catalog/result or in a ``SmartIndexError`` subclass; any other exception
is a finding (atheris stops and writes the crashing input). An audit hook armed around each call
also makes it a finding if the library evaluates, compiles or unpickles anything, or starts a
process, while reading the untrusted file (see docs/security.md).

Run (Linux, Python 3.11; ``pip install atheris`` and the ``all`` extra)::

    python fuzz/fuzz_load.py -atheris_runs=200000 fuzz/corpus-catalog
    FUZZ_TARGET=inputs python fuzz/fuzz_load.py -max_total_time=3600 fuzz/corpus-inputs

The corpus directories are created and filled with the shipped catalog export and example data
on first run; libFuzzer options (``-max_len``, ``-jobs``, ``-max_total_time``) pass through.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["smartindex"]):
    import smartindex
    import smartindex.evaluate
    import smartindex.formula
    import smartindex.units
    import smartindex.validation
    from smartindex.catalog.shandong import FIRST_BATCH
    from smartindex.io import read_inputs
    from smartindex.load import load_catalog, save_catalog

TARGET = os.environ.get("FUZZ_TARGET", "catalog")
ROOT = Path(__file__).resolve().parents[1]
CATALOG_SUFFIXES = (".json", ".yaml", ".toml")
INPUT_SUFFIXES = (".csv", ".json", ".xlsx", ".tsv")
#: Audit events that mean code from the file could run (or escape the process).
FORBIDDEN = ("exec", "compile", "pickle.find_class", "os.system", "subprocess.Popen", "os.exec")
FORBIDDEN_PREFIXES = ("os.posix_spawn", "os.spawn", "os.fork", "ctypes.")
_STATE = {"armed": False}


def _from_text(event: str, args: tuple[object, ...]) -> bool:
    """Whether an exec/compile event runs code made from text (``<string>``), not a module file.

    Importing a module also raises ``exec`` (and ``compile`` for uncached sources) with a real
    file name; eval, exec and compile of a string carry a ``<...>`` pseudo file name.
    """
    if event == "exec":
        filename = getattr(args[0], "co_filename", "<?>") if args else "<?>"
    else:  # compile(source, filename)
        filename = str(args[1]) if len(args) > 1 else "<?>"
    return filename.startswith("<")


def _audit(event: str, args: tuple[object, ...]) -> None:
    if not _STATE["armed"]:
        return
    if event in ("exec", "compile") and not _from_text(event, args):
        return
    if event in FORBIDDEN or event.startswith(FORBIDDEN_PREFIXES):
        raise RuntimeError(f"untrusted file triggered audit event {event!r}")


def _seeds() -> list[bytes]:
    """Valid files of every format (first byte picks the suffix), to seed and to warm up."""
    out: list[bytes] = []
    if TARGET == "catalog":
        for i, suffix in enumerate(CATALOG_SUFFIXES):
            path = Path(tempfile.mkdtemp()) / f"catalog{suffix}"
            try:
                save_catalog(FIRST_BATCH.filter(table="digital_benefit"), path)
            except smartindex.SmartIndexError:  # YAML needs the yaml extra
                continue
            out.append(bytes([i]) + path.read_bytes())
        # Hand-written hostile seeds: a huge exponent, and Python text where a number belongs.
        exported = out[0][1:].decode("utf-8")
        out.append(b"\x00" + exported.replace('"4/5"', '"1e999999999"', 1).encode("utf-8"))
        out.append(b"\x00" + exported.replace('"4/5"', "\"__import__('os')\"", 1).encode())
        return out
    example = (ROOT / "examples" / "example-city.csv").read_bytes()
    out.append(bytes([INPUT_SUFFIXES.index(".csv")]) + example)
    out.append(bytes([INPUT_SUFFIXES.index(".csv")]) + example.replace(b"label", b"lable", 1))
    out.append(bytes([INPUT_SUFFIXES.index(".tsv")]) + example.replace(b",", b"\t"))
    out.append(bytes([INPUT_SUFFIXES.index(".json")]) + b'[{"label": "A", "download_speed": 3}]')
    units = b"download_speed [kbit/s],weather_station_spacing [furlong],e_license_rate [%]\n1,2,3\n"
    out.append(bytes([INPUT_SUFFIXES.index(".csv")]) + b"download_speed\n1e999999999\n")
    out.append(bytes([INPUT_SUFFIXES.index(".csv")]) + units)
    out.append(bytes([INPUT_SUFFIXES.index(".csv")]) + "电子证照使用率\n0.8\n".encode("gb18030"))
    try:
        import openpyxl

        book = openpyxl.Workbook()
        book.active.append(["label", "download_speed"])
        book.active.append(["A", 31.5])
        path = Path(tempfile.mkdtemp()) / "seed.xlsx"
        book.save(path)
        out.append(bytes([INPUT_SUFFIXES.index(".xlsx")]) + path.read_bytes())
    except ImportError:  # the excel extra is optional
        pass
    return out


def _seed(directory: Path) -> None:
    """Fill an empty corpus directory with valid files, so the fuzzer starts from real shapes."""
    if directory.exists() and any(directory.iterdir()):
        return
    directory.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(_seeds()):
        (directory / f"seed{i}").write_bytes(seed)


def _write(data: bytes, suffixes: tuple[str, ...]) -> Path:
    suffix = suffixes[data[0] % len(suffixes)] if data else suffixes[0]
    handle, name = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(handle, "wb") as f:
        f.write(data[1:])
    return Path(name)


def test_one_input(data: bytes) -> None:
    """One fuzz case: the loader either succeeds or raises the library's own errors."""
    path = _write(data, CATALOG_SUFFIXES if TARGET == "catalog" else INPUT_SUFFIXES)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _STATE["armed"] = True
            try:
                if TARGET == "catalog":
                    load_catalog(path)
                else:
                    FIRST_BATCH.evaluate(read_inputs(path)).to_json()
            except smartindex.SmartIndexError:
                pass
            finally:
                _STATE["armed"] = False
    finally:
        path.unlink()


def main() -> None:
    """Warm up every lazy import on valid files, arm the audit hook, and start atheris."""
    corpus = [a for a in sys.argv[1:] if not a.startswith("-") and not Path(a).is_file()]
    for directory in corpus:
        _seed(Path(directory))
    for codec in ("utf-8-sig", "gb18030", "utf-16", "big5"):  # codecs are imported lazily
        b"".decode(codec)
    for seed in _seeds():  # lazy imports (pint, yaml, openpyxl, difflib) happen here, unarmed
        test_one_input(seed)
    sys.addaudithook(_audit)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
