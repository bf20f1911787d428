"""Customer-success measures per account over time, declared in YAML and computed with Ibis.

``compute_measures`` returns the tidy table (one row per account, as-of date and measure);
``wide_measures`` pivots it for modelling. See ``docs/measures.md``.
"""

from tenure.measures.asof import DataEnd, Weekday, as_of_grid, data_end, find_data_end
from tenure.measures.compute import (
    compute_measures,
    measure_tables,
    resolve_as_of_dates,
    wide_measures,
)
from tenure.measures.config import (
    MEASURES_FILE,
    MeasureKind,
    MeasuresConfig,
    default_measures_config,
    load_measures_config,
    project_measures_config,
)
from tenure.measures.store import write_measures

__all__ = [
    "MEASURES_FILE",
    "DataEnd",
    "MeasureKind",
    "MeasuresConfig",
    "Weekday",
    "as_of_grid",
    "compute_measures",
    "data_end",
    "default_measures_config",
    "find_data_end",
    "load_measures_config",
    "measure_tables",
    "project_measures_config",
    "resolve_as_of_dates",
    "wide_measures",
    "write_measures",
]
