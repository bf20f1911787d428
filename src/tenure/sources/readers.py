"""Find each canonical table's file in a load folder and expose it to DuckDB as raw text.

A file becomes a DuckDB relation with a ``__row`` column (the CSV or JSON-lines line number,
the Parquet row number from 1) and the file's own columns. CSV and JSON-lines values stay text
(money never passes through a float); Parquet keeps its types.

Small text files are read with Python's ``csv``/``json`` so that ``__row`` is the true line
number even when a quoted value spans lines. CSV files larger than :data:`LARGE_TEXT_BYTES` are
scanned by DuckDB's ``read_csv`` instead, where ``__row`` counts records (header = 1); it equals
the line number unless values contain line breaks. Parquet is always scanned by DuckDB, so a
100-million-row events file never enters Python.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from tenure.schema import TABLES
from tenure.sources.mapping import Mapping
from tenure.sources.problems import Problem
from tenure.sources.sql import literal, quote

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "FORMATS",
    "LARGE_TEXT_BYTES",
    "UNFINISHED_PREFIXES",
    "UNFINISHED_SUFFIXES",
    "RawSource",
    "SourceFile",
    "locate_sources",
    "read_raw",
    "unfinished_files",
]

#: File suffixes Tenure reads, by format.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl"}

#: CSV files above this size are scanned by DuckDB rather than Python's csv module.
LARGE_TEXT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """The file that holds one canonical table."""

    table: str
    path: Path
    #: Field separator of a CSV file (the mapping's ``delimiter``).
    delimiter: str = ","

    @property
    def format(self) -> str:
        return FORMATS[self.path.suffix.lower()]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def row_label(self) -> str:
        return "row" if self.format == "parquet" else "line"


@dataclass
class RawSource:
    """A source file exposed to DuckDB: relation ``relation`` holds ``__row`` and ``columns``."""

    file: SourceFile
    relation: str
    #: Source column name -> DuckDB type (``VARCHAR`` for every CSV and JSON-lines column).
    columns: dict[str, str]
    #: Rows that could not be read faithfully (wrong number of CSV fields, invalid JSON).
    row_problems: list[Problem] = field(default_factory=list)


def locate_sources(
    source_dir: Path, mapping: Mapping
) -> tuple[dict[str, SourceFile], list[Problem]]:
    """Find the file of each canonical table in ``source_dir``.

    A table's file is the one its mapping names, else ``<table>.csv``, ``.parquet`` or
    ``.jsonl`` (or the same for one of the table's aliases), matched whatever the case of the
    name (``events.CSV``, ``Accounts.Parquet``). Two candidates for one table is a problem:
    Tenure never guesses which export is current. So is an unfinished or temporary copy of a
    table's file (see :func:`unfinished_files`).
    """
    found: dict[str, SourceFile] = {}
    problems: list[Problem] = []
    by_lower = _files_by_lower_name(source_dir)
    for table, spec in TABLES.items():
        tm = mapping.for_table(table)
        named = tm.file
        if named is not None:
            path = source_dir / named
            if not path.is_file() and len(by_lower.get(named.lower(), [])) == 1:
                path = by_lower[named.lower()][0]  # the mapping's name in another case
            if not path.is_file():
                problems.append(Problem(
                    named, None, None, None,
                    f"is named for table {table} in the mapping but is not in {source_dir}",
                    "correct tables." + table + ".file in the mapping or add the file"))
            elif path.suffix.lower() not in FORMATS:
                problems.append(Problem(
                    named, None, None, None, f"has an unsupported suffix {path.suffix!r}",
                    "save it as .csv, .parquet or .jsonl (JSON lines)"))
            else:
                found[table] = SourceFile(table, path, tm.delimiter)
            continue
        present = [p for stem in (table, *spec.aliases) for suffix in FORMATS
                   for p in by_lower.get(f"{stem}{suffix}", [])]
        if len(present) > 1:
            problems.append(Problem(
                present[0].name, None, None, None,
                f"and {', '.join(p.name for p in present[1:])} both hold table {table}",
                "keep one file per table (or name the one to load in the mapping: "
                f"tables.{table}.file)"))
        elif present:
            found[table] = SourceFile(table, present[0], tm.delimiter)
    problems += unfinished_files(source_dir, mapping)
    return found, problems


#: Prefixes and suffixes of files that are not finished exports: an interrupted write
#: (``events.parquet.partial``, a browser's ``.crdownload``), or an editor's lock file
#: (Excel's ``~$accounts.csv``, LibreOffice's ``.~lock.accounts.csv#``).
UNFINISHED_PREFIXES = ("~$", ".~lock.")
UNFINISHED_SUFFIXES = (".partial", ".part", ".tmp", ".crdownload", "#")


def unfinished_files(source_dir: Path, mapping: Mapping) -> list[Problem]:
    """Problems for unfinished or temporary copies of a table's file in ``source_dir``.

    Such a file means the export is not complete (or the file is open in an editor): loading
    without it would drop or shrink its table, loading it would read half a file. Temporary
    files unrelated to any table (``notes.docx.tmp``) are left alone.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "events.parquet.partial").write_bytes(b"PAR1")
    >>> [p.file for p in unfinished_files(folder, Mapping())]
    ['events.parquet.partial']
    """
    stems = {stem.lower(): table for table, spec in TABLES.items()
             for stem in (table, *spec.aliases)}
    named = {tm.file.lower(): table for table, tm in mapping.tables.items() if tm.file}
    problems = []
    for path in sorted(source_dir.iterdir()):
        name = path.name
        meant = name
        for prefix in UNFINISHED_PREFIXES:
            meant = meant[len(prefix):] if meant.startswith(prefix) else meant
        for suffix in UNFINISHED_SUFFIXES:
            meant = meant[:-len(suffix)] if meant.lower().endswith(suffix) else meant
        if meant == name or not path.is_file():
            continue
        table = named.get(meant.lower()) or stems.get(meant.split(".")[0].lower())
        if table is None:
            continue
        problems.append(Problem(
            name, None, None, None,
            f"is an unfinished or temporary copy of a file of table {table} (an interrupted "
            "export or `tenure simulate`, or a file open in an editor)",
            "finish the export (or close the editor) and remove it, then load again"))
    return problems


def _files_by_lower_name(source_dir: Path) -> dict[str, list[Path]]:
    files: dict[str, list[Path]] = {}
    for path in sorted(source_dir.iterdir()):
        if path.is_file():
            files.setdefault(path.name.lower(), []).append(path)
    return files


def read_raw(
    con: duckdb.DuckDBPyConnection, source: SourceFile, relation: str
) -> tuple[RawSource | None, list[Problem]]:
    """Expose ``source`` to ``con`` as ``relation``; file-level problems instead when unreadable."""
    try:
        if source.format == "parquet":
            return _parquet(con, source, relation), []
        if source.format == "csv" and source.path.stat().st_size > LARGE_TEXT_BYTES:
            return _large_csv(con, source, relation), []
        reader = _csv_rows if source.format == "csv" else _jsonl_rows
        header, rows, numbers, row_problems = reader(source)
    except _FileProblem as exc:
        return None, [exc.problem]
    except UnicodeDecodeError as exc:
        return None, [Problem(source.name, None, None, None,
                              f"is not UTF-8 text ({exc.reason} at byte {exc.start})",
                              "export the file as UTF-8")]
    except Exception as exc:  # duckdb and pyarrow raise many kinds; name the file either way
        return None, [Problem(source.name, None, None, None, f"cannot be read ({exc})",
                              "check that the file is a complete, valid " + source.format)]
    data = {"__row": pa.array(numbers, pa.int64())}
    for i, name in enumerate(header):
        data[name] = pa.array([r[i] for r in rows], pa.string())
    con.register(relation, pa.table(data))
    return RawSource(source, relation, dict.fromkeys(header, "VARCHAR"), row_problems), []


class _FileProblem(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _check_header(source: SourceFile, header: list[str]) -> None:
    if not header:
        raise _FileProblem(Problem(source.name, None, None, None, "has no header row",
                                   "put the column names on the first line"))
    seen: set[str] = set()
    for name in header:
        if not name:
            raise _FileProblem(Problem(source.name, 1, None, None, "has an empty column name",
                                       "give every column a name in the header"))
        if name in seen:
            raise _FileProblem(Problem(source.name, 1, name, None, "appears twice in the header",
                                       "rename or remove one of the two columns"))
        seen.add(name)


def _csv_rows(
    source: SourceFile,
) -> tuple[list[str], list[list[str | None]], list[int], list[Problem]]:
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    with source.path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=source.delimiter)
        records = _records(reader, source)
        header = [h.strip() for h in next(records, [])]
        _check_header(source, header)
        _check_delimiter(source, header)
        width = len(header)
        previous_line = reader.line_num
        for record in records:
            line, previous_line = previous_line + 1, reader.line_num
            if not record:
                continue  # a blank line
            if len(record) != width:
                problems.append(Problem(
                    source.name, line, None, None,
                    f"has {len(record)} fields but the header has {width}",
                    "quote values that contain commas and give every row one value per column"))
                record = (record + [""] * width)[:width]
            rows.append([v if v.strip() else None for v in record])
            numbers.append(line)
    return header, rows, numbers, problems


def _records(reader: Iterator[list[str]], source: SourceFile) -> Iterator[list[str]]:
    """The records of a CSV reader; a field over the csv module's size limit becomes a problem
    naming the line where that field starts (the usual cause is a quote never closed)."""
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise _FileProblem(Problem(
                    source.name, start, None, None, f"cannot be read as CSV ({exc})",
                    "check the quoting of this line: a value containing the delimiter, a "
                    'quote or a line break must be quoted, with its quotes doubled ("")')
                ) from None
            raise _FileProblem(_oversized_field(source, start)) from None
        start = reader.line_num + 1  # type: ignore[attr-defined]
        yield record


def _oversized_field(source: SourceFile, line: int) -> Problem:
    with source.path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        for _ in range(line - 1):
            fh.readline()
        text = fh.readline()
    # the longest field of the line is the one that runs on
    value = max(text.split(source.delimiter), key=len).lstrip('"')
    return Problem(
        source.name, line, None, None,
        f"has a value over {csv.field_size_limit() // 1024} KiB starting on this line (it "
        f"begins {value[:20] + '...'!r})",
        'usually a quote (") that is never closed, so the rest of the file runs into one value: '
        'close the quote, or double the quotes inside a value (""); a real value this long must '
        "be shortened or sent as Parquet")


def _check_delimiter(source: SourceFile, header: list[str]) -> None:
    """A one-column header holding another usual separator: the file's delimiter is not set."""
    if len(header) != 1:
        return
    # YAML reads "\t" as a tab only in double quotes
    for separator, name, yaml in ((";", "semicolon", "';'"), ("\t", "tab", '"\\t"'),
                                  ("|", "pipe", "'|'"), (",", "comma", "','")):
        if separator != source.delimiter and separator in header[0]:
            raise _FileProblem(Problem(
                source.name, 1, None, None,
                f"has a single column {header[0]!r} in its header: this file looks "
                f"{name}-separated",
                f"set `delimiter: {yaml}` in the mapping (tables.{source.table}.delimiter)"))


