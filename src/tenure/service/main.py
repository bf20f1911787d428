"""The FastAPI application: :func:`create_app` builds it over one project.

Routes are grouped by resource in :mod:`tenure.service.api.routes`; each calls the same Python
API the CLI calls. The application's lifespan opens the project (:class:`ServiceState`: the
single writer, users and keys) and closes it at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute

from tenure import __version__
from tenure.service.api.routes import status
from tenure.service.errors import ErrorResponse, install_error_handlers
from tenure.service.settings import ServiceSettings
from tenure.service.state import ServiceState

__all__ = ["create_app"]

#: Every route may answer with an error in the one shape (documented in the schema).
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 422, 500)}


def _operation_id(route: APIRoute) -> str:
    """Operation ids that read well in a generated client: ``<tag>_<function name>``."""
    tag = route.tags[0] if route.tags else "tenure"
    return f"{tag}_{route.name}"


def create_app(project: Path, settings: ServiceSettings, *,
               state: ServiceState | None = None) -> FastAPI:
    """The Tenure server for ``project``.

    Nothing is opened until the application starts (its lifespan), so building the app is
    cheap and a test can build one per case. ``state`` is a project already opened (``tenure
    serve`` opens it first, so a locked or broken project is one clear error, not a failed
    start-up); the application closes it at shutdown either way.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = state if state is not None else ServiceState.open(Path(project), settings)
        app.state.tenure = opened
        try:
            yield
        finally:
            opened.close()

    app = FastAPI(
        title="Tenure",
        version=__version__,
        summary="Revenue metrics, scores, health, segments and the worklist of a subscription "
                "business, and ingestion of its product events.",
        lifespan=lifespan,
        responses=_ERRORS,
        generate_unique_id_function=_operation_id,
    )
    install_error_handlers(app)
    app.include_router(status.router)
    return app
