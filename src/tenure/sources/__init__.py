"""Sources: find a user's exports, map them onto the canonical tables and validate every row.

The flow is ``readers`` (files -> raw DuckDB relations) -> ``staging`` (mapping applied, typed)
-> ``rules`` (every validation rule as SQL); :func:`tenure.warehouse.load.load_directory` runs
it and writes the result.
"""

from tenure.sources.mapping import MAPPING_FILE, Mapping, TableMapping, load_mapping
from tenure.sources.problems import Problem

__all__ = ["MAPPING_FILE", "Mapping", "Problem", "TableMapping", "load_mapping"]
