"""``tenure serve``: the server over one project (``docs/service.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.app import app
from tenure.cli.common import ProjectOption, check_project, console, err_console
from tenure.config import load_config

__all__ = ["serve"]


@app.command("serve")
def serve(
    project: ProjectOption = Path("."),
    host: Annotated[str | None, typer.Option(
        help="Address to listen on (default: the host setting, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(
        help="Port to listen on (default: the port setting, 8765).")] = None,
    dev: Annotated[bool, typer.Option(
        "--dev", help="Development mode: loopback only, throwaway secrets, and an admin login "
                      "and write key printed at start-up.")] = False,
) -> None:
    """Run the Tenure server: the REST API and event ingestion over the project's warehouse.

    Settings come from the `service:` section of tenure.yaml and TENURE_* environment
    variables; outside --dev the server refuses to start without a secret key
    (TENURE_SECRET_KEY)."""
    import uvicorn

    from tenure.service import create_app, load_service_settings
    from tenure.service.state import ServiceState

    config = load_config(project)
    check_project(Path(project), config, require_warehouse=False)
    overrides: dict[str, object] = {"host": host, "port": port}
    if dev:
        overrides["dev"] = True
    settings = load_service_settings(project, **overrides)
    if dev and host not in (None, settings.host):
        err_console.print(f"note: --dev listens on {settings.host} only; --host {host} is ignored")
    # Opened before uvicorn starts: a busy or broken project is one clear error here.
    state = ServiceState.open(Path(project), settings)
    application = create_app(Path(project), settings, state=state)
    server = uvicorn.Server(uvicorn.Config(application, host=settings.host, port=settings.port,
                                           log_level="info", lifespan="on"))

    original_startup = server.startup

    async def startup(sockets=None) -> None:  # type: ignore[no-untyped-def]
        await original_startup(sockets)
        bound = [s.getsockname() for srv in server.servers for s in srv.sockets]
        url = f"http://{settings.host}:{bound[0][1] if bound else settings.port}"
        console.print(f"Tenure is serving {project} at {url} (API docs: {url}/docs)")
        login = application.state.tenure.dev_login
        if login is not None:
            console.print(f"dev login: user {login.user}, password {login.password}")
            console.print(f"dev write key: {login.write_key}")

    server.startup = startup  # type: ignore[method-assign]
    server.run()
