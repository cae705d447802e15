"""Send every error of a Flask app in one envelope.

::

    from flask import Flask
    from errspec.contrib.flask import install

    app = Flask(__name__)
    install(app, envelope="problem-details")

:func:`install` registers error handlers for

* every werkzeug ``HTTPException``: ``abort(404)``, ``abort(409, "The task changed.")``,
  unknown routes (404) and methods (405, with werkzeug's ``Allow``), bad requests Flask
  raises itself (a body that is not JSON for ``request.json``: 400 / 415). The
  exception's ``description`` is the message when you gave one, else the status phrase;
  its headers are kept (``Allow``, ``WWW-Authenticate``). ``abort(response)`` with a
  ready response is left as it is;
* :class:`~errspec.contrib.APIError`, raised by your views with everything the error model
  carries (code, field errors, ``retry_after``);
* any other exception: a 500 that says nothing about it, logged with its traceback to the
  ``errspec.contrib`` logger.

Flask must be installed; errspec does not depend on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    from flask import Flask, request
    from flask import Response as FlaskResponse
    from werkzeug.exceptions import HTTPException
except ImportError as exc:  # pragma: no cover - exercised with flask hidden
    raise ImportError("errspec.contrib.flask needs Flask: pip install flask") from exc

from .._registry import Envelope
from ._server import APIError, Producer, Wire

__all__ = ["APIError", "install"]


def _send(wire: Wire) -> FlaskResponse:
    response = FlaskResponse(wire.body, status=wire.status, mimetype=wire.media_type)
    response.headers["Content-Type"] = wire.media_type
    for name, value in wire.headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def install(
    app: Flask,
    envelope: str | Path | Envelope = "problem-details",
    *,
    request_id: Callable[[Any], str | None] | None = None,
    logger: logging.Logger | None = None,
) -> Flask:
    """Make ``app`` send its errors in ``envelope`` (an id, an alias or the folder of your
    own envelope). ``request_id(request)`` gives the id to put in errors (default: the
    request's ``X-Request-Id``, or the envelope's own request-id header). Returns ``app``."""
    producer = Producer.of(envelope, logger)

    def incoming_id() -> str | None:
        if request_id is not None:
            return request_id(request)
        return producer.request_id(request.headers.get)

    def http_error(exc: HTTPException) -> Any:
        if exc.response is not None:  # abort(response): the view made its own
            return exc.response
        if exc.code is not None and exc.code < 400:  # routing's redirect (308): not an error
            return exc.get_response()
        status = exc.code or 500
        headers = {
            name: value
            for name, value in exc.get_headers()
            if name.lower() not in ("content-type", "content-length")
        }
        # werkzeug's own description is prose for browsers; a description given to
        # abort() differs from the class default and is the message.
        given = exc.description if exc.description != type(exc).description else None
        return _send(producer.status(status, given, headers=headers, request_id=incoming_id()))

    def api_error(exc: APIError) -> FlaskResponse:
        return _send(producer.api_error(exc, request_id=incoming_id()))

    def server_error(exc: Exception) -> FlaskResponse:
        where = f"{request.method} {request.path}"
        return _send(producer.server_error(exc, where=where, request_id=incoming_id()))

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(APIError, api_error)
    app.register_error_handler(Exception, server_error)
    return app
