"""Options and helpers shared by the commands: the project folder and its warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from tenure.config import ProjectConfig, load_config
from tenure.warehouse import Warehouse

__all__ = ["ProjectOption", "console", "open_project"]

console = Console()

ProjectOption = Annotated[
    Path,
    typer.Option(
        "--project", "-p",
        help="Project folder holding tenure.yaml and the warehouse file.",
        file_okay=False,
    ),
]


def open_project(project: Path) -> tuple[ProjectConfig, Warehouse]:
    """Read the project's settings and open its warehouse (a DuckDB file inside the folder)."""
    config = load_config(project)
    return config, Warehouse(Path(project) / config.warehouse)
