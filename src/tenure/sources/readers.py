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

__all__ = ["FORMATS", "LARGE_TEXT_BYTES", "RawSource", "SourceFile", "locate_sources", "read_raw"]

#: File suffixes Tenure reads, by format.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl"}

#: CSV files above this size are scanned by DuckDB rather than Python's csv module.
LARGE_TEXT_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SourceFile:
    """The file that holds one canonical table."""

    table: str
    path: Path

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
    ``.jsonl`` (or the same for one of the table's aliases). Two candidates for one table is a
    problem: Tenure never guesses which export is current.
    """
    found: dict[str, SourceFile] = {}
    problems: list[Problem] = []
    for table, spec in TABLES.items():
        named = mapping.for_table(table).file
        if named is not None:
            path = source_dir / named
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
                found[table] = SourceFile(table, path)
            continue
        candidates = [source_dir / f"{stem}{suffix}" for stem in (table, *spec.aliases)
                      for suffix in FORMATS]
        present = [p for p in candidates if p.is_file()]
        if len(present) > 1:
            problems.append(Problem(
                present[0].name, None, None, None,
                f"and {', '.join(p.name for p in present[1:])} both hold table {table}",
                "keep one file per table (or name the one to load in the mapping: "
                f"tables.{table}.file)"))
        elif present:
            found[table] = SourceFile(table, present[0])
    return found, problems


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
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        _check_header(source, header)
        width = len(header)
        previous_line = reader.line_num
        for record in reader:
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
            "strict_mode = true)")
    con.execute(f"CREATE TEMP VIEW {quote(relation)} AS SELECT row_number() OVER () + 1 AS __row,"
                f" * FROM {scan}")
    columns = _describe(con, relation)
    _check_header(source, list(columns))
    return RawSource(source, relation, columns)


def _describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {quote(relation)}").fetchall()
    return {name: str(dtype) for name, dtype, *_ in rows if name != "__row"}
