"""Tenure: turn a subscription business's data into a recurring revenue machine."""

from tenure.config import ProjectConfig, RevenueDefinitions, load_config
from tenure.errors import (
    ConfigError,
    InputError,
    TenureError,
    ValidationError,
    WarehouseError,
)
from tenure.warehouse import Warehouse

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "InputError",
    "ProjectConfig",
    "RevenueDefinitions",
    "TenureError",
    "ValidationError",
    "Warehouse",
    "WarehouseError",
    "__version__",
    "load_config",
]
