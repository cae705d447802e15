"""The response model errspec checks, and the small HTTP facts it needs.

Every input (a record dict, raw HTTP text, a HAR entry, a ``requests`` or ``httpx``
response) becomes one :class:`Response`. The core imports no HTTP client: library
responses are read through the :class:`HTTPResponse` protocol.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "NO_BODY",
    "HTTPResponse",
    "Response",
    "media_type",
    "parse_retry_after",
]


class _NoBody:
    """Marker: the response had no JSON body (see ``Response.body_text``)."""

    _instance: _NoBody | None = None

    def __new__(cls) -> _NoBody:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_BODY"

    def __bool__(self) -> bool:
        return False


NO_BODY: Any = _NoBody()


@runtime_checkable
class HTTPResponse(Protocol):
    """What errspec reads from an HTTP library's response object.

    ``requests.Response`` and ``httpx.Response`` both satisfy it as they are.
    """

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True)
class Response:
    """One HTTP response as errspec sees it.

    ``headers`` keeps names as received; :meth:`header` looks them up case-insensitively.
    ``headers_known`` is false when the source recorded no headers at all.
    ``body`` is the parsed JSON body, or :data:`NO_BODY` when there is none; then
    ``body_text`` holds the raw text (``None`` for an empty body) and ``body_problem``
    says why it is not JSON.
    """

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: Any = NO_BODY
    body_text: str | None = None
    body_problem: str | None = None
    source: str = "<response>"
    method: str | None = None
    url: str | None = None
    #: False when the input did not record headers at all (a record without "headers"):
    #: rules about headers are then skipped instead of reporting every header missing.
    headers_known: bool = True
    _lower: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        lower = self._lower
        for name, value in self.headers:
            key = name.lower()
            lower[key] = f"{lower[key]}, {value}" if key in lower else value

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive); repeated headers are joined
        with ``", "`` as RFC 9110 §5.3 allows."""
        return self._lower.get(name.lower())

    def has_header(self, name: str) -> bool:
        return name.lower() in self._lower

    @property
    def media_type(self) -> str | None:
        """The Content-Type's media type, lower-cased, without parameters."""
        return media_type(self._lower.get("content-type"))

    @property
    def has_json_body(self) -> bool:
        return self.body is not NO_BODY


def headers_from(value: Any) -> tuple[tuple[str, str], ...]:
    """Normalise headers given as a mapping (values may be lists) or as (name, value) pairs."""
    if value is None:
        return ()
    items: Iterable[Any]
    if hasattr(value, "multi_items"):
        # httpx.Headers (and Starlette's) keep repeated headers in multi_items(); they are
        # Mappings too, but their items() joins a repeated header's values into one.
        items = value.multi_items()
    elif isinstance(value, Mapping):  # a multidict's items() (aiohttp) repeats the name
        items = value.items()
    else:  # (name, value) pairs; werkzeug.datastructures.Headers iterates as pairs
        items = value
    out: list[tuple[str, str]] = []
    for name, val in items:
        if isinstance(val, list | tuple):
            out.extend((str(name), str(v)) for v in val)
        else:
            out.append((str(name), str(val)))
    return tuple(out)


def media_type(content_type: str | None) -> str | None:
    """``'application/problem+json; charset=utf-8'`` → ``'application/problem+json'``."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type, lower-cased."""
    if not content_type:
        return None
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower() or None
    return None


def is_json_media_type(value: str | None) -> bool:
    """``application/json`` or any ``+json`` structured syntax suffix (RFC 6839)."""
    return value is not None and (value == "application/json" or value.endswith("+json"))


_DELAY_SECONDS = re.compile(r"[0-9]+")


def parse_retry_after(value: str) -> int | float | None:
    """Seconds a Retry-After value asks for, or ``None`` when it is invalid.

    RFC 9110 §10.2.3: ``Retry-After = HTTP-date / delay-seconds``. An HTTP-date is
    accepted in the three formats of §5.6.7 and returned as ``float('nan')`` (a date,
    not a delay: it cannot be compared with a body hint in seconds without the Date
    header).
    """
    text = value.strip()
    if _DELAY_SECONDS.fullmatch(text):
        return int(text)
    if not text[:3].isalpha():  # every HTTP-date format starts with a day name
        return None
    # IMF-fixdate and the obsolete RFC 850 form end in GMT; asctime has no zone and no comma.
    if "," in text and not text.endswith(" GMT"):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return float("nan") if parsed is not None else None
