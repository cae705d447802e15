"""What errspec's framework handlers share, with no framework imported: which response an
envelope sends for each kind of failure a web framework meets.

Each framework module (:mod:`errspec.contrib.fastapi`, :mod:`~errspec.contrib.flask`,
:mod:`~errspec.contrib.django`) turns its framework's exceptions into an
:class:`~errspec.ErrorInfo` and hands it to a :class:`Producer`, which renders it with
:func:`errspec.render` (falling back to the nearest status the envelope can express) and
returns the status, headers and body bytes to send. Everything envelope-specific comes from
the envelope's profile; there is no code per envelope.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal

from .._exceptions import ErrspecError
from .._http import Response
from .._pointer import escape
from .._produce import ErrorInfo, FieldError, render_nearest
from .._registry import Envelope, get_envelope

__all__ = [
    "SERVER_ERROR_MESSAGE",
    "APIError",
    "Producer",
    "Wire",
    "allow_header",
    "document_errors",
]

#: The logger the handlers report unhandled exceptions to (with the traceback).
LOG = logging.getLogger("errspec.contrib")
#: The whole message of a 500 for an unhandled exception: nothing of the exception itself.
SERVER_ERROR_MESSAGE = "The server could not handle the request."
#: The request header a request id is read from when the envelope names none.
REQUEST_ID_HEADER = "X-Request-Id"


class APIError(Exception):
    """Raise this from a view to answer with an error in the installed envelope.

    ``APIError(404, "There is no task t9.")``, or with everything the model carries:
    ``APIError(409, "The task changed.", code="ABORTED")``,
    ``APIError(errspec.ErrorInfo(...))``. ``headers`` are added to the response (they win
    over the envelope's defaults, e.g. your own ``WWW-Authenticate`` challenge)."""

    def __init__(
        self,
        status: int | ErrorInfo,
        message: str = "",
        *,
        code: str | None = None,
        field_errors: Iterable[FieldError] = (),
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(status, ErrorInfo):
            info = status
        else:
            info = ErrorInfo(
                status,
                code=code,
                message=message or _phrase(status),
                field_errors=tuple(field_errors),
                retry_after=retry_after,
            )
        super().__init__(info.message)
        self.info = info
        self.headers: dict[str, str] = dict(headers or {})


@dataclass(frozen=True)
class Wire:
    """A rendered error as a framework sends it: status, header pairs, body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    media_type: str

    def header(self, name: str) -> str | None:
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client error" if status < 500 else "Server error"


def _json_bytes(body: Any) -> bytes:
    # ASCII-escaped: any text a client sent (a lone surrogate in a field name too) renders.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii")


@dataclass(frozen=True)
class Producer:
    """The responses one envelope sends for a server's failures.

    ``request_id`` reads the request id from a request (any object the framework module
    passes in); by default the framework module reads the envelope's request-id header, or
    ``X-Request-Id``, and a new UUID is made when the envelope sends its own request-id
    header and the request brought none."""

    envelope: Envelope
    logger: logging.Logger = field(default=LOG)

    @classmethod
    def of(cls, envelope: str | Path | Envelope, logger: logging.Logger | None = None) -> Producer:
        env = envelope if isinstance(envelope, Envelope) else get_envelope(envelope)
        producer = cls(env, logger or LOG)
        producer.validation_status  # noqa: B018 - fail at install time, not on a request
        return producer

    # -- what the envelope can say ---------------------------------------------------

    @cached_property
    def validation_status(self) -> int:
        """422 where the envelope can express it (with field errors), else 400 (google-rpc:
        INVALID_ARGUMENT with BadRequest field violations, as AIP-193 has it)."""
        probe = ErrorInfo(422, message="probe", field_errors=(FieldError("f", "m"),))
        return render_nearest(probe, self.envelope).status

    @property
    def request_id_headers(self) -> tuple[str, ...]:
        """The request headers a request id is read from: the envelope's own request-id
        header, then ``X-Request-Id``."""
        own = self.envelope.profile.request_id_header
        return tuple(dict.fromkeys(h for h in (own, REQUEST_ID_HEADER) if h))

    def request_id(self, header: Callable[[str], str | None]) -> str | None:
        """The request id to render: the one the request brought (``header(name)`` reads
        a request header), else a new one when the envelope sends a request-id header of
        its own."""
        for name in self.request_id_headers:
            incoming = header(name)
            if incoming:
                return incoming
        if self.envelope.profile.request_id_header is not None:
            return str(uuid.uuid4())
        return None

    def field(self, location: Sequence[str | int], *, in_body: bool) -> str:
        """A request field's name in the form the envelope's field member takes.

        When the member is a pointer (named ``pointer``, as in RFC 9457's ``errors`` and
        JSON:API's ``source.pointer``), a body field is a JSON Pointer into the body,
        ``#/item/tags/0`` for problem details (RFC 9457 §3's example) and ``/data/…`` style
        for a member whose schema asks for a bare pointer. Otherwise it is a path,
        ``item.tags[0]`` (AIP-193's ``BadRequest.FieldViolation.field``). A query, path or
        header parameter is its name."""
        fe = self.envelope.profile.field_errors
        member = fe.field.rsplit("/", 1)[-1] if fe is not None and fe.field else ""
        parts = list(location)
        if not in_body:
            return ".".join(str(p) for p in parts) or "request"
        if member == "pointer":
            pointer = "".join("/" + escape(str(p)) for p in parts)
            return pointer if self._bare_pointer else "#" + pointer
        text = ""
        for part in parts:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text or "body"

    @cached_property
    def _bare_pointer(self) -> bool:
        """Whether the envelope's schema asks for a bare JSON Pointer (no ``#``)."""
        probe = ErrorInfo(
            self.validation_status, message="probe", field_errors=(FieldError("#/a", "m"),)
        )
        body = render_nearest(probe, self.envelope).body
        return '"#/a"' not in json.dumps(body)  # render changed it: the schema wants a pointer

    # -- responses -------------------------------------------------------------------

    def render(self, info: ErrorInfo, headers: Mapping[str, str] | None = None) -> Wire:
        """``info`` in the envelope; ``headers`` win over the envelope's defaults (a
        framework's ``Allow`` or ``WWW-Authenticate``), except ``Content-Type``."""
        response: Response = render_nearest(info, self.envelope)
        merged: dict[str, tuple[str, str]] = {k.lower(): (k, v) for k, v in response.headers}
        for name, value in (headers or {}).items():
            if name.lower() not in ("content-type", "content-length"):
                merged[name.lower()] = (name, value)
        media_type = response.header("Content-Type") or self.envelope.profile.media_types[0]
        return Wire(response.status, tuple(merged.values()), _json_bytes(response.body), media_type)

    def status(
        self,
        status: int,
        message: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> Wire:
        """The error for a bare status (a framework's ``HTTPException``, ``abort``)."""
        if not 400 <= status <= 599:
            status = 500
        text = message if isinstance(message, str) and message else _phrase(status)
        return self.render(ErrorInfo(status, message=text, request_id=request_id), headers)

    def validation(
        self,
        errors: Sequence[FieldError],
        *,
        message: str = "The request is not valid.",
        request_id: str | None = None,
    ) -> Wire:
        """A request that failed validation, with its field errors."""
        info = ErrorInfo(
            self.validation_status,
            message=message,
            field_errors=tuple(errors),
            request_id=request_id,
        )
        return self.render(info)

    def api_error(self, exc: APIError, *, request_id: str | None = None) -> Wire:
        info = exc.info
        if info.request_id is None and request_id is not None:
            info = ErrorInfo(
                info.status,
                code=info.code,
                message=info.message,
                field_errors=info.field_errors,
                retry_after=info.retry_after,
                request_id=request_id,
                extensions=info.extensions,
            )
        return self.render(info, exc.headers)

    def server_error(
        self, exc: BaseException, *, where: str = "", request_id: str | None = None
    ) -> Wire:
        """A 500 for an unhandled exception: logged with its traceback, and nothing of it
        (type, message, path, trace) in the response."""
        self.logger.error(
            "unhandled exception%s%s",
            f" in {where}" if where else "",
            f" (request id {request_id})" if request_id else "",
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        return self.status(500, SERVER_ERROR_MESSAGE, request_id=request_id)


def allow_header(methods: Iterable[str]) -> str:
    """An ``Allow`` value: the methods upper-cased, each once, HEAD beside GET."""
    seen = {m.upper() for m in methods}
    if "GET" in seen:
        seen.add("HEAD")
    order = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
    return ", ".join([m for m in order if m in seen] + sorted(seen - set(order)))


# --------------------------------------------------------------------------- OpenAPI

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_GENERIC = "Error"


def _is_error_key(key: str) -> bool:
    return (
        key == "default"
        or key.upper() in ("4XX", "5XX")
        or (len(key) == 3 and key.isdigit() and key[0] in "45")
    )


def _has_schema(response: Any) -> bool:
    """Whether a response describes a body of its own (a ``$ref``, or content with a
    non-empty schema)."""
    if not isinstance(response, dict):
        return True
    if "$ref" in response:
        return True
    content = response.get("content")
    if not isinstance(content, dict):
        return False
    return any(isinstance(m, dict) and m.get("schema") not in (None, {}) for m in content.values())


def _secured(operation: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    security = operation.get("security", document.get("security"))
    return bool(security) and isinstance(security, list) and {} not in security


def _references(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def document_errors(
    document: dict[str, Any],
    producer: Producer,
    *,
    replace_schemas: Sequence[str] = (),
) -> dict[str, Any]:
    """Make an OpenAPI document (3.0 or 3.1, as a framework generates it) document the
    envelope's errors, in place: errspec's components for the envelope are added (a name
    the document already uses for something else is an ``ErrspecError``); every operation's
    validation response (a ``422`` the framework wrote) becomes the envelope's, at the
    status the envelope gives validation errors; error responses without a body of their
    own get the envelope's; secured operations get a ``401``, paths with parameters a
    ``404``, and every operation a ``default`` for any other error. ``replace_schemas``
    (the framework's own validation error schemas) are dropped once nothing refers to them.
    """
    from .._components import components_document  # the components: only when asked

    env = producer.envelope
    profile = env.profile
    version = str(document.get("openapi", "3.1.0"))
    oas: Literal["3.0", "3.1"] = "3.0" if version.startswith("3.0") else "3.1"
    ours = components_document(env, oas)["components"]
    # The envelope's example records come from its source documents (another API's
    # errors): they describe nothing of this API, so they stay out of its document.
    ours.pop("examples", None)
    for schema in ours.get("schemas", {}).values():
        schema.pop("examples", None)
        schema.pop("example", None)
    for response in ours.get("responses", {}).values():
        for media in response.get("content", {}).values():
            media.pop("examples", None)
    components = document.setdefault("components", {})
    for kind, items in ours.items():
        section = components.setdefault(kind, {})
        for name, value in items.items():
            if name in section and section[name] != value:
                raise ErrspecError(
                    f"the OpenAPI document already has components/{kind}/{name}; errspec's "
                    f"{env.id} components need that name"
                )
            section[name] = value
    by_status = {spec.status: spec.name for spec in profile.responses}
    media = profile.media_types[0]
    schema_ref = {"$ref": f"#/components/schemas/{profile.schema_name}"}
    responses_section = components.setdefault("responses", {})
    if _GENERIC not in responses_section:
        responses_section[_GENERIC] = {
            "description": f"An error ({profile.title})",
            "content": {media: {"schema": dict(schema_ref)}},
        }
    elif responses_section[_GENERIC].get("content") != {media: {"schema": schema_ref}}:
        raise ErrspecError(
            f"the OpenAPI document already has components/responses/{_GENERIC}; errspec "
            "needs that name for the envelope's error response"
        )

    def reference(key: str, description: str | None = None) -> dict[str, Any]:
        name = by_status.get(int(key)) if key.isdigit() else None
        ref: dict[str, Any] = {"$ref": f"#/components/responses/{name or _GENERIC}"}
        if description and oas == "3.1":  # 3.1 lets a reference override its description
            ref["description"] = description
        return ref

    validation = str(producer.validation_status)
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            framework_422 = responses.get("422")
            if framework_422 is not None and (
                not _has_schema(framework_422)
                or _references(framework_422)
                & {f"#/components/schemas/{s}" for s in replace_schemas}
            ):
                del responses["422"]
                responses.setdefault(validation, reference(validation))
            for key, response in list(responses.items()):
                if _is_error_key(str(key)) and not _has_schema(response):
                    described = response.get("description") if isinstance(response, dict) else None
                    responses[key] = reference(str(key), described)
            if _secured(operation, document) and "401" not in responses:
                responses["401"] = reference("401")
            if "{" in str(path) and "404" not in responses:
                responses["404"] = reference("404")
            responses.setdefault("default", reference("default"))
    schemas = components.get("schemas", {})
    for name in replace_schemas:
        if name in schemas:
            rest = {k: v for k, v in schemas.items() if k not in replace_schemas}
            used = _references({**document, "components": {**components, "schemas": rest}})
            if f"#/components/schemas/{name}" not in used:
                del schemas[name]
    return document
