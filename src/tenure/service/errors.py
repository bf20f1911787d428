"""One JSON shape for every error the service returns, from any route.

.. code-block:: json

    {"error": {"status": 404, "code": "not_found", "message": "...", "details": []}}

``code`` is a stable word a client can branch on; ``message`` is a sentence for a person,
naming what was wrong and the fix; ``details`` lists per-field or per-item problems (a bad
request field, a bad event in a batch), each ``{"location": [...], "message": "..."}`` plus any
extra keys the route adds (``index`` for batch items). A test pins the shape.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from tenure.errors import ConfigError, InputError, TenureError, WarehouseError

__all__ = ["ApiError", "ErrorBody", "ErrorCode", "ErrorResponse", "install_error_handlers"]

log = logging.getLogger("tenure.service")


class ErrorCode(StrEnum):
    """The stable ``code`` of an error response."""

    bad_request = "bad_request"
    invalid = "invalid"
    unauthorized = "unauthorized"
    forbidden = "forbidden"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    conflict = "conflict"
    too_large = "too_large"
    unavailable = "unavailable"
    internal = "internal"


_CODE_OF_STATUS = {
    400: ErrorCode.bad_request, 401: ErrorCode.unauthorized, 403: ErrorCode.forbidden,
    404: ErrorCode.not_found, 405: ErrorCode.method_not_allowed, 409: ErrorCode.conflict,
    413: ErrorCode.too_large, 422: ErrorCode.invalid, 503: ErrorCode.unavailable,
}


class ErrorBody(BaseModel):
    status: int = Field(description="The HTTP status code, repeated for clients that lose it.")
    code: ErrorCode
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)


class ErrorResponse(BaseModel):
    """What every error response holds (declared in the OpenAPI schema of each route)."""

    error: ErrorBody


class ApiError(Exception):
    """An error a route raises on purpose: its status, code, message and details."""

    def __init__(self, status: int, message: str, *, code: ErrorCode | None = None,
                 details: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or _CODE_OF_STATUS.get(status, ErrorCode.bad_request)
        self.message = message
        self.details = details or []
        self.headers = headers


def error_response(status: int, message: str, *, code: ErrorCode | None = None,
                   details: list[dict[str, Any]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(
        status=status, code=code or _CODE_OF_STATUS.get(status, ErrorCode.bad_request),
        message=message, details=details or []))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", "")}
            for e in exc.errors()]


def install_error_handlers(app: FastAPI) -> None:
    """Route every error, expected or not, through :func:`error_response`."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, code=exc.code, details=exc.details,
                              headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}; see /docs"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see /docs"
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        first = details[0] if details else {"location": [], "message": "invalid request"}
        where = ".".join(first["location"])
        return error_response(422, f"invalid request: {where}: {first['message']}"
                              + (f" (and {len(details) - 1} more)" if len(details) > 1 else ""),
                              details=details)

    @app.exception_handler(TenureError)
    async def _tenure_error(request: Request, exc: TenureError) -> JSONResponse:
        if isinstance(exc, ConfigError):
            return error_response(409, str(exc), code=ErrorCode.conflict)
        if isinstance(exc, InputError):
            return error_response(400, str(exc))
        if isinstance(exc, WarehouseError):
            # A table not computed yet, or the warehouse busy: the request is fine, the data
            # is not there; the message names the command that makes it.
            return error_response(409, str(exc), code=ErrorCode.conflict)
        return error_response(400, str(exc))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return error_response(500, "internal error; the server log has the details",
                              code=ErrorCode.internal)
