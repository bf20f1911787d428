"""The server's own state: is it up, which project, what the warehouse holds."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tenure import __version__
from tenure.service.api.deps import ReadAccess, ReaderDep, StateDep

router = APIRouter(prefix="/api/v1", tags=["status"])


class Health(BaseModel):
    status: str = Field(description="`ok` when the server answers.")
    version: str


class Status(BaseModel):
    version: str
    project: str
    tables: list[str] = Field(description="Tables in the warehouse.")
    pending_writes: int = Field(description="Writes queued for the single writer.")
    last_load_at: str | None = Field(description="When data was last loaded (ISO 8601).")


@router.get("/health")
def health() -> Health:
    """Liveness: answers without authentication, for load balancers and `tenure run`."""
    return Health(status="ok", version=__version__)


@router.get("/status")
def status(state: StateDep, reader: ReaderDep, principal: ReadAccess) -> Status:
    """The project this server holds and what its warehouse contains."""
    last = reader.last_load()
    return Status(version=__version__, project=str(state.project),
                  tables=sorted(reader.con.list_tables()), pending_writes=state.writer.pending,
                  last_load_at=None if last is None else last.loaded_at.isoformat())
