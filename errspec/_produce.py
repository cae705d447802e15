"""The other direction: one envelope-agnostic error model, rendered into any envelope and
parsed back from one, driven only by the envelope's profile (and, for members its schema
requires that the model cannot give, by its schema). There is no code per envelope id.

:func:`render` puts each part of an :class:`ErrorInfo` at the pointer the profile names
for it; :func:`parse` reads them back through the same pointers; :func:`retry_delay`
answers "retry, and after how long?" from the profile's ``retryable`` table and the
response's hints.

What each built-in envelope cannot carry (``parse(render(info, E), E)`` loses it):

- ``problem-details``: field error codes (items carry only ``pointer`` and ``detail``);
  a retry hint in the body (only the ``Retry-After`` header).
- ``json-api``: nothing of status, message or field errors is lost; the retry hint is
  only the ``Retry-After`` header.
- ``google-rpc``: field error codes (``fieldViolations`` items: ``field``, ``description``);
  ``retry_after`` only on 429/503, in ``Retry-After``.
- ``odata``: no status echo in the body (the HTTP status is kept by the response).
- ``errors-array``: no machine code (the status is the only code); field error codes.
- ``error-string``: field errors only on 422 (``details`` is 422-only); field error codes;
  the request id.
- ``code-message``: field errors keyed by field name (a field's second error is lost);
  the code must be one of its closed catalogue.
- ``error-object``: field errors, the request id.
- ``data-error``: the machine code (the status is the code), field errors, the body's
  request id (read from the ``X-Request-Id`` header instead).

``retry_after`` is rendered only on 429 and 503, as whole seconds (rounded up).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ._adapters import checked
from ._detect import detect
from ._exceptions import ErrspecError
from ._http import NO_BODY, Response, parse_retry_after
from ._jsondata import BodyTooDeep, json_data, number_text
from ._plan import CASING
from ._pointer import Segments, compile_pointer, escape, values
from ._profile import Profile
from ._registry import Envelope, get_envelope

__all__ = ["ErrorInfo", "FieldError", "convert", "parse", "render", "retry_delay"]

EnvelopeArg = str | Path | Envelope

#: Statuses whose ``retry_after`` is rendered (RFC 9110 §10.2.3, RFC 6585 §4).
RETRY_STATUSES = (429, 503)
#: Retryable when an envelope's ``retryable`` table does not list the status.
_DEFAULT_RETRYABLE = frozenset({408, 429, 502, 503, 504})
#: An ``X-RateLimit-Reset`` at or above this is a Unix time, not a delay in seconds.
_EPOCH_THRESHOLD = 10**9


@dataclass(frozen=True)
class FieldError:
    """One error about one request field: its name (or pointer), a message, and an
    optional machine code."""

    field: str
    message: str
    code: str | None = None

    def __post_init__(self) -> None:
        _text("a field error's field", self.field)
        _text("a field error's message", self.message)
        _text("a field error's code", self.code, optional=True)


@dataclass(frozen=True)
class ErrorInfo:
    """An HTTP API error, independent of any envelope.

    ``status`` is the HTTP status (400-599); ``code`` the machine code (``None``: the
    envelope's catalogue code for the status); ``message`` the human-readable text;
    ``field_errors`` the per-field errors; ``retry_after`` the seconds a client should wait
    before retrying; ``request_id`` the id to quote to support; ``extensions`` extra
    top-level members, kept only by envelopes that allow them (problem-details).
    """

    status: int
    code: str | None = None
    message: str = ""
    field_errors: tuple[FieldError, ...] = ()
    retry_after: float | None = None
    request_id: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """What a user hands errspec is checked here, once, with a message that says what
        is expected (``TypeError`` for a wrong type, ``ErrspecError`` for a bad value)."""
        status = self.status
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"an error's status is an int (400-599), not {type(status).__name__}")
        if not 100 <= status <= 599:
            raise ErrspecError(f"an error's status is an HTTP status, not {number_text(status)}")
        _text("an error's code", self.code, optional=True)
        _text("an error's message", self.message)
        _text("an error's request_id", self.request_id, optional=True)
        errors = self.field_errors
        if isinstance(errors, str | bytes | Mapping) or not isinstance(errors, Iterable):
            raise TypeError("field_errors is a sequence of errspec.FieldError")
        errors = tuple(errors)
        if not all(isinstance(e, FieldError) for e in errors):
            raise TypeError("field_errors is a sequence of errspec.FieldError")
        object.__setattr__(self, "field_errors", errors)
        wait = self.retry_after
        if wait is not None:
            if isinstance(wait, bool) or not isinstance(wait, int | float):
                raise TypeError(f"retry_after is seconds (a number), not {type(wait).__name__}")
            try:
                seconds = float(wait)
            except OverflowError:
                seconds = math.inf
            if not math.isfinite(seconds) or seconds < 0:
                raise ErrspecError(
                    f"retry_after is a finite number of seconds >= 0, not {number_text(wait)}"
                )
        if not isinstance(self.extensions, Mapping):
            raise TypeError("extensions is a mapping of member names to JSON values")
        try:
            object.__setattr__(self, "extensions", json_data(dict(self.extensions)))
        except BodyTooDeep:
            raise ErrspecError("extensions nest too deeply to render") from None
        except ErrspecError as exc:
            raise ErrspecError(str(exc).replace("the body is", "extensions are", 1)) from None


def _text(what: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise TypeError(f"{what} is a str, not {type(value).__name__}")


# --------------------------------------------------------------------------- helpers


def _envelope(envelope: EnvelopeArg) -> Envelope:
    if isinstance(envelope, Envelope):
        return envelope
    return get_envelope(envelope)


def _matches(path: Sequence[str], pattern: Segments) -> bool:
    """Whether a concrete path (array items as ``*``) is ``pattern``."""
    return len(path) == len(pattern) and all(
        p == q or q == "*" or p == "*" for p, q in zip(path, pattern, strict=True)
    )


class _Builder:
    """Builds one body: puts values at (wildcard) pointers, creating objects and arrays."""

    def __init__(self, env: Envelope, seed: Mapping[str, Any], item_array: Segments | None):
        self.body: dict[str, Any] = {}
        self.schema = env.schema
        self.seed = seed  # the members a new item of the field-errors array starts with
        self.item_array = item_array

    def _template(self, member: str) -> dict[str, Any]:
        """The required ``const`` members of the schema object that defines ``member``
        (google.rpc's ``@type`` for ``fieldViolations``), else nothing."""
        stack: list[Any] = [self.schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                props = node.get("properties")
                if isinstance(props, dict) and member in props:
                    consts = {
                        name: props[name]["const"]
                        for name in node.get("required", ())
                        if isinstance(props.get(name), dict) and "const" in props[name]
                    }
                    if consts:
                        return consts
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return {}

    def pattern(self, member: str) -> str | None:
        """The ``pattern`` the schema gives a member named ``member``, if any."""
        stack: list[Any] = [self.schema]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                props = node.get("properties")
                if isinstance(props, dict) and isinstance(props.get(member), dict):
                    found = props[member].get("pattern")
                    if isinstance(found, str):
                        return found
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        return None

    def _new_item(self, path: Sequence[str]) -> dict[str, Any]:
        if self.item_array is not None and _matches(path, self.item_array):
            return dict(self.seed)
        return {}

    def container(self, segments: Segments, *, array: bool = False, leaf: str = "") -> Any:
        """The object (or with ``array``, the array) at ``segments``; a wildcard picks the
        first item the schema's template fits, or appends one."""
        node: Any = self.body
        path: list[str] = []
        for i, seg in enumerate(segments):
            nxt = segments[i + 1] if i + 1 < len(segments) else None
            if seg == "*":
                member = leaf if nxt is None else nxt if nxt != "*" else ""
                template = self._template(member) if member else {}
                item = next(
                    (
                        it
                        for it in node
                        if isinstance(it, dict) and all(it.get(k) == v for k, v in template.items())
                    ),
                    None,
                )
                if item is None:
                    item = {**self._new_item(path), **template}
                    node.append(item)
                node = item
            else:
                if seg not in node:
                    node[seg] = [] if nxt == "*" or (nxt is None and array) else {}
                node = node[seg]
            path.append(seg)
        return node

    def put(self, segments: Segments, value: Any, *, each: bool = False) -> None:
        """Set ``value`` at ``segments``; with ``each``, on every item a wildcard reaches
        (an empty array gets one new item)."""
        if not segments:
            return
        if each and "*" in segments:
            star = segments.index("*")
            array = self.container(segments[:star], array=True)
            if not array:
                array.append(self._new_item(segments[:star]))
            for item in array:
                if isinstance(item, dict):
                    _put_in(item, segments[star + 1 :], value)
            return
        parent = self.container(segments[:-1], leaf=segments[-1])
        if isinstance(parent, dict):
            parent[segments[-1]] = value


def _put_in(node: dict[str, Any], segments: Segments, value: Any) -> None:
    """Set ``value`` at a wildcard-free path inside ``node``."""
    for seg in segments[:-1]:
        node = node.setdefault(seg, {})
    if segments:
        node[segments[-1]] = value


def _allowed(profile: Profile, pointer: str | None, status: int) -> bool:
    """Whether a member may appear on ``status`` (conditional members)."""
    if pointer is None:
        return False
    return all(
        status in m.only_for_status for m in profile.conditional_members if m.pointer == pointer
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Client Error" if status < 500 else "Server Error"


def _code_text(phrase: str, fmt: str) -> str:
    words = phrase.replace("-", " ").split()
    f = fmt.lower().replace("-", "_")
    if f == "upper_snake_case":
        return "_".join(w.upper() for w in words)
    if f in ("snake_case", "lower_snake_case"):
        return "_".join(w.lower() for w in words)
    if f in ("camelcase", "lower_camel_case"):
        return words[0].lower() + "".join(w.capitalize() for w in words[1:])
    if f in ("pascalcase", "upper_camel_case"):
        return "".join(w.capitalize() for w in words)
    return "_".join(w.lower() for w in words)


def _code_for(profile: Profile, info: ErrorInfo, default: str | None = None) -> str | None:
    """The code to render: ``info.code`` (checked against a closed catalogue), else the
    first catalogue code for the status, else (open catalogues with a casing) the status's
    reason phrase in that casing, else (no casing) ``default``: the schema's default for
    the code member (RFC 9457's ``"type": "about:blank"``)."""
    spec = profile.code
    if spec is None:
        return None
    if info.code is not None:
        statuses = spec.catalogue.get(info.code)
        if statuses is None and not spec.open:
            raise ErrspecError(f"{profile.id}: code {info.code!r} is not in its closed catalogue")
        if statuses and info.status not in statuses:
            raise ErrspecError(
                f"{profile.id}: code {info.code!r} goes with "
                f"{', '.join(map(str, statuses))}, not {info.status}"
            )
        return info.code
    for code, statuses in spec.catalogue.items():
        if info.status in statuses:
            return code
    if not spec.open:
        raise ErrspecError(f"{profile.id}: no code in its closed catalogue for {info.status}")
    if spec.format == "any":  # the schema's default for the member, if it has one
        return default
    try:
        phrase = HTTPStatus(info.status).phrase
    except ValueError:
        phrase = f"error {info.status}"
    return _code_text(phrase, spec.format)


def _code_default(env: Envelope) -> str | None:
    """The ``default`` the envelope's schema gives its code member (problem details:
    ``type`` defaults to ``about:blank``, RFC 9457 §3.1.1), or ``None``."""
    if env.profile.code is None:
        return None
    root = env.schema

    def deref(node: Any) -> Any:
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return root.get("$defs", {}).get(ref[len("#/$defs/") :], {})
        return node

    node: Any = root
    for segment in compile_pointer(env.profile.code.pointer):
        props = deref(node).get("properties") if isinstance(deref(node), dict) else None
        if not isinstance(props, dict) or segment not in props:
            return None
        node = props[segment]
    node = deref(node)
    default = node.get("default") if isinstance(node, dict) else None
    return default if isinstance(default, str) else None


def _fill_required(node: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    """Give required members the model has no value for their only value: ``const`` or
    ``null`` (data-error's ``"data": null``)."""
    if not isinstance(node, dict):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for seg in compile_pointer(ref[1:]):
            target = target[seg]
        schema = target
    props = schema.get("properties") or {}
    for name in schema.get("required", ()):
        sub = props.get(name)
        if name not in node and isinstance(sub, dict):
            if "const" in sub:
                node[name] = sub["const"]
            elif sub.get("type") == "null":
                node[name] = None
    for name, value in node.items():
        sub = props.get(name)
        if isinstance(sub, dict) and isinstance(value, dict):
            _fill_required(value, sub, root)


# --------------------------------------------------------------------------- render


def render(info: ErrorInfo, envelope: EnvelopeArg = "problem-details") -> Response:
    """The response ``envelope``'s profile prescribes for ``info``: its media type, the
    status echo, code, message, field errors, retry hint, request id and the headers the
    profile asks for on the status. ``ErrspecError`` for a code its closed catalogue does
    not know."""
    if not isinstance(info, ErrorInfo):
        raise TypeError(f"render takes an ErrorInfo, not {type(info).__name__}")
    if not 400 <= info.status <= 599:
        raise ErrspecError(f"an error status is 400-599, not {info.status}")
    env = _envelope(envelope)
    p = env.profile
    status = info.status
    fe = p.field_errors
    fe_segments = compile_pointer(fe.pointer) if fe is not None else None
    seed: dict[str, Any] = {}
    if fe is not None:
        _put_in(seed, compile_pointer(fe.message), info.message)
    b = _Builder(env, seed, fe_segments)
    code = _code_for(p, info, _code_default(env))
    if p.code is not None and code is not None:
        b.put(compile_pointer(p.code.pointer), code)
    b.put(compile_pointer(p.message), info.message)
    if p.summary is not None and info.code is None:  # the generic error: the status phrase
        b.put(compile_pointer(p.summary), _phrase(status))
    if info.request_id is not None and p.request_id_pointer is not None:
        b.put(compile_pointer(p.request_id_pointer), info.request_id)
    if (
        fe is not None
        and fe_segments is not None
        and info.field_errors
        and (fe.style == "map" or fe.field is not None)
        and _allowed(p, fe.pointer, status)
    ):
        _render_fields(b, fe_segments, info.field_errors, p, code)
    if p.status_echo is not None:
        echo: Any = status if p.status_echo.type == "integer" else str(status)
        b.put(compile_pointer(p.status_echo.pointer), echo, each=True)
    retry = info.retry_after if status in RETRY_STATUSES else None
    seconds = None if retry is None else max(0, math.ceil(retry))
    if seconds is not None and _allowed(p, p.retry_hint_pointer, status):
        assert p.retry_hint_pointer is not None
        b.put(compile_pointer(p.retry_hint_pointer), seconds)
    if p.signature is not None and "" in p.signature.extensions:
        for key, value in info.extensions.items():
            b.body.setdefault(key, value)
    _fill_required(b.body, env.schema, env.schema)
    headers: dict[str, str] = {"Content-Type": p.media_types[0]}
    if seconds is not None and p.retry_hint_header is not None:
        headers[p.retry_hint_header] = str(seconds)
    if p.code is not None and p.code.header is not None and code is not None:
        headers[p.code.header] = code
    if info.request_id is not None and p.request_id_header is not None:
        headers[p.request_id_header] = info.request_id
    for h in p.headers_for(status):
        if h.name in headers or h.family is not None:
            continue
        if h.name.lower() == "www-authenticate" and h.level != "optional":
            headers[h.name] = "Bearer"
        elif h.level == "required" and h.example is not None:
            headers[h.name] = str(h.example)
    return Response(status=status, headers=tuple(headers.items()), body=b.body)


def _render_fields(
    b: _Builder,
    segments: Segments,
    errors: Sequence[FieldError],
    p: Profile,
    default_code: str | None,
) -> None:
    """Field errors at ``segments``; a field error without a code, where the envelope has
    a place for one, gets the error's own code (odata's details require one)."""
    fe = p.field_errors
    assert fe is not None
    msg = compile_pointer(fe.message)
    code = compile_pointer(fe.code) if fe.code else None
    if fe.style == "map":
        target = b.container(segments[:-1])
        mapping = target.setdefault(segments[-1], {}) if isinstance(target, dict) else {}
        for error in errors:
            entry: dict[str, Any] = {}
            _put_in(entry, msg, error.message)
            if code is not None:
                _put_in(entry, code, error.code or default_code or "invalid")
            mapping[error.field] = entry
        return
    assert fe.field is not None
    where = compile_pointer(fe.field)
    pattern = b.pattern(where[-1]) if where else None
    array = b.container(segments, array=True)
    for error in errors:
        item: dict[str, Any] = {}
        name = error.field
        if pattern is not None and re.search(pattern, name) is None:
            name = "/" + escape(name)  # json-api's source.pointer: a field as a JSON pointer
        _put_in(item, where, name)
        _put_in(item, msg, error.message)
        if code is not None and (error.code or default_code) is not None:
            _put_in(item, code, error.code or default_code)
        array.append(item)


# --------------------------------------------------------------------------- parse


def _first_str(body: Any, pointer: str | None, p: Profile | None = None) -> str | None:
    """The first string at ``pointer``. When the pointer runs through the field-errors
    array (json-api's ``/errors/*/code``), items that are not field errors come first."""
    if pointer is None:
        return None
    segments = compile_pointer(pointer)
    fe = p.field_errors if p is not None else None
    if fe is not None and fe.style == "array" and fe.field is not None:
        array = compile_pointer(fe.pointer)
        n = len(array)
        if segments[: n + 1] == (*array, "*"):
            field_at = compile_pointer(fe.field)
            general = [
                item
                for items in values(body, array)
                for item in (items if isinstance(items, list) else ())
                if not values(item, field_at)
            ]
            if general:  # the error itself is an item: its members, not a field error's
                found = (v for item in general for v in values(item, segments[n + 1 :]))
                return next((v for v in found if isinstance(v, str)), None)
    for value in values(body, segments):
        if isinstance(value, str):
            return value
    return None


def _resolved(response: Any, envelope: EnvelopeArg) -> tuple[Response, Envelope | None]:
    r = checked(response)
    if isinstance(envelope, str) and envelope.strip().lower() == "auto":
        if not r.has_json_body:
            return r, None
        found = detect(r).envelope
        return r, (get_envelope(found) if found is not None else None)
    return r, _envelope(envelope)


def _header_delay(r: Response, name: str | None) -> float | None:
    """Seconds a Retry-After header asks for (an HTTP-date relative to now)."""
    if name is None:
        return None
    text = r.header(name)
    if text is None:
        return None
    value = parse_retry_after(text)
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        try:
            when = parsedate_to_datetime(text.strip(" \t"))
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return float(value)


def parse(response: Any, envelope: EnvelopeArg = "auto") -> ErrorInfo:
    """``response`` (a record, a :class:`Response`, an HTTP library response) read into an
    :class:`ErrorInfo` through the envelope's profile pointers. With ``"auto"``, the
    envelope is detected; when none fits, only the status and headers are read."""
    r, env = _resolved(response, envelope)
    if env is None:
        return ErrorInfo(
            status=r.status,
            retry_after=_header_delay(r, "Retry-After"),
            request_id=r.header("X-Request-Id"),
        )
    p = env.profile
    body = r.body if r.body is not NO_BODY else {}
    code = _first_str(body, p.code.pointer, p) if p.code else None
    if code is None and p.code is not None and p.code.header is not None:
        code = r.header(p.code.header)
    if code is not None and code == _code_default(env):  # about:blank: no code of its own
        code = None
    retry = _header_delay(r, p.retry_hint_header)
    if retry is None and p.retry_hint_pointer is not None:
        for value in values(body, compile_pointer(p.retry_hint_pointer)):
            if isinstance(value, int | float) and not isinstance(value, bool):
                retry = float(value)
                break
    request_id = _first_str(body, p.request_id_pointer, p)
    if request_id is None and p.request_id_header is not None:
        request_id = r.header(p.request_id_header)
    extensions: dict[str, Any] = {}
    if p.signature is not None and "" in p.signature.extensions and isinstance(body, dict):
        pointers: list[str | None] = [m.pointer for m in p.signature.members]
        pointers += [p.message, p.request_id_pointer, p.retry_hint_pointer]
        pointers += [p.field_errors.pointer if p.field_errors else None]
        pointers += [p.code.pointer if p.code else None]
        pointers += [p.status_echo.pointer if p.status_echo else None]
        known = {compile_pointer(q)[0] for q in pointers if q}
        extensions = {k: v for k, v in body.items() if k not in known}
    return ErrorInfo(
        status=r.status,
        code=code,
        message=_first_str(body, p.message, p) or "",
        field_errors=_parse_fields(body, p),
        retry_after=retry,
        request_id=request_id,
        extensions=extensions,
    )


def _parse_fields(body: Any, p: Profile) -> tuple[FieldError, ...]:
    fe = p.field_errors
    if fe is None:
        return ()
    msg = compile_pointer(fe.message)
    code = compile_pointer(fe.code) if fe.code else None
    found: list[FieldError] = []

    def one(name: str, item: Any) -> None:
        text = next((v for v in values(item, msg) if isinstance(v, str)), "")
        c = next((v for v in values(item, code) if isinstance(v, str)), None) if code else None
        found.append(FieldError(name, text, c))

    for container in values(body, compile_pointer(fe.pointer)):
        if fe.style == "map" and isinstance(container, dict):
            for name, item in container.items():
                one(str(name), item)
        elif isinstance(container, list) and fe.field is not None:
            where = compile_pointer(fe.field)
            for item in container:
                name = next((v for v in values(item, where) if isinstance(v, str)), None)
                if name is not None:
                    one(name, item)
    return tuple(found)


# --------------------------------------------------------------------------- retry


def convert(response: Any, to: EnvelopeArg, source: EnvelopeArg = "auto") -> Response:
    """``response`` (in ``source``, detected by default) as the response ``to`` would send:
    :func:`parse` then :func:`render`. Codes are vocabularies of their envelope: a code the
    target cannot take (not in its closed catalogue, or not in its casing) is replaced by
    the target's own code for the status, and the rest of the error is kept. A status the
    target cannot express at all becomes the general status of its class (400 or 500)."""
    info = parse(response, source)
    target = _envelope(to)
    casing = target.profile.code.format if target.profile.code else "any"
    if info.code is not None and casing in CASING and not CASING[casing].fullmatch(info.code):
        info = replace(info, code=None)
    return render_nearest(info, target)


def render_nearest(info: ErrorInfo, envelope: EnvelopeArg) -> Response:
    """:func:`render`, or the nearest response ``envelope`` can send when it cannot take
    ``info`` as it is: without the code (a code its closed catalogue does not know), and
    when it has no code for the status at all, with the general status of the class (400
    or 500). The caller sees the changed status on the response. Servers and converters
    use this; :func:`render` itself never changes what it is given."""
    target = _envelope(envelope)
    try:
        return render(info, target)
    except ErrspecError:
        pass
    try:
        return render(replace(info, code=None), target)
    except ErrspecError:
        if info.status in (400, 500):
            raise
    # A status the target cannot express (no code for it in a closed catalogue: google-rpc
    # has none for 422): the general status of its class, as AIP-193 maps a validation
    # error to INVALID_ARGUMENT/400.
    return render(replace(info, code=None, status=400 if info.status < 500 else 500), target)


def retry_delay(response: Any, envelope: EnvelopeArg = "auto") -> float | None:
    """Whether to retry, and after how many seconds: ``None`` when the envelope's
    ``retryable`` table says not to retry the status as it is (no, after re-auth, after a
    fix); else ``Retry-After`` (seconds, or an HTTP-date from now), else
    ``X-RateLimit-Reset`` (seconds, or a Unix time when large), else the body's retry
    hint, else ``0.0``. Statuses a table does not list are retryable when they are 408,
    429, 502, 503 or 504."""
    r, env = _resolved(response, envelope)
    p = env.profile if env is not None else None
    listed = p.retryable.get(r.status) if p is not None else None
    if listed is not None:
        if listed.retry is not True:
            return None
    elif r.status not in _DEFAULT_RETRYABLE:
        return None
    delay = _header_delay(r, "Retry-After")
    if delay is None and p is not None and p.retry_hint_header not in (None, "Retry-After"):
        delay = _header_delay(r, p.retry_hint_header)
    if delay is not None:
        return delay
    for name in ("X-RateLimit-Reset", "RateLimit-Reset"):
        text = r.header(name)
        if text is not None and re.fullmatch(r"[0-9]+", text.strip(" \t")):
            digits = text.strip(" \t")
            if len(digits) > 18:  # no reset that far away is meant (as for Retry-After)
                return math.inf
            value = int(digits)
            if value >= _EPOCH_THRESHOLD:
                return max(0.0, value - time.time())
            return float(value)
    if p is not None and p.retry_hint_pointer is not None and r.has_json_body:
        for value in values(r.body, compile_pointer(p.retry_hint_pointer)):
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                return float(value)
    return 0.0
