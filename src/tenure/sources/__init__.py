"""Sources: find a user's exports, map them onto the canonical tables and validate every row.

The flow is ``readers`` (files -> raw DuckDB relations) -> ``enrich`` (the mapping's constants
and joins) -> ``staging`` (mapping applied, typed) -> ``fill`` (sign-up dates and line ids an
export lacks) -> ``rules`` (every validation rule as SQL) -> ``hints`` (problems that point at
the mapping); :func:`tenure.warehouse.load.load_directory` runs it and writes the result.
``suggest`` matches a file's headers to canonical columns for the hints.
"""

from tenure.sources.mapping import MAPPING_FILE, Join, Mapping, TableMapping, load_mapping
from tenure.sources.problems import Problem, ProblemCount

__all__ = ["MAPPING_FILE", "Join", "Mapping", "Problem", "ProblemCount", "TableMapping",
           "load_mapping"]
