"""Send every error of a Django (and Django REST framework) project in one envelope.

In ``settings.py``::

    ERRSPEC_ENVELOPE = "problem-details"        # an id, an alias or your envelope's folder
    MIDDLEWARE = [
        "errspec.contrib.django.ErrorMiddleware",  # first: it sees every response
        ...
    ]
    REST_FRAMEWORK = {"EXCEPTION_HANDLER": "errspec.contrib.django.exception_handler"}

:class:`ErrorMiddleware` answers, in the envelope:

* exceptions a view raises: ``Http404`` (404), ``PermissionDenied`` (403), ``BadRequest``
  and ``SuspiciousOperation`` (400), :class:`~errspec.contrib.APIError` (what it
  carries), anything else a 500 that says nothing about it, logged with its traceback to
  the ``errspec.contrib`` logger;
* Django's own error pages: ``HttpResponseNotAllowed`` (405, its ``Allow`` kept) and the
  HTML pages of the 400, 403, 404 and 500 handlers (an unknown URL, a bad request), which
  an API's clients cannot read. Other responses, yours included, pass untouched.

:func:`exception_handler` is DRF's ``EXCEPTION_HANDLER``: every ``APIException``
(``ValidationError``'s dict → field errors at the envelope's validation status,
``NotAuthenticated`` with DRF's ``WWW-Authenticate``, ``Throttled`` with ``retry_after``,
``MethodNotAllowed``…), Django's ``Http404`` and ``PermissionDenied``, and
:class:`~errspec.contrib.APIError`; anything else goes on to the middleware's 500.

Django must be installed (and DRF for :func:`exception_handler`); errspec does not depend
on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

try:
    from django.conf import settings
    from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
    from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
except ImportError as exc:  # pragma: no cover - exercised with django hidden
    raise ImportError("errspec.contrib.django needs Django: pip install django") from exc

from .._produce import FieldError
from ._server import APIError, Producer, Wire

__all__ = ["APIError", "ErrorMiddleware", "exception_handler"]

_REPLACED_PAGES = (400, 403, 404, 500)
_MARK = "_errspec_rendered"


@lru_cache(maxsize=8)
def _producer_for(envelope: str) -> Producer:
    return Producer.of(envelope)


def _producer() -> Producer:
    """The producer for ``settings.ERRSPEC_ENVELOPE`` (``problem-details`` when unset)."""
    envelope = getattr(settings, "ERRSPEC_ENVELOPE", "problem-details")
    return _producer_for(str(envelope))


def _send(wire: Wire) -> HttpResponse:
    response = HttpResponse(wire.body, status=wire.status, content_type=wire.media_type)
    for name, value in wire.headers:
        if name.lower() != "content-type":
            response[name] = value
    setattr(response, _MARK, True)
    return response


def _request_id(producer: Producer, request: HttpRequest) -> str | None:
    return producer.request_id(request.headers.get)


def _message(exc: BaseException) -> str | None:
    """The exception's own text when a view gave one (not Django's resolver details)."""
    args: tuple[Any, ...] = getattr(exc, "args", ())
    first = args[0] if len(args) == 1 else None
    return first if isinstance(first, str) and first else None


class ErrorMiddleware:
    """Django middleware: errors in ``settings.ERRSPEC_ENVELOPE``. Put it first in
    ``MIDDLEWARE``, so that it sees the responses of every other middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        _producer()  # a bad ERRSPEC_ENVELOPE fails at start-up, not on a request

    def __call__(self, request: HttpRequest) -> Any:
        response = self.get_response(request)
        if getattr(response, _MARK, False) or getattr(response, "streaming", False):
            return response
        producer = _producer()
        if isinstance(response, HttpResponseNotAllowed):
            headers = {"Allow": response["Allow"]} if response.has_header("Allow") else {}
            return _send(
                producer.status(405, headers=headers, request_id=_request_id(producer, request))
            )
        content_type = response.get("Content-Type", "")
        if response.status_code in _REPLACED_PAGES and content_type.startswith("text/html"):
            return _send(
                producer.status(response.status_code, request_id=_request_id(producer, request))
            )
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse:
        producer = _producer()
        rid = _request_id(producer, request)
        if isinstance(exc, APIError):
            return _send(producer.api_error(exc, request_id=rid))
        if isinstance(exc, Http404):
            return _send(producer.status(404, _message(exc), request_id=rid))
        if isinstance(exc, PermissionDenied):
            return _send(producer.status(403, _message(exc), request_id=rid))
        if isinstance(exc, BadRequest):
            return _send(producer.status(400, _message(exc), request_id=rid))
        if isinstance(exc, SuspiciousOperation):  # its text is for the logs, not the client
            return _send(producer.status(400, request_id=rid))
        where = f"{request.method} {request.path}"
        return _send(producer.server_error(exc, where=where, request_id=rid))


# --------------------------------------------------------------------------- DRF


def _flatten(
    detail: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """(field path, message, code) for every message in a DRF error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, (*path, key))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                yield from _flatten(value, (*path, index))
            else:
                yield from _flatten(value, path)
    else:
        code = getattr(detail, "code", None)
        yield path, str(detail), code if isinstance(code, str) else None


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    """Django REST framework's ``EXCEPTION_HANDLER``, in ``settings.ERRSPEC_ENVELOPE``."""
    from rest_framework import exceptions
    from rest_framework.settings import api_settings
    from rest_framework.views import set_rollback

    producer = _producer()
    request = context.get("request")
    rid = _request_id(producer, request) if request is not None else None
    if isinstance(exc, APIError):
        set_rollback()
        return _send(producer.api_error(exc, request_id=rid))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args[:1]) if _message(exc) else exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = (
            exceptions.PermissionDenied(*exc.args[:1])
            if _message(exc)
            else exceptions.PermissionDenied()
        )
    if not isinstance(exc, exceptions.APIException):
        return None  # DRF re-raises it: the middleware's 500
    set_rollback()
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    if isinstance(exc, exceptions.ValidationError):
        general: list[str] = []
        errors: list[FieldError] = []
        for path, message, code in _flatten(exc.detail):
            if not path or (path[0] == api_settings.NON_FIELD_ERRORS_KEY and len(path) == 1):
                general.append(message)
            else:
                errors.append(FieldError(producer.field(path, in_body=True), message, code))
        message = " ".join(general) or "The request is not valid."
        return _send(producer.validation(errors, message=message, request_id=rid))
    detail = exc.detail if isinstance(exc.detail, str) else None
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait is not None:
        raise_with = APIError(
            exc.status_code, detail or "", retry_after=float(wait), headers=headers
        )
        return _send(producer.api_error(raise_with, request_id=rid))
    return _send(producer.status(exc.status_code, detail, headers=headers, request_id=rid))
