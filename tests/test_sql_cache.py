"""The on-disk cache of compiled SQL: an entry is used only under exactly its key, and a
damaged entry or an unwritable folder is a miss, never a failure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.warehouse import sql_cache
from tenure.warehouse.sql_cache import CachedPlan, SqlCache, source_fingerprint

SCHEMA = pa.schema([("month", pa.date32()), ("mrr", pa.decimal128(18, 2))])
PLAN = CachedPlan(
    prefix="ab12cd34ef56",
    statements={
        "base": ('SELECT 1 AS "x"', None),
        "monthly": ('SELECT * FROM "tenure_base_ab12cd34ef56"', SCHEMA),
    },
)


@pytest.fixture
def cache(tmp_path: Path) -> SqlCache:
    return SqlCache.beside(tmp_path / "warehouse.duckdb")


def _only_entry(cache: SqlCache) -> Path:
    (entry,) = cache.folder.glob("*.json")
    return entry


def test_an_entry_lives_beside_the_warehouse_file_and_round_trips(cache, tmp_path):
    assert cache.folder == tmp_path / "warehouse.duckdb.sql-cache"
    key = cache.key_text(("schemas", "options"))
    assert cache.save(key, PLAN)
    loaded = cache.load(key)
    assert loaded.prefix == "ab12cd34ef56"
    assert loaded.statements["base"] == ('SELECT 1 AS "x"', None)
    sql, schema = loaded.statements["monthly"]
    assert sql == 'SELECT * FROM "tenure_base_ab12cd34ef56"'
    assert schema.equals(SCHEMA)
    # Only the entry is left: no temporary file.
    assert [p.suffix for p in cache.folder.iterdir()] == [".json"]


def test_an_in_memory_database_has_no_cache():
    assert SqlCache.beside(":memory:") is None


def test_the_key_holds_the_library_versions(cache, monkeypatch):
    key = cache.key_text(("schemas",))
    for library in ("tenure", "ibis-framework", "sqlglot", "duckdb", "pyarrow"):
        assert repr(library) in key
    cache.save(key, PLAN)
    # After an upgrade of any of them the same call has another key: the old entry is unused.
    monkeypatch.setattr(sql_cache, "environment", lambda: (("ibis-framework", "13.0.0"),))
    upgraded = cache.key_text(("schemas",))
    assert upgraded != key
    assert cache.load(upgraded) is None


def test_the_source_fingerprint_follows_the_code(tmp_path):
    package = tmp_path / "metrics"
    package.mkdir()
    (package / "mrr.py").write_text("X = 1\n")
    (package / "notes.txt").write_text("not code")
    # The fingerprint is computed once per process; __wrapped__ is the uncached function.
    fingerprint = source_fingerprint.__wrapped__
    before = fingerprint((package,))
    (package / "notes.txt").write_text("edited, still not code")
    assert fingerprint((package,)) == before
    (package / "mrr.py").write_text("X = 2\n")
    edited = fingerprint((package,))
    (package / "mrr.py").write_text("X = 1\n")
    assert fingerprint((package,)) == before
    (package / "cohorts.py").write_text("")
    assert len({before, edited, fingerprint((package,))}) == 3


def test_an_entry_is_never_served_under_another_key(cache):
    # The entry for one schema, put where another key's entry goes (copied folder, collision):
    # its recorded key differs, so it is a miss.
    ours, theirs = cache.key_text(("mrr DECIMAL(18,2)",)), cache.key_text(("mrr DOUBLE",))
    cache.save(theirs, PLAN)
    cache._path(theirs).rename(cache._path(ours))
    assert cache.load(ours) is None
    assert cache.load(theirs) is None  # and it is no longer where its own key points


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: {**entry, "format": 0},
        lambda entry: {**entry, "prefix": 'x"; DROP TABLE subscriptions; --'},
        lambda entry: {**entry, "statements": [["base", "SELECT 1"]]},
        lambda entry: {**entry, "statements": {"base": ["", None]}},
        lambda entry: {**entry, "statements": {"base": ["SELECT 1"]}},
        lambda entry: {**entry, "statements": {"monthly": ["SELECT 1", "not base64!"]}},
        lambda entry: {**entry, "statements": {"monthly": ["SELECT 1", "AAAA"]}},
        lambda entry: {**entry, "statements": {"monthly": ["SELECT 1", 42]}},
        lambda entry: [entry],
    ],
)
def test_a_malformed_entry_is_a_miss(cache, damage):
    key = cache.key_text(("k",))
    cache.save(key, PLAN)
    entry = _only_entry(cache)
    entry.write_text(json.dumps(damage(json.loads(entry.read_text()))))
    assert cache.load(key) is None


def test_a_truncated_entry_is_a_miss(cache):
    key = cache.key_text(("k",))
    cache.save(key, PLAN)
    entry = _only_entry(cache)
    whole = entry.read_bytes()
    for cut in range(0, len(whole), 7):
        entry.write_bytes(whole[:cut])
        assert cache.load(key) is None


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_any_bytes_in_an_entry_read_as_a_miss_and_a_save_repairs_it(cache, garbage):
    key = cache.key_text(("k",))
    cache.folder.mkdir(exist_ok=True)
    cache._path(key).write_bytes(garbage)
    assert cache.load(key) is None
    assert cache.save(key, PLAN)
    assert cache.load(key).prefix == PLAN.prefix


def test_an_unwritable_folder_stores_nothing_and_never_raises(tmp_path):
    # A file where the folder should be (as good as a read-only folder, even for root).
    (tmp_path / "warehouse.duckdb.sql-cache").write_text("not a folder")
    cache = SqlCache.beside(tmp_path / "warehouse.duckdb")
    key = cache.key_text(("k",))
    assert cache.save(key, PLAN) is False
    assert cache.load(key) is None


def test_a_failed_rename_leaves_no_temporary_file(cache, monkeypatch):
    def read_only(*args):
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(sql_cache.os, "replace", read_only)
    assert cache.save(cache.key_text(("k",)), PLAN) is False
    assert list(cache.folder.iterdir()) == []


def test_the_least_recently_used_entries_are_pruned(tmp_path):
    cache = SqlCache(tmp_path / "cache", max_entries=2)
    keys = [cache.key_text((n,)) for n in range(3)]
    cache.save(keys[0], PLAN)
    cache.save(keys[1], PLAN)
    os.utime(cache._path(keys[0]), (1_000_000, 1_000_000))
    os.utime(cache._path(keys[1]), (2_000_000, 2_000_000))
    assert cache.load(keys[0]) is not None  # used now: the most recent
    cache.save(keys[2], PLAN)  # three entries: the least recently used (keys[1]) goes
    assert [cache.load(k) is not None for k in keys] == [True, False, True]
