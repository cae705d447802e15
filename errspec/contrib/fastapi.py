"""Send every error of a FastAPI or Starlette app in one envelope.

::

    from fastapi import FastAPI
    from errspec.contrib.fastapi import install

    app = FastAPI()
    install(app, envelope="problem-details")

:func:`install` registers exception handlers for

* ``HTTPException`` (FastAPI's and Starlette's, so routing's 404 too): the status, its
  ``detail`` as the message when it is text, its headers (your ``WWW-Authenticate``);
* 405 from routing, with an ``Allow`` header listing *every* method of the path (Starlette
  lists only the methods of the first route that matched the path);
* FastAPI's ``RequestValidationError``: the envelope's validation status (422, or 400 where
  the envelope has no code for 422, as google-rpc) with one field error per pydantic error
  (``loc`` → field, ``msg`` → message, ``type`` → code);
* :class:`~errspec.contrib.APIError`, raised by your views with everything the error model
  carries (code, field errors, ``retry_after``);
* any other exception: a 500 that says nothing about it, logged with its traceback to the
  ``errspec.contrib`` logger.

On a FastAPI app it also wraps ``app.openapi()`` so that the generated document describes
the envelope: errspec's components are added, FastAPI's ``HTTPValidationError`` responses
become the envelope's, and every operation documents its errors, so that
``errspec.lint(app.openapi(), envelope=…)`` is clean.

Starlette (and FastAPI) must be installed; errspec does not depend on them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    from starlette.exceptions import HTTPException
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Match
except ImportError as exc:  # pragma: no cover - exercised with starlette hidden
    raise ImportError(
        "errspec.contrib.fastapi needs FastAPI or Starlette: pip install fastapi"
    ) from exc

from .._produce import FieldError
from .._registry import Envelope
from ._server import APIError, Producer, Wire, allow_header, document_errors

__all__ = ["APIError", "install"]

#: FastAPI's own validation error schemas, replaced in the OpenAPI document.
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")
_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _send(wire: Wire) -> Response:
    return Response(
        content=wire.body,
        status_code=wire.status,
        headers={k: v for k, v in wire.headers if k.lower() != "content-type"},
        media_type=wire.media_type,
    )


def _allowed_methods(request: Request) -> set[str]:
    """Every method some route of the app answers on this path."""
    methods: set[str] = set()
    router = getattr(request.app, "router", None)
    for route in getattr(router, "routes", ()):
        route_methods = getattr(route, "methods", None)
        if not route_methods:
            continue
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(route_methods)
    return methods


def install(
    app: Any,
    envelope: str | Path | Envelope = "problem-details",
    *,
    openapi: bool = True,
    request_id: Callable[[Request], str | None] | None = None,
    logger: logging.Logger | None = None,
) -> Any:
    """Make ``app`` (FastAPI or Starlette) send its errors in ``envelope`` (an id, an alias
    or the folder of your own envelope). ``openapi=False`` leaves ``app.openapi()`` alone.
    ``request_id(request)`` gives the id to put in errors (default: the request's
    ``X-Request-Id``, or the envelope's own request-id header). Returns ``app``."""
    producer = Producer.of(envelope, logger)

    def incoming_id(request: Request) -> str | None:
        if request_id is not None:
            return request_id(request)
        return producer.request_id(request.headers.get)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code < 400:  # not an error (a 304 raised to stop early): no body
            return Response(status_code=exc.status_code, headers=exc.headers)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allow_header(
                _allowed_methods(request) or headers.get("Allow", "").split(", ")
            )
        detail = exc.detail if isinstance(exc.detail, str) else None
        return _send(
            producer.status(
                exc.status_code, detail, headers=headers, request_id=incoming_id(request)
            )
        )

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, APIError)
        return _send(producer.api_error(exc, request_id=incoming_id(request)))

    async def validation_error(request: Request, exc: Exception) -> Response:
        errors = []
        general: list[str] = []
        for error in exc.errors():  # type: ignore[attr-defined]
            code = error.get("type")
            message = str(error.get("msg", "is not valid"))
            if code == "json_invalid":  # the body is not JSON: its loc is a character offset
                general.append(f"The request body is not valid JSON: {message}.")
                continue
            loc = list(error.get("loc") or ())
            where = loc[0] if loc and loc[0] in _LOCATIONS else "body"
            if loc and loc[0] in _LOCATIONS:
                loc = loc[1:]
            field = producer.field(loc, in_body=where == "body") if loc else where
            errors.append(FieldError(field, message, code if isinstance(code, str) else None))
        return _send(
            producer.validation(
                errors,
                message=" ".join(general) or "The request is not valid.",
                request_id=incoming_id(request),
            )
        )

    async def server_error(request: Request, exc: Exception) -> Response:
        rid = incoming_id(request)
        where = f"{request.method} {request.url.path}"
        return _send(producer.server_error(exc, where=where, request_id=rid))

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(APIError, api_error)
    try:
        from fastapi.exceptions import RequestValidationError
    except ImportError:  # a Starlette app without FastAPI installed
        pass
    else:
        app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, server_error)

    generate = getattr(app, "openapi", None)
    if openapi and callable(generate) and hasattr(app, "openapi_schema"):

        def patched_openapi() -> dict[str, Any]:
            if app.openapi_schema is None:
                document = generate()
                app.openapi_schema = document_errors(
                    document, producer, replace_schemas=_FASTAPI_SCHEMAS
                )
            return app.openapi_schema  # type: ignore[no-any-return]

        app.openapi = patched_openapi
        app.openapi_schema = None
    return app
