"""Typed dependencies: a route's signature says what it needs.

``StateDep`` is the server's hold on the project; ``ReaderDep`` a warehouse on a fresh cursor
(the last committed data, never waiting on writes); ``ReadAccess`` / ``WriteAccess`` /
``AdminAccess`` the authenticated caller, refused with 401 (not authenticated) or 403 (not
allowed) in the one error shape.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from tenure.service.errors import ApiError
from tenure.service.security import Principal, Role, Scope
from tenure.service.state import ServiceState
from tenure.warehouse import Warehouse

__all__ = [
    "AdminAccess",
    "ReadAccess",
    "ReaderDep",
    "StateDep",
    "WriteAccess",
    "current_principal",
    "require",
]

class _LenientBasic(HTTPBasic):
    """HTTP Basic that never answers by itself: a malformed header is a wrong credential, told
    in the one error shape by :func:`current_principal`."""

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        try:
            return await super().__call__(request)
        except HTTPException:
            return None


_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tk_...`.")
_basic = _LenientBasic(auto_error=False, description=(
    "A write key as user name and an empty password (as Segment and RudderStack send it), or a "
    "user name and password."))

_CHALLENGE = {"WWW-Authenticate": 'Bearer, Basic realm="tenure"'}


def get_state(request: Request) -> ServiceState:
    return request.app.state.tenure


StateDep = Annotated[ServiceState, Depends(get_state)]


def get_reader(state: StateDep) -> Iterator[Warehouse]:
    with state.writer.reader() as warehouse:
        yield warehouse


ReaderDep = Annotated[Warehouse, Depends(get_reader)]


def _basic_from_header(request: Request) -> HTTPBasicCredentials | None:
    """HTTP Basic credentials, read leniently: Segment sends ``key:`` (empty password)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, _, password = base64.b64decode(value, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return HTTPBasicCredentials(username=user, password=password)


def current_principal(
    request: Request,
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Principal:
    """The authenticated caller; 401 when there are no credentials or they are wrong."""
    principal = None
    if bearer is not None:
        principal = state.auth.check_key(bearer.credentials)
    else:
        credentials = basic or _basic_from_header(request)
        if credentials is not None:
            if credentials.password:
                principal = state.auth.check_password(credentials.username,
                                                       credentials.password)
            else:
                principal = state.auth.check_key(credentials.username)
    if principal is None:
        given = bearer is not None or request.headers.get("authorization")
        raise ApiError(401, "the API key or password is wrong, revoked or malformed" if given
                       else "authentication required: send an API key as `Authorization: "
                            "Bearer tk_...` (or HTTP Basic)", headers=_CHALLENGE)
    return principal


def require(scope: Scope = Scope.read, *, roles: tuple[Role, ...] = ()
            ) -> Callable[[Principal], Principal]:
    """A dependency admitting callers with ``scope`` (and, when given, one of ``roles``)."""

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if scope is Scope.write and not principal.can_write:
            raise ApiError(403, "this API key is read-only; use a key with write scope")
        if roles and principal.role not in roles:
            raise ApiError(403, f"this needs the role {' or '.join(r.value for r in roles)}; "
                                f"{principal.user} is a {principal.role.value}")
        return principal

    return check


ReadAccess = Annotated[Principal, Depends(require(Scope.read))]
WriteAccess = Annotated[Principal, Depends(require(Scope.write))]
AdminAccess = Annotated[Principal, Depends(require(Scope.write, roles=(Role.admin,)))]
