"""The JSON API, /api/v1: a FastAPI sub-application mounted on the web app.

Its own exception handlers make every error an `{"error": {"code", "message"}}` object
(also FastAPI's own 404/405/422s); it shares app.state (engine, settings, secret key, rate
limits) with the web app. `install(app)` mounts it and serves its OpenAPI schema at
/openapi.json (and /api/v1/openapi.json), and the schema's reference pages at /api/docs
(Swagger UI from the fastapi-offline package: its files are served here, never a CDN's).
"""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsdesk import __version__
from newsdesk.web.api import ai, articles, comments, feeds, me
from newsdesk.web.api.deps import csrf_guard
from newsdesk.web.api.errors import (
    MESSAGES,
    ApiError,
    ErrorResponse,
    api_error_handler,
    http_error_handler,
    server_error_handler,
    validation_error_handler,
)

PREFIX = "/api/v1"
DOCS = "/api/docs"
DOCS_ASSETS = DOCS + "/assets"  # swagger-ui-bundle.js, swagger-ui.css, favicon.png
DESCRIPTION = """\
The newsdesk JSON API.

**Authentication**: `Authorization: Bearer <token>` with a token of scope `api` (create one at
/me/tokens, or with POST /me/tokens while logged in). Browser callers may instead use the
session cookie; their writes then need header `X-CSRF-Token` (from GET /me).

**Errors** are always `{"error": {"code": "...", "message": "..."}}` (422s add `details`).

**Pagination**: lists return `next_cursor`; pass it back as `?cursor=` (opaque) until it is
null.
"""


def create_api(parent: FastAPI) -> FastAPI:
    api = FastAPI(
        title="newsdesk API",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        servers=[{"url": PREFIX}],
        dependencies=[Depends(csrf_guard)],
    )
    api.state = parent.state  # engine, settings, secret key, limits: one source of truth
    api.include_router(me.router)
    api.include_router(articles.router)
    api.include_router(feeds.router)
    api.include_router(comments.router)
    api.include_router(ai.router)
    api.add_exception_handler(ApiError, api_error_handler)
    api.add_exception_handler(StarletteHTTPException, http_error_handler)
    api.add_exception_handler(RequestValidationError, validation_error_handler)
    api.add_exception_handler(Exception, server_error_handler)

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title,
                version=api.version,
                description=api.description,
                routes=api.routes,
                servers=api.servers,
            )
            api.openapi_schema = _with_error_objects(schema)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    return api


def _with_error_objects(schema: dict[str, Any]) -> dict[str, Any]:
    """Document the error objects every operation can answer with.

    FastAPI documents 422s with its own shape: point them at ErrorResponse instead. Every
    operation can also meet a bad token (401) and bad parameters (422); writes can meet the
    CSRF check (403), and request bodies can be unparseable (400).
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    if "ErrorResponse" not in components:
        model = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(model.pop("$defs", {}))
        components["ErrorResponse"] = model
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            documented = operation.setdefault("responses", {})
            needed = {"401", "422"}
            if method in ("post", "put", "patch", "delete"):
                needed.add("403")
            if "requestBody" in operation:
                needed.add("400")
            for status in sorted(needed - set(documented)):
                documented[status] = {
                    "description": MESSAGES[int(status)],
                    "content": {"application/json": {"schema": dict(ref)}},
                }
            for status, response in documented.items():
                content = response.get("content", {}).get("application/json")
                if status == "422" and content is not None:
                    content["schema"] = dict(ref)
    return schema


def install(app: FastAPI) -> FastAPI:
    """Mount the API at /api/v1 and its schema at /openapi.json; returns the sub-app.

    Call after newsdesk.web.app._install_accounts_and_comments(app) (it sets the CSRF-exempt
    paths: the API checks CSRF itself, to answer with error objects).
    """
    api = create_api(app)
    app.mount(PREFIX, api)
    exempt = tuple(getattr(app.state, "csrf_exempt_paths", ()))
    app.state.csrf_exempt_paths = (*exempt, PREFIX + "/")

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_json() -> JSONResponse:
        return JSONResponse(api.openapi())

    @app.get(DOCS, include_in_schema=False, response_class=HTMLResponse)
    def api_docs(request: Request) -> HTMLResponse:
        """The API's reference, with "Try it out" (as the reader logged in, if one is)."""
        templates = request.app.state.templates
        context = {"assets": DOCS_ASSETS, "spec": "/openapi.json"}
        return templates.TemplateResponse(request, "api_docs.html", context)

    @app.get("/docs", include_in_schema=False)
    def docs() -> RedirectResponse:  # where FastAPI apps usually keep it
        return RedirectResponse(DOCS, status_code=308)

    spec = find_spec("fastapi_offline")
    assert spec is not None and spec.submodule_search_locations, "fastapi-offline is missing"
    static = f"{spec.submodule_search_locations[0]}/static"
    app.mount(DOCS_ASSETS, StaticFiles(directory=static), name="api_docs_assets")
    return api
