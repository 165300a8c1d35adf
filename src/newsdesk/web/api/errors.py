"""Error objects of the JSON API: `{"error": {"code": "...", "message": "..."}}`, always."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "busy",
}
MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication required: send Authorization: Bearer <token>, or log in.",
    403: "You may not do that.",
    404: "There is nothing here.",
    405: "That method is not allowed here.",
    409: "That conflicts with what is already there.",
    422: "Some of the values are not valid.",
    429: "Too many requests: slow down.",
    500: "Something went wrong on our side.",
    503: "The site is busy: try again in a few seconds.",
}
# Seconds a client should wait after a 503 (a write waiting for a lock, an exhausted pool)
RETRY_AFTER = 5
_LOCKED = ("database is locked", "database table is locked")


class FieldProblem(BaseModel):
    """One invalid value (422 only)."""

    loc: list[str | int] = Field(description="Where: e.g. ['body', 'url'] or ['query', 'limit']")
    msg: str
    type: str


class ErrorBody(BaseModel):
    code: str = Field(description="Stable, machine-readable: e.g. not_found, invalid_token")
    message: str = Field(description="For people")
    details: list[FieldProblem] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    """Raise in a route to answer with an error object."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or code or str(status))
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message or MESSAGES.get(status, "Something went wrong.")
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    response = JSONResponse({"error": body}, status_code=status, headers=headers)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if message is None or message == _reason(status):
        message = MESSAGES.get(status, "Something went wrong.")
    return error_response(status, CODES.get(status, "error"), message, dict(exc.headers or {}))


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _problems(exc: RequestValidationError) -> list[dict[str, Any]]:
    problems = []
    for err in exc.errors():
        loc = [p if isinstance(p, int) else str(p) for p in err.get("loc", ())]
        problems.append(
            {"loc": loc, "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        )
    return problems


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = _problems(exc)
    if any(p["type"] == "json_invalid" for p in problems):
        return error_response(400, "invalid_json", "The request body is not valid JSON.")
    first = problems[0] if problems else None
    message = MESSAGES[422]
    if first is not None:
        where = ".".join(str(p) for p in first["loc"][1:]) or str(
            first["loc"][0] if first["loc"] else ""
        )
        message = f"{where}: {first['msg']}" if where else first["msg"]
    return error_response(422, "validation_error", message, details=problems)


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) is the database being busy, not a bug: SQLite's
    "database is locked" or the connection pool timing out."""
    seen: BaseException | None = exc
    for _ in range(5):  # the exception and a few of its causes
        if seen is None:
            return False
        if isinstance(seen, PoolTimeoutError):
            return True
        if isinstance(seen, OperationalError) and any(m in str(seen).lower() for m in _LOCKED):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def server_error_handler(request: Request, exc: Exception) -> Response:
    """500, or 503 with Retry-After when the database is busy (the web app records the error:
    this sub-app's exceptions reach its handler too)."""
    if is_busy(exc):
        return error_response(503, "busy", MESSAGES[503], {"Retry-After": str(RETRY_AFTER)})
    return error_response(500, "internal_error", MESSAGES[500])


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting error objects for these statuses."""
    return {s: {"model": ErrorResponse, "description": MESSAGES.get(s, "Error")} for s in statuses}