def _jsonl_rows(
    source: SourceFile,
) -> tuple[list[str], list[list[str | None]], list[int], list[Problem]]:
    records: list[dict[str, str | None]] = []
    numbers: list[int] = []
    problems: list[Problem] = []
    header: dict[str, None] = {}
    with source.path.open(encoding="utf-8-sig") as fh:
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                # Numbers stay text: 12.10 must reach the decimal parser as '12.10', not 12.1.
                obj = json.loads(text, parse_float=str, parse_int=str)
            except json.JSONDecodeError as exc:
                obj = exc
            if not isinstance(obj, dict):
                problems.append(Problem(source.name, line, None, text.strip()[:80],
                                        "is not a JSON object",
                                        "write one JSON object per line, e.g. "
                                        '{"account_id": "A1", "created_at": "2024-01-05"}'))
                obj = {}
            record = {str(k): _json_text(v) for k, v in obj.items()}
            header.update(dict.fromkeys(record))
            records.append(record)
            numbers.append(line)
    names = list(header)
    _check_header(source, names)
    rows = [[r.get(name) for name in names] for r in records]
    return names, rows, numbers, problems


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    text = str(value)
    return text if text.strip() else None


def _parquet(con: duckdb.DuckDBPyConnection, source: SourceFile, relation: str) -> RawSource:
    scan = f"read_parquet({literal(str(source.path))}, file_row_number = true)"
    con.execute(f"CREATE TEMP VIEW {quote(relation)} AS SELECT file_row_number + 1 AS __row, "
                f"* EXCLUDE (file_row_number) FROM {scan}")
    return RawSource(source, relation, _describe(con, relation))


def _large_csv(con: duckdb.DuckDBPyConnection, source: SourceFile, relation: str) -> RawSource:
    scan = (f"read_csv({literal(str(source.path))}, all_varchar = true, header = true, "
            f"strict_mode = true, delim = {literal(source.delimiter)})")
    con.execute(f"CREATE TEMP VIEW {quote(relation)} AS SELECT row_number() OVER () + 1 AS __row,"
                f" * FROM {scan}")
    columns = _describe(con, relation)
    _check_header(source, list(columns))
    _check_delimiter(source, list(columns))
    return RawSource(source, relation, columns)


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {quote(relation)}").fetchall()
    return {name: str(dtype) for name, dtype, *_ in rows if name != "__row"}
