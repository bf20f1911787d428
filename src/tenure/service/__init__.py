"""Tenure as a service: a FastAPI application over one project, with a single writer.

The service is a thin shell over Tenure's Python API; ``docs/service.md`` describes it.
"""

from tenure.service.main import create_app
from tenure.service.settings import ServiceSettings, load_service_settings

__all__ = ["ServiceSettings", "create_app", "load_service_settings"]
