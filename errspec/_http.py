"""The response model errspec checks, and the small HTTP facts it needs.

Every input (a record dict, raw HTTP text, a HAR entry, a ``requests`` or ``httpx``
response) becomes one :class:`Response`. The core imports no HTTP client: library
responses are read through the :class:`HTTPResponse` protocol. :func:`checked` is the
Python API's boundary: what it returns has an HTTP status and a body of JSON data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from ._exceptions import ErrspecError
from ._findings import printable

__all__ = [
    "MAX_DEPTH",
    "NO_BODY",
    "HTTPResponse",
    "Response",
    "checked",
    "json_data",
    "media_type",
    "number_text",
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
    _lower: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: Set by :func:`checked` once the status and the body are known to be fit to check.
    _checked: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        headers = self.headers
        if type(headers) is not tuple:  # a mapping, or a list of pairs
            headers = headers_from(headers)
            object.__setattr__(self, "headers", headers)
        lower = self._lower
        for pair in headers:
            if type(pair) is not tuple or len(pair) != 2:
                raise TypeError("a Response's headers are (name, value) pairs of strings")
            name, value = pair
            if type(name) is not str or type(value) is not str:
                name, value = _header_pair(name, value)
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


# --- numbers in messages -----------------------------------------------------------------

_HUGE = 10**30  # from here on, messages give an integer's length, not its digits


def int_digits(value: int) -> int:
    """How many decimal digits ``abs(value)`` has, without converting it to text (``str()``
    of more than 4300 digits raises ``ValueError``)."""
    n = abs(value)
    if n < _HUGE:
        return len(str(n))
    digits = int((n.bit_length() - 1) * 0.30102999566398120)  # never more than the count
    while n >= 10**digits:
        digits += 1
    return digits


def number_text(value: int | float) -> str:
    """A number as messages show it: ``404``, ``400.0``, or ``an integer of 5001 digits``."""
    if isinstance(value, float):
        return repr(value)
    if abs(value) >= _HUGE:
        return f"an integer of {int_digits(value)} digits"
    return str(int(value))


# --- the Python API's boundary -----------------------------------------------------------

#: Deepest body errspec checks, in levels of objects and arrays (Python's json module
#: parses about 995).
MAX_DEPTH = 1000
#: Longest integer in a body, in digits: the most Python's int/str conversions allow.
MAX_INT_DIGITS = 4300
#: Most values the shared parts of a body may repeat (a tree has no limit).
MAX_REPEATED = 1_000_000
#: A body nested deeper than MAX_DEPTH: reported as ``body-not-json``, like the same body
#: as text, which Python's json module cannot parse.
TOO_DEEP = f"the body nests more than {MAX_DEPTH} levels deep, deeper than errspec checks"
_INT_BITS = 14000  # an int of at most this many bits has at most 4215 digits
_SCALARS = frozenset({str, bool, type(None)})


class BodyTooDeep(Exception):
    """Raised by :func:`json_data` for a body nested deeper than :data:`MAX_DEPTH`."""


def checked(response: Any, source: str | None = None) -> Response:
    """``response`` as a :class:`Response` errspec can check: the Python API's boundary.

    Objects that only look like HTTP library responses (a ``unittest.mock.Mock`` has every
    attribute) and statuses that are not ints are ``TypeError``; a status outside 100-599
    and a body that is not JSON data (:func:`json_data`) are :class:`ErrspecError`. A body
    nested deeper than errspec checks becomes a ``body-not-json`` problem. Checked once:
    a checked response passes again for free.
    """
    if isinstance(response, Response):
        r = response
        if r._checked:
            return r
    else:
        if not isinstance(response, Mapping):
            _readable(response)
        from ._inputs import as_response  # _inputs imports this module

        r = as_response(response, source)
    _strings(r)
    status = r.status
    if type(status) is not int:
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"a response's status is an int (100-599), not {type(status).__name__}")
        r = replace(r, status=int(status))  # an IntEnum such as http.HTTPStatus
    if not 100 <= r.status <= 599:
        raise ErrspecError(
            f"the response's status is {number_text(r.status)}, not an HTTP status (100-599)"
        )
    if r.body is not NO_BODY:
        try:
            body = json_data(r.body)
        except BodyTooDeep:
            r = replace(r, body=NO_BODY, body_text=None, body_problem=TOO_DEEP)
        else:
            if body is not r.body:
                r = replace(r, body=body)
    object.__setattr__(r, "_checked", True)
    return r


def _strings(r: Response) -> None:
    """``TypeError`` for a Response whose source, method or URL is not text."""
    for name, value in (("source", r.source), ("method", r.method), ("url", r.url)):
        if not isinstance(value, str) and (value is not None or name == "source"):
            raise TypeError(f"a response's {name} is a str, not {type(value).__name__}")


def _readable(response: Any) -> None:
    """``TypeError`` for an object with ``status_code``, ``headers`` and ``content`` of the
    wrong types (an unconfigured mock, a fake) that no supported library made."""
    from ._adapters import _library

    if _library(response) is not None:
        return  # httpx, werkzeug, Django, aiohttp: read (and explained) by _adapters
    if not isinstance(response, HTTPResponse):
        return  # as_response() says what it takes
    problem = None
    status, headers, content = response.status_code, response.headers, response.content
    if isinstance(status, bool) or not isinstance(status, int):
        problem = f"its status_code is {_described(status)}, not an int"
    elif not isinstance(headers, Mapping | list | tuple):
        problem = f"its headers are {_described(headers)}, not a mapping of strings"
    elif not isinstance(content, bytes | bytearray):
        problem = f"its content is {_described(content)}, not bytes"
    if problem is not None:
        raise TypeError(
            f"errspec cannot read this {type(response).__name__} as a response: {problem}"
        )


def _described(value: Any) -> str:
    if value is None:
        return "None"
    kind = type(value).__name__
    return f"{'an' if kind[:1] in 'aeiouAEIOU' else 'a'} {kind}"


def json_data(body: Any) -> Any:
    """``body`` if it is JSON data errspec can check, else a plain copy of it, or an error.

    JSON data is what :func:`json.loads` returns: ``dict`` with ``str`` keys, ``list``,
    ``str``, ``int`` of at most 4300 digits, finite ``float``, ``bool`` and ``None``, as a
    tree (no object inside itself). Other mappings, tuples and subclasses (``OrderedDict``,
    ``IntEnum``) are copied into those types. Anything else is an :class:`ErrspecError`
    whose one line names the place; a body nested deeper than :data:`MAX_DEPTH` raises
    :class:`BodyTooDeep`. A body of plain JSON types costs one pass and comes back as is.
    """
    if _plain(body):
        return body
    walk = _Walk(build=False)  # checks everything first: nothing is built for a bad body
    walk.run(body)
    return _Walk(build=True).run(body) if walk.copied else body


def _plain(body: Any) -> bool:
    """Whether ``body`` is made of exact JSON types, within the limits, with no object or
    array twice: one pass, level by level. Anything unusual is left to :class:`_Walk`."""
    kind = type(body)
    if kind is not dict and kind is not list:
        return _plain_scalar(body)
    seen = {id(body)}
    level: list[Any] = [body]
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return False
        below: list[Any] = []
        for node in level:
            if type(node) is dict:
                for key in node:
                    if type(key) is not str:
                        return False
                children: Iterable[Any] = node.values()
            else:
                children = node
            for value in children:
                kind = type(value)
                if kind in _SCALARS:
                    continue
                if kind is dict or kind is list:
                    if id(value) in seen:
                        return False  # shared, or inside itself
                    seen.add(id(value))
                    below.append(value)
                elif not _plain_scalar(value):
                    return False
        level = below
        depth += 1
    return True


def _plain_scalar(value: Any) -> bool:
    kind = type(value)
    if kind is int:
        return bool(value.bit_length() <= _INT_BITS)
    if kind is float:
        return math.isfinite(value)
    return kind in _SCALARS


#: One object or array being walked: its (key, value) pairs, its copy, whether it was
#: seen before (shared), its id, and whether it is an object.
_Frame = tuple[Iterator[tuple[Any, Any]], Any, bool, int, bool]


class _Walk:
    """The exact walk behind :func:`json_data`, depth first: the path (for messages), the
    containers on it (a cycle), those seen before (sharing), whether a copy is needed
    (``copied``) and, with ``build``, the copy."""

    def __init__(self, build: bool) -> None:
        self.build = build
        self.stack: list[_Frame] = []
        self.path: list[str | int] = []
        self.on_path: set[int] = set()
        self.seen: set[int] = set()
        self.repeated = 0
        self.copied = False

    def run(self, body: Any) -> Any:
        root = self.value(body, None, shared=False)
        while self.stack:
            items, copy, shared, _, is_object = self.stack[-1]
            step = next(items, None)
            if step is None:
                self.on_path.discard(self.stack.pop()[3])
                if self.stack:
                    self.path.pop()
                continue
            key, value = step
            if is_object and type(key) is not str:
                if not isinstance(key, str):
                    where = self.where() or "the top-level object"
                    raise self.error(
                        f"{where} has a key of type {type(key).__name__} (JSON object keys "
                        "are strings)"
                    )
                self.copied = True
            if shared:
                self.repeated += 1
                if self.repeated > MAX_REPEATED:
                    raise self.error(
                        "it shares objects and arrays so much that it would unfold into more "
                        f"than {MAX_REPEATED} values"
                    )
            child = self.value(value, str(key) if is_object else key, shared)
            if not self.build:
                continue
            if is_object:
                copy[str(key)] = child
            else:
                copy.append(child)
        return root if self.build else body

    def value(self, value: Any, key: str | int | None, shared: bool) -> Any:
        """The plain copy of ``value``; for an object or array, an empty one, filled as the
        walk goes through the frame this pushes."""
        kind = type(value)
        if kind in _SCALARS or (kind in (int, float) and _plain_scalar(value)):
            return value
        if isinstance(value, Mapping | list | tuple):
            return self.enter(value, key, shared)
        subject = f"{self.where(key)} is" if key is not None else "it is"
        if isinstance(value, int):  # an IntEnum (bool is an exact type: never here)
            digits = int_digits(value)
            if digits > MAX_INT_DIGITS:
                raise self.error(
                    f"{subject} an integer of {digits} digits (errspec reads integers of up "
                    f"to {MAX_INT_DIGITS} digits)"
                )
            self.copied = self.copied or kind is not int
            return int(value)
        if isinstance(value, float):
            if not math.isfinite(value):
                raise self.error(f"{subject} {float(value)!r}, not a finite number")
            self.copied = True
            return float(value)
        if isinstance(value, str):
            self.copied = True
            return str(value)
        hint = ""
        if key is None and isinstance(value, bytes | bytearray):
            hint = " (give parsed JSON as 'body', or the raw text as 'body_text')"
        raise self.error(f"{subject} {kind.__name__}{hint}")

    def enter(self, value: Any, key: str | int | None, shared: bool) -> Any:
        ident = id(value)
        if ident in self.on_path:
            raise self.error(f"it refers to itself at {self.where(key)}")
        if len(self.stack) >= MAX_DEPTH:
            raise BodyTooDeep
        if type(value) is not dict and type(value) is not list:
            self.copied = True
        is_object = isinstance(value, Mapping)
        items: Iterator[tuple[Any, Any]] = iter(value.items()) if is_object else enumerate(value)
        copy: Any = None
        if self.build:
            copy = {} if is_object else []
        self.stack.append((items, copy, shared or ident in self.seen, ident, is_object))
        self.seen.add(ident)
        self.on_path.add(ident)
        if key is not None:
            self.path.append(key)
        return copy

    def where(self, key: str | int | None = None) -> str:
        parts = self.path if key is None else [*self.path, key]
        return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)

    @staticmethod
    def error(problem: str) -> ErrspecError:
        return ErrspecError(printable(f"the body is not JSON data: {problem}"))


class _Object(dict[str, Any]):
    """A JSON object whose ``repr`` is short: jsonschema puts ``repr(instance)`` in the
    messages of ``anyOf``, ``oneOf`` and ``type`` errors, which costs the whole body's size
    and, past Python's recursion limit, raises ``RecursionError``."""

    def __repr__(self) -> str:
        return "{…}" if self else "{}"


class _Array(list[Any]):
    """A JSON array whose ``repr`` is short (see :class:`_Object`)."""

    def __repr__(self) -> str:
        return "[…]" if self else "[]"


def explainable(body: Any) -> Any:
    """A copy of ``body`` (JSON data) for jsonschema to explain: the same values, but
    objects and arrays whose ``repr`` is short (see :class:`_Object`). Made without
    recursion, so any depth :func:`~errspec._http.json_data` lets through is fine."""
    if not isinstance(body, dict | list):
        return body
    root: Any = _Object() if isinstance(body, dict) else _Array()
    todo: list[tuple[Any, Any]] = [(body, root)]
    while todo:
        node, copy = todo.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, dict | list):
                child: Any = _Object() if isinstance(value, dict) else _Array()
                todo.append((value, child))
                value = child
            if isinstance(copy, dict):
                copy[key] = value
            else:
                copy.append(value)
    return root
