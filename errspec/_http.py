"""The response model errspec checks, and the small HTTP facts it needs.

Every input (a record dict, raw HTTP text, a HAR entry, a ``requests`` or ``httpx``
response) becomes one :class:`Response`. The core imports no HTTP client: library
responses are read through the :class:`HTTPResponse` protocol. :func:`checked` is the
Python API's boundary: what it returns has an HTTP status and a body of JSON data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "NO_BODY",
    "HTTPResponse",
    "Response",
    "media_type",
    "parse_retry_after",
    "plain_headers",
    "record_response",
    "status_of",
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
    _lower: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: Set by :func:`checked` once the status and the body are known to be fit to check.
    _checked: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        headers = self.headers
        if type(headers) is not tuple:  # a mapping, or a list of pairs
            headers = headers_from(headers)
            object.__setattr__(self, "headers", headers)
        values: dict[str, list[str]] = {}
        for pair in headers:
            if type(pair) is not tuple or len(pair) != 2:
                raise TypeError("a Response's headers are (name, value) pairs of strings")
            name, value = pair
            if type(name) is not str or type(value) is not str:
                name, value = _header_pair(name, value)
            values.setdefault(name.lower(), []).append(value)
        # joined once per name: repeated headers cost linear time, not quadratic
        self._lower.update((key, ", ".join(parts)) for key, parts in values.items())

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


def plain_headers(headers: Any) -> dict[str, str] | None:
    """For headers given as a ``dict`` of exact strings whose names differ even ignoring
    case (what a record almost always has): the lookup table :class:`Response` builds,
    lower-cased name to value. ``None`` for anything else (the general path then
    normalises, joins repeated names and says what is wrong). No headers (``None``) are
    an empty table."""
    if headers is None:
        return {}
    if type(headers) is not dict:
        return None
    lower = {
        name.lower(): value
        for name, value in headers.items()
        if type(name) is str and type(value) is str
    }
    # (a pair of another type, or two names alike but for case, leaves it shorter)
    return lower if len(lower) == len(headers) else None


def record_response(
    status: int,
    headers: tuple[tuple[str, str], ...],
    lower: dict[str, str],
    body: Any,
    source: str,
    method: str | None,
    url: str | None,
    headers_known: bool,
) -> Response:
    """``Response(status, headers, body, source=…, …)`` for the items of a dict that
    :func:`plain_headers` turned into ``lower``: the same fields, built without the
    dataclass's ``__init__`` (a frozen dataclass sets each field through
    ``object.__setattr__``, and ``__post_init__`` walks the headers again). A quarter of
    the cost, on the path every record and NDJSON line takes."""
    response = object.__new__(Response)
    response.__dict__.update(
        status=status,
        headers=headers,
        body=body,
        body_text=None,
        body_problem=None,
        source=source,
        method=method,
        url=url,
        headers_known=headers_known,
        _lower=lower,
    )
    return response


def parsed(response: Response) -> Response:
    """Mark a response whose body errspec's own strict JSON parser produced: JSON data by
    construction (a tree of plain types, within Python's limits), so the Python API's
    check of a body (:func:`~errspec._adapters.checked`) need not walk it again. A 10 MiB
    body of small objects costs that walk seconds and hundreds of MiB."""
    object.__setattr__(response, "_checked", True)
    return response


def headers_from(value: Any) -> tuple[tuple[str, str], ...]:
    """Normalise headers given as a mapping (values may be lists) or as (name, value) pairs.

    Names and values must be strings: ``TypeError`` says which is not (a number or
    ``None`` is not turned into text that no server sent).
    """
    if value is None:
        return ()
    items: Iterable[Any]
    if hasattr(value, "multi_items"):
        # httpx.Headers (and Starlette's) keep repeated headers in multi_items(); they are
        # Mappings too, but their items() joins a repeated header's values into one.
        items = value.multi_items()
    elif isinstance(value, Mapping):  # a multidict's items() (aiohttp) repeats the name
        items = value.items()
    elif isinstance(value, str | bytes | bytearray):
        raise TypeError(f"headers are a mapping or (name, value) pairs, not {type(value).__name__}")
    else:  # (name, value) pairs; werkzeug.datastructures.Headers iterates as pairs
        items = value
    out: list[tuple[str, str]] = []
    for pair in items:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"headers are (name, value) pairs, not {type(pair).__name__}")
        name, val = pair
        if isinstance(val, list | tuple):
            out.extend(_header_pair(name, v) for v in val)
        else:
            out.append(_header_pair(name, val))
    return tuple(out)


def _header_pair(name: Any, value: Any) -> tuple[str, str]:
    """``(name, value)`` as exact strings, or ``TypeError`` naming what is not a string."""
    if not isinstance(name, str):
        raise TypeError(f"header names are strings, not {type(name).__name__}")
    if not isinstance(value, str):
        shown = name if name.isprintable() and len(name) <= 60 else repr(name[:60])
        raise TypeError(f"header values are strings, not {type(value).__name__} ({shown})")
    return str(name), str(value)


_STATUS_TEXT = re.compile(r"[1-5][0-9][0-9]")


def status_of(text: str) -> int | None:
    """The HTTP status that ``text`` is (three ASCII digits, 100-599), else ``None``.

    ``str.isdigit()`` is true for ``"²"`` and other digits ``int()`` refuses or reads
    differently: response keys, echoes and headers are judged by this instead."""
    return int(text) if _STATUS_TEXT.fullmatch(text) else None


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


# Retry-After (RFC 9110 §10.2.3) = HTTP-date / delay-seconds, written out as the grammar of
# §5.6.7 says rather than left to a lenient date parser: day and month names are
# case-sensitive (%s"Sun"), digits are ASCII, and only SP and HTAB surround the value.
_DIGITS = re.compile(r"[0-9]+")
_DAY_NAME = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_DAY_NAME_L = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "|".join(_MONTHS)
_TIME_OF_DAY = "(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})"
#: IMF-fixdate: ``Sun, 06 Nov 1994 08:49:37 GMT``.
_IMF_FIXDATE = re.compile(
    f"(?:{_DAY_NAME}), (?P<day>[0-9]{{2}}) (?P<month>{_MONTH}) (?P<year>[0-9]{{4}}) "
    f"{_TIME_OF_DAY} GMT"
)
#: The obsolete RFC 850 form: ``Sunday, 06-Nov-94 08:49:37 GMT``.
_RFC850_DATE = re.compile(
    f"(?:{_DAY_NAME_L}), (?P<day>[0-9]{{2}})-(?P<month>{_MONTH})-(?P<yy>[0-9]{{2}}) "
    f"{_TIME_OF_DAY} GMT"
)
#: The obsolete asctime form: ``Sun Nov  6 08:49:37 1994`` (no zone: it is GMT).
_ASCTIME_DATE = re.compile(
    f"(?:{_DAY_NAME}) (?P<month>{_MONTH}) (?P<day>[0-9]{{2}}| [0-9]) {_TIME_OF_DAY} "
    "(?P<year>[0-9]{4})"
)
#: Longer delay-seconds are valid, but no delay that long is meant: they read as ``inf``.
MAX_DELAY_DIGITS = 18


def parse_retry_after(value: str) -> int | float | None:
    """Seconds a Retry-After value asks for, or ``None`` when it is invalid.

    RFC 9110 §10.2.3: ``Retry-After = HTTP-date / delay-seconds``. delay-seconds is
    ``1*DIGIT`` in ASCII (more than 18 significant digits read as ``inf``). An HTTP-date
    is accepted in the three formats of §5.6.7 when it names a real day and time, and is
    returned as ``float('nan')`` (a date, not a delay: it cannot be compared with a body
    hint in seconds without the Date header).
    """
    text = value.strip(" \t")
    if _DIGITS.fullmatch(text):
        digits = text.lstrip("0") or "0"
        return int(digits) if len(digits) <= MAX_DELAY_DIGITS else math.inf
    return math.nan if _is_http_date(text) else None


def _is_http_date(text: str) -> bool:
    """Whether ``text`` is an HTTP-date (RFC 9110 §5.6.7) of a real day and time."""
    m = _IMF_FIXDATE.fullmatch(text) or _ASCTIME_DATE.fullmatch(text)
    if m is not None:
        year = int(m["year"])
    else:
        m = _RFC850_DATE.fullmatch(text)
        if m is None:
            return False
        year = _rfc850_year(int(m["yy"]))
    try:
        datetime(year, _MONTHS.index(m["month"]) + 1, int(m["day"]))
    except ValueError:  # 31 Feb, day 00, year 0000
        return False
    # Second 60 is a leap second, which the grammar's time-of-day allows.
    return int(m["hour"]) < 24 and int(m["minute"]) < 60 and int(m["second"]) <= 60


def _rfc850_year(yy: int) -> int:
    """RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in the future is
    the most recent past year with those digits."""
    now = datetime.now(UTC).year
    year = now - now % 100 + yy
    return year - 100 if year > now + 50 else year
