"""Reading responses: response records, NDJSON, raw HTTP (``curl -si``), HAR 1.2.

Everything here turns bytes into :class:`~errspec._http.Response` values, or raises
:class:`InputError` with one line naming the input and the problem. A response whose
*body* is broken (not JSON, invalid UTF-8, NaN, duplicate keys) is not an input error:
it becomes a response with ``body_problem`` set, which the checker reports as
``body-not-json``.

Hostile input is bounded, in time and in memory. A body may hold ``--max-body`` bytes
(``ReadOptions.max_body``), before and after its Content-Encoding is undone. NDJSON,
JSON arrays of records and HAR files are streamed: memory follows the largest record
(``max_body`` plus 1 MiB of headroom for status, headers and framing), not the file.
Raw HTTP text is read whole, up to 32 MiB (more with a larger ``max_body``), and parsed
in one linear pass.
"""

from __future__ import annotations

import base64
import codecs
import json
import re
import stat
import sys
import zlib
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from ._defaults import DEFAULT_MAX_BODY
from ._exceptions import InputError
from ._http import (
    NO_BODY,
    Response,
    charset,
    headers_from,
    parsed,
    plain_headers,
    record_response,
)

__all__ = [
    "DEFAULT_MAX_BODY",
    "InputError",
    "ReadOptions",
    "block_lines",
    "check_path",
    "ndjson_blocks",
    "ndjson_record",
    "ndjson_response",
    "parse_http",
    "read_responses",
    "record_response_of",
    "response_from_record",
]

#: Largest raw HTTP text errspec reads (it is read whole; every other format is streamed).
#: A larger ``max_body`` raises it to one body and its headroom.
MAX_HTTP_TEXT_BYTES = 32 * 1024 * 1024
#: Most responses in one raw HTTP text (framing one takes ~3 µs), and most checked with
#: ``all_responses`` (``--all``; checking one takes ~50 µs).
MAX_HTTP_RESPONSES = 500_000
MAX_HTTP_RESPONSES_CHECKED = 100_000
_HEADROOM = 1024 * 1024  # status line, headers and record framing around one body
#: Most header lines one response may have (raw HTTP, a record, a HAR entry). Servers
#: send a few dozen; Node.js stops at 2000 and nginx at a few kilobytes.
MAX_HEADERS = 1000
#: Most chunks in one chunked body (~1 µs each), and most content codings of one body
#: (each one is a pass over it: real servers use one).
MAX_CHUNKS = 1_000_000
MAX_CODINGS = 4
_CHUNK = 1 << 16  # bytes read (or inflated) at a time


@dataclass(frozen=True)
class ReadOptions:
    max_body: int = DEFAULT_MAX_BODY
    all_responses: bool = False  # raw HTTP with several responses: check all, not the last
    errors_only: bool = False  # HAR/NDJSON: only status >= 400


def _record_limit(options: ReadOptions) -> int:
    """Largest record (an NDJSON line, an array element, a whole record file)."""
    return options.max_body + _HEADROOM


def _entry_limit(options: ReadOptions) -> int:
    """Largest HAR entry: a body of ``max_body`` bytes may be base64 (4/3 as long).

    Peak memory follows the largest record or entry: ``json`` builds up to ~29 bytes of
    objects per byte of text for the worst shapes (``[{"a":{}}, …]``). With the default
    bounds (11 MiB records, 14.3 MiB entries) reading the worst record takes ~390 MiB at
    peak, the worst HAR entry ~460 MiB (measured: VmHWM of a reading process).
    """
    return options.max_body + options.max_body // 3 + _HEADROOM


def _clip(text: str, size: int = 40) -> str:
    """A short, printable rendering of ``text`` for a one-line message."""
    return repr(text if len(text) <= size else f"{text[:size]}…")


class _JSONProblem(ValueError):
    pass


def _pairs_no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JSONProblem(f"duplicate key {_clip(key)}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise _JSONProblem(f"{name} is not valid JSON")


def _number_problem(exc: ValueError) -> _JSONProblem:
    """``json`` raises a bare ValueError for an integer past ``sys.get_int_max_str_digits()``."""
    limit = sys.get_int_max_str_digits()
    if "digits" in str(exc) and limit:
        return _JSONProblem(f"an integer with more than {limit} digits")
    return _JSONProblem(str(exc)[:100])


#: The strict parser, made once: ``json.loads`` with hooks builds a decoder per call, a
#: third of the time an NDJSON line takes to parse.
_STRICT = json.JSONDecoder(object_pairs_hook=_pairs_no_duplicates, parse_constant=_no_constants)


def strict_json(text: str) -> Any:
    """Parse JSON as RFC 8259 means it: no NaN/Infinity, no duplicate member names.

    Raises ``ValueError`` with a short reason.
    """
    try:
        if text.startswith("\ufeff"):  # what json.loads says before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _STRICT.decode(text)
    except _JSONProblem:
        raise
    except json.JSONDecodeError as exc:
        raise _JSONProblem(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise _JSONProblem("nested too deeply to parse") from None
    except ValueError as exc:
        raise _number_problem(exc) from None


# --- bodies ------------------------------------------------------------------------------


def decode_body(
    data: bytes,
    content_type: str | None,
    encoding: str | None = None,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    source: str = "<response>",
) -> tuple[Any, str | None, str | None]:
    """Decode a raw body into ``(body, body_text, body_problem)``.

    Honours ``Content-Encoding`` (gzip, deflate, identity, several in a list), the
    Content-Type charset and a BOM. A body that inflates to more than ``max_body``
    bytes raises :class:`InputError` (``source`` names the input), as a raw body over
    the limit does; every other flaw is a ``body_problem``.
    """
    if encoding:
        data, problem = _decompress(data, encoding, max_body, source)
        if problem:
            return NO_BODY, None, problem
    if not data.strip():
        return NO_BODY, None, "the body is empty"
    text, problem = _text(data, content_type)
    if problem:
        return NO_BODY, text, problem
    try:
        return strict_json(text), None, None
    except ValueError as exc:
        return NO_BODY, text, f"not JSON: {exc}"


#: Codecs Python has that are no charset of a document: ``undefined`` always fails, and
#: ``idna``/``punycode`` take minutes on a hostile megabyte.
_NOT_CHARSETS = frozenset({"idna", "punycode", "undefined"})
_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(data: bytes, content_type: str | None) -> tuple[str, str | None]:
    """The body as text and, when it is not valid text, the problem."""
    declared = charset(content_type)
    codec = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif declared:
        try:
            info = codecs.lookup(declared)
        except (LookupError, ValueError):  # ValueError: NUL or a lone surrogate in the name
            return _shown(data, "utf-8"), f"unknown charset {_clip(declared)}"
        # rot13, base64, zlib … are codecs but bytes-to-bytes: bytes.decode refuses them.
        if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
            return _shown(data, "utf-8"), f"charset {_clip(declared)} is not a text encoding"
        codec = info.name
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        return _shown(data, codec), f"not valid {codec.upper()} (byte {exc.start})"
    except (UnicodeError, LookupError, ValueError):
        return _shown(data, "utf-8"), f"cannot decode charset {codec}"
    if codec != "utf-8":  # utf-7, unicode-escape … can make lone surrogates
        problem = _surrogate_problem(text)
        if problem:
            return _SURROGATE.sub("\ufffd", text), problem
    return text, None


def _shown(data: bytes, codec: str) -> str:
    """``data`` as text for the report, with U+FFFD for what does not decode."""
    try:
        text = data.decode(codec, errors="replace")
    except (UnicodeError, LookupError, ValueError):
        text = data.decode("utf-8", errors="replace")
    return _SURROGATE.sub("\ufffd", text)


def _surrogate_problem(text: str) -> str | None:
    match = _SURROGATE.search(text)
    if match is None:
        return None
    return f"not valid Unicode: a lone surrogate at character {match.start()}"


class _TooLarge(Exception):
    pass


def _decompress(data: bytes, encoding: str, max_body: int, source: str) -> tuple[bytes, str | None]:
    """Undo a Content-Encoding list; codings were applied in order, so undo them in
    reverse (RFC 9110 §8.4). The output is bounded by ``max_body``: a gzip bomb stops
    there, whatever it would inflate to."""
    codings = [part.strip(" \t").lower() for part in encoding.split(",")]
    codings = [coding for coding in codings if coding not in ("", "identity")]
    if len(codings) > MAX_CODINGS:
        return data, f"Content-Encoding lists more than {MAX_CODINGS} codings"
    for coding in reversed(codings):
        try:
            if coding in ("gzip", "x-gzip"):
                data = _inflate(data, 32 + zlib.MAX_WBITS, max_body, members=True)
            elif coding == "deflate":
                data = _inflate_deflate(data, max_body)
            else:
                return data, f"Content-Encoding {_coding_name(coding)} is not supported"
        except zlib.error as exc:
            return data, f"cannot decode Content-Encoding {coding}: {exc}"
        except _TooLarge:
            raise InputError(
                f"{source}: body inflates to more than {max_body} bytes (--max-body)"
            ) from None
    return data, None


def _inflate_deflate(data: bytes, limit: int) -> bytes:
    """``deflate`` is zlib-wrapped (RFC 9110 §8.4.1.2); some servers send it raw, and
    browsers accept both."""
    try:
        return _inflate(data, zlib.MAX_WBITS, limit, members=False)
    except zlib.error as wrapped:
        try:
            return _inflate(data, -zlib.MAX_WBITS, limit, members=False)
        except zlib.error:
            raise wrapped from None


def _coding_name(coding: str) -> str:
    return coding if len(coding) <= 40 and coding.isprintable() else _clip(coding)


_NULS = re.compile(rb"\x00*")
_INFLATE_STEP = 1 << 20  # most output of one decompress() call (a C ssize_t, whatever the limit)


def _inflate(data: bytes, wbits: int, limit: int, *, members: bool) -> bytes:
    """Inflate ``data`` a chunk at a time, never to more than ``limit`` bytes.

    ``members``: gzip allows several members one after the other (and zero padding).
    Input is fed in chunks so that leftover data is never copied per member.
    """
    if not data:
        return data  # an empty body is empty in any coding
    view = memoryview(data)
    out: list[bytes] = []
    size = pos = 0
    engine = zlib.decompressobj(wbits)
    while True:
        if engine.eof:
            pos -= len(engine.unused_data)
            if not members:
                break
            match = _NULS.match(data, pos)
            pos = match.end() if match else pos
            if pos >= len(data):
                break
            engine = zlib.decompressobj(wbits)
        tail = engine.unconsumed_tail
        fed = tail if tail else view[pos : pos + _CHUNK]
        piece = engine.decompress(fed, min(limit + 1 - size, _INFLATE_STEP))
        if not tail:
            pos += len(fed)
        left = len(engine.unconsumed_tail)
        if piece:
            size += len(piece)
            if size > limit:
                raise _TooLarge
            out.append(piece)
        elif not engine.eof and ((not left and pos >= len(data)) or left == len(fed)):
            raise zlib.error("the compressed data is truncated")  # (or no progress)
    return b"".join(out)


# --- response records -------------------------------------------------------------------


def response_from_record(data: Any, source: str) -> Response:
    """A response from a record ``{status, headers, body | body_text}`` (parsed JSON)."""
    if type(data) is not dict and not isinstance(data, Mapping):
        raise InputError(f"{source}: a response record is a JSON object")
    status = data.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise InputError(f"{source}: a response record needs an integer 'status' (100-599)")
    given = data.get("headers")
    lower = plain_headers(given)  # the common case: a dict of strings, built in one step
    if lower is None:
        try:
            headers = headers_from(given)
        except (TypeError, ValueError, RecursionError):  # str() of a deep list, of a huge int
            raise InputError(f"{source}: 'headers' must be an object of strings") from None
    else:
        headers = () if given is None else tuple(given.items())
    _count_headers(headers, source)
    if "body" in data and "body_text" in data:
        raise InputError(f"{source}: a record has 'body' or 'body_text', not both")
    given_request = data.get("request")
    if given_request is None:  # the common case: no request, or its method and URL given
        method, url = data.get("method"), data.get("url")
    else:
        if not isinstance(given_request, Mapping):
            raise InputError(f"{source}: 'request' must be an object with 'method' and 'url'")
        method = data.get("method", given_request.get("method"))
        url = data.get("url", given_request.get("url"))
    if not ((method is None or type(method) is str) and (url is None or type(url) is str)):
        _request_strings(method, url, source)
    known = "headers" in data
    if "body" in data and lower is not None:
        return record_response(status, headers, lower, data["body"], source, method, url, known)
    common: dict[str, Any] = {
        "status": status,
        "headers": headers,
        "source": source,
        "method": method,
        "url": url,
        "headers_known": known,
    }
    if "body" in data:
        return Response(body=data["body"], **common)
    text = data.get("body_text")
    if text is None:
        return Response(body_problem="the body is empty", **common)
    if not isinstance(text, str):
        raise InputError(f"{source}: 'body_text' must be a string")
    raw = _utf8(text)
    if raw is None:  # JSON can escape a lone surrogate ("\ud800"), which UTF-8 cannot carry
        shown = _SURROGATE.sub("\ufffd", text)
        return Response(body_text=shown, body_problem=_surrogate_problem(text), **common)
    # body_text is text already: the Content-Type charset said how its bytes were encoded
    body, body_text, problem = decode_body(raw, None, source=source)
    return Response(body=body, body_text=body_text or text, body_problem=problem, **common)


def _utf8(text: str) -> bytes | None:
    """``text`` in UTF-8, or None when it holds a lone surrogate."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    """Header ``name`` (lower case) joined as :meth:`Response.header` joins it."""
    values = [value for key, value in headers if key.lower() == name]
    return ", ".join(values) if values else None


def _count_headers(headers: tuple[tuple[str, str], ...], source: str) -> None:
    if len(headers) > MAX_HEADERS:
        raise InputError(f"{source}: more than {MAX_HEADERS} header lines")


def _request_strings(method: Any, url: Any, source: str) -> None:
    """A recorded request's method and URL are strings (or absent)."""
    for name, value in (("method", method), ("url", url)):
        if value is not None and not isinstance(value, str):
            raise InputError(
                f"{source}: the request's {name!r} must be a string, not {_short_repr(value)}"
            )


def _short_repr(value: Any) -> str:
    """``repr(value)``, cut short; never fails (repr of a 5000-digit int raises)."""
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return type(value).__name__
    return text if len(text) <= 60 else f"{text[:60]}…"


# --- raw HTTP ----------------------------------------------------------------------------

# The status code is exactly three digits (RFC 9112 §4): "HTTP/1.1 4040" is no status line.
_STATUS_LINE = re.compile(rb"HTTP/(\d(?:\.\d)?)[ \t]+(\d{3})(?![^ \t\r\n])(?:[ \t]+([^\r\n]*))?")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_BLANK = re.compile(rb"[ \t\r\n]*")
# Only CRLF or LF ends a header line (RFC 9112 §2.2); str.splitlines() would also break
# at \x0b, \x0c, \x1c-\x1e and \x85, which are field content (UTF-8 "Å" is C3 85).
_LINE_BREAK = re.compile(r"\r?\n")
_FIELD_NAME = re.compile("[^\x00-\x20\x7f]+")  # no space or control (RFC 9110 §5.1: a token)
_FIELD_JUNK = re.compile("[\x00\r\n]")  # RFC 9110 §5.5: replace NUL and CR with SP
_DIGITS = re.compile(r"[0-9]+")
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n")
_TRAILER_LINE = re.compile(rb"([^\r\n]*)\r?\n")


class _Frame(NamedTuple):
    """Where one response of a raw HTTP text is: its status, headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body_start: int
    body_end: int
    dechunked: bytes | None  # the body, when it came in chunked framing


def parse_http(data: bytes, source: str, options: ReadOptions) -> list[Response]:
    """Responses in raw HTTP text, as ``curl -si`` prints them (several with ``-L``).

    The last one only, unless ``options.all_responses``.
    """
    return list(_http_responses(data, source, options))


def _http_responses(data: bytes, source: str, options: ReadOptions) -> Iterator[Response]:
    """The responses of a raw HTTP text, framed in one pass over it (offsets, no copies).

    Only the responses asked for are decoded: the last one, unless ``all_responses``;
    then all are framed before the first is decoded, so that too many fail before any
    output (each is checked: 100,000 take seconds).
    """
    frames = _http_frames(data, source, options)
    if not options.all_responses:
        ((index, frame),) = deque(enumerate(frames, 1), maxlen=1)
        yield _http_response(data, frame, source if index == 1 else f"{source}#{index}", options)
        return
    every: list[_Frame] = []
    for frame in frames:
        every.append(frame)
        if len(every) > MAX_HTTP_RESPONSES_CHECKED:
            raise InputError(
                f"{source}: more than {MAX_HTTP_RESPONSES_CHECKED} responses to check (--all)"
            )
    for index, frame in enumerate(every, 1):
        name = source if len(every) == 1 else f"{source}#{index}"
        yield _http_response(data, frame, name, options)


def _http_frames(data: bytes, source: str, options: ReadOptions) -> Iterator[_Frame]:
    pos = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    pos = _end(_BLANK.match(data, pos), pos)
    for count in range(MAX_HTTP_RESPONSES):
        frame, end = _http_frame(data, pos, source, count == 0, options)
        yield frame
        pos = _end(_BLANK.match(data, end), end)
        if not data.startswith(b"HTTP/", pos):
            return
    raise InputError(f"{source}: more than {MAX_HTTP_RESPONSES} responses in one HTTP text")


def _end(match: re.Match[Any] | None, default: int) -> int:
    return match.end() if match else default


def _http_frame(
    data: bytes, pos: int, source: str, first: bool, options: ReadOptions
) -> tuple[_Frame, int]:
    """The response at ``pos``, and where the next one may start."""
    match = _STATUS_LINE.match(data, pos)
    if match is None:
        line = data[pos : pos + 40].split(b"\n", 1)[0].decode("utf-8", "replace")
        where = "no HTTP status line" if first else "a broken HTTP status line"
        raise InputError(f"{source}: {where} (found {line!r})")
    status = int(match.group(2))
    if not 100 <= status <= 599:
        code = match.group(2).decode()
        raise InputError(f"{source}: status {code} is not an HTTP status (100-599)")
    head_start = match.end()
    end = _HEADER_END.search(data, head_start, head_start + _HEADROOM + 4)
    head_end = end.start() if end else len(data)
    if head_end - head_start > _HEADROOM:
        raise InputError(f"{source}: header section larger than {_HEADROOM} bytes")
    body_start = end.end() if end else len(data)
    headers: tuple[tuple[str, str], ...] = ()
    if head_end > head_start:
        headers = _parse_header_lines(data[head_start:head_end].decode("iso-8859-1"), source)
    # RFC 9112 §6.3: Transfer-Encoding overrides Content-Length.
    coding = _header(headers, "transfer-encoding")
    length = None if coding else _content_length(_header(headers, "content-length"), source)
    if coding and coding.rsplit(",", 1)[-1].strip(" \t").lower() == "chunked":
        # Chunk framing as the server sent it (nc, curl --raw); `curl -si` prints the body
        # de-chunked but keeps the header: a body that is not chunk-framed is read as is.
        dechunked = _dechunk(data, body_start, source, options.max_body)
        if dechunked is not None:
            body, after = dechunked
            return _Frame(status, headers, body_start, after, body), after
    if length is not None and length <= len(data) - body_start:
        body_end = body_start + length
    elif (status < 200 or status in (204, 304) or 300 <= status < 400) and _STATUS_LINE.match(
        data, _end(_BLANK.match(data, body_start), body_start)
    ):
        body_end = body_start  # an interim, empty or redirect response, then the next one
    else:
        body_end = len(data)
    if body_end - body_start > options.max_body:
        raise InputError(
            f"{source}: body of {body_end - body_start} bytes is over the limit of "
            f"{options.max_body} (--max-body)"
        )
    return _Frame(status, headers, body_start, body_end, None), body_end


def _http_response(data: bytes, frame: _Frame, name: str, options: ReadOptions) -> Response:
    raw = frame.dechunked
    if raw is None:
        raw = data[frame.body_start : frame.body_end]
    body, text, problem = decode_body(
        raw,
        _header(frame.headers, "content-type"),
        _header(frame.headers, "content-encoding"),
        max_body=options.max_body,
        source=name,
    )
    return Response(frame.status, frame.headers, body, text, problem, source=name)


def _content_length(value: str | None, source: str) -> int | None:
    """Content-Length as a number of bytes, or None when absent.

    Only ASCII digits count (``"²".isdigit()`` is true, and ``int()`` reads Arabic-Indic
    digits), and a list of equal values is one value (RFC 9112 §6.3). Anything else is
    an unrecoverable error for a recipient (RFC 9112 §6.3, item 5): an InputError, not a
    guess at where the body ends. So is a length of 19 digits and more (nginx says the
    same): no input is that long.
    """
    if value is None:
        return None
    values = {part.strip(" \t") for part in value.split(",")}
    digits = values.pop() if len(values) == 1 else ""
    if not _DIGITS.fullmatch(digits):
        raise InputError(f"{source}: invalid Content-Length {_clip(value)}")
    digits = digits.lstrip("0") or "0"
    if len(digits) > 18:
        raise InputError(f"{source}: invalid Content-Length {_clip(value)}")
    return int(digits)


def _dechunk(data: bytes, pos: int, source: str, max_body: int) -> tuple[bytes, int] | None:
    """The body in chunked framing at ``pos`` and where it ends, or None when the bytes
    there are not chunk-framed (RFC 9112 §7.1)."""
    view = memoryview(data)
    body = bytearray()
    for _ in range(MAX_CHUNKS):
        match = _CHUNK_LINE.match(data, pos)
        if match is None:
            return None
        length = int(match.group(1), 16)
        pos = match.end()
        if length == 0:
            break
        if pos + length > len(data):
            return None
        if len(body) + length > max_body:
            raise InputError(
                f"{source}: body of more than {max_body} bytes is over the limit of "
                f"{max_body} (--max-body)"
            )
        body += view[pos : pos + length]
        pos += length
        if data.startswith(b"\r\n", pos):
            pos += 2
        elif data.startswith(b"\n", pos):
            pos += 1
        else:
            return None
    else:
        raise InputError(f"{source}: more than {MAX_CHUNKS} chunks in one body")
    while pos < len(data):  # trailer fields, then the empty line
        match = _TRAILER_LINE.match(data, pos)
        if match is None or (match.group(1) and b":" not in match.group(1)):
            return None
        pos = match.end()
        if not match.group(1):
            break
    return bytes(body), pos


def _parse_header_lines(head: str, source: str) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, list[str]]] = []
    for raw in _LINE_BREAK.split(head):
        if not raw.strip(" \t"):
            continue
        if raw[0] in " \t" and headers:  # obsolete line folding (RFC 9112 §5.2)
            headers[-1][1].append(_field_value(raw))
            continue
        name, sep, value = raw.partition(":")
        if not sep or not _FIELD_NAME.fullmatch(name):
            raise InputError(f"{source}: malformed header line {raw[:60]!r}")
        headers.append((name, [_field_value(value)]))
        if len(headers) > MAX_HEADERS:
            raise InputError(f"{source}: more than {MAX_HEADERS} header lines")
    return tuple((name, " ".join(parts)) for name, parts in headers)


def _field_value(value: str) -> str:
    return _FIELD_JUNK.sub(" ", value.strip(" \t"))


# --- HAR ---------------------------------------------------------------------------------


def responses_from_har(doc: Any, source: str, options: ReadOptions) -> Iterator[Response]:
    """Every entry's response in a HAR 1.2 document (``errors_only``: status >= 400)."""
    log = doc.get("log") if isinstance(doc, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        raise InputError(f"{source}: not a HAR file (no log.entries array)")
    for i, entry in enumerate(entries):
        response = _har_response(entry, f"{source}#entries/{i}", options)
        if response is not None:
            yield response


def _har_response(entry: Any, where: str, options: ReadOptions) -> Response | None:
    """The response of one HAR entry; None when it is skipped (status 0, errors_only)."""
    response = entry.get("response") if isinstance(entry, Mapping) else None
    request = entry.get("request") if isinstance(entry, Mapping) else None
    if not isinstance(response, Mapping) or not isinstance(response.get("status"), int):
        raise InputError(f"{where}: not a HAR entry (no response.status)")
    status = response["status"]
    if status == 0 or (options.errors_only and status < 400):
        return None  # status 0: the browser got no response (HAR 1.2 §response)
    if isinstance(status, bool) or not 100 <= status <= 599:
        shown = _short_repr(status)
        raise InputError(f"{where}: response.status {shown} is not an HTTP status")
    raw_headers = response.get("headers", [])
    if not isinstance(raw_headers, list) or not all(
        isinstance(h, Mapping) and "name" in h and "value" in h for h in raw_headers
    ):
        raise InputError(f"{where}: response.headers must be a list of {{name, value}}")
    if len(raw_headers) > MAX_HEADERS:
        raise InputError(f"{where}: more than {MAX_HEADERS} header lines")
    try:
        headers = tuple((str(h["name"]), str(h["value"])) for h in raw_headers)
    except (ValueError, RecursionError):  # str() of a huge integer, of a deep list
        raise InputError(f"{where}: response.headers must be a list of {{name, value}}") from None
    content = response.get("content") or {}
    text = content.get("text") if isinstance(content, Mapping) else None
    mime = content.get("mimeType") if isinstance(content, Mapping) else None
    content_type = _header(headers, "content-type") or (mime if isinstance(mime, str) else None)
    method = request.get("method") if isinstance(request, Mapping) else None
    url = request.get("url") if isinstance(request, Mapping) else None
    _request_strings(method, url, f"{where}: request")
    if text is None:
        empty = "the body is empty (HAR content.text absent)"
        return Response(status, headers, NO_BODY, None, empty, where, method, url)
    if not isinstance(text, str):
        raise InputError(f"{where}: content.text must be a string")
    raw: bytes | None
    if content.get("encoding") == "base64":
        try:
            raw = base64.b64decode(text, validate=True)
        except ValueError:
            raise InputError(f"{where}: content.text is not valid base64") from None
    else:
        content_type = None  # text already: the charset said how its bytes were encoded
        raw = _utf8(text)
        if raw is None:  # a lone surrogate, escaped in the HAR's JSON
            shown = _SURROGATE.sub("\ufffd", text)
            why = _surrogate_problem(text)
            return Response(status, headers, NO_BODY, shown, why, where, method, url)
    if len(raw) > options.max_body:
        raise InputError(
            f"{where}: body of {len(raw)} bytes is over the limit of {options.max_body}"
            " (--max-body)"
        )
    # HAR bodies are already decoded (Content-Encoding undone) by the recorder.
    body, body_text, problem = decode_body(
        raw, content_type, max_body=options.max_body, source=where
    )
    return Response(status, headers, body, body_text, problem, where, method, url)


# --- streamed JSON -----------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DIGIT_CHARS = frozenset("0123456789")


class _JSONStream:
    """One JSON document read from a binary stream, a value at a time.

    The outer levels (a top-level array or object, HAR's ``log`` and ``log.entries``)
    are walked token by token; each value inside them is parsed whole with the strict
    parser, and may be at most ``limit`` characters long. Memory is bounded by the
    largest such value, not by the document. Messages give the line and column in the
    whole document, as parsing it whole would.
    """

    def __init__(
        self,
        handle: IO[bytes],
        head: bytes,
        name: str,
        limit: int,
        *,
        offset: int = 0,
        line: int = 1,
    ) -> None:
        self._handle = handle
        self._name = name
        self._limit = limit  # for member names
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._fed = offset  # bytes of the input given to the UTF-8 decoder
        self._text = ""  # decoded, not yet dropped; self._pos is the reading position
        self._pos = 0
        self._dropped = 0  # characters before self._text
        self._line = line  # line and column of self._text[0]
        self._column = 1
        self._eof = False
        self._decoder = json.JSONDecoder(
            object_pairs_hook=_pairs_no_duplicates, parse_constant=_no_constants
        )
        self._feed(head)

    @property
    def offset(self) -> int:
        """Characters read so far."""
        return self._dropped + self._pos

    def _feed(self, data: bytes, final: bool = False) -> None:
        pending = len(self._utf8.getstate()[0])
        try:
            text = self._utf8.decode(data, final)
        except UnicodeDecodeError as exc:
            byte = self._fed - pending + exc.start
            raise InputError(f"{self._name}: not valid UTF-8 (byte {byte})") from None
        self._fed += len(data)
        self._text += text

    def _more(self, size: int = _CHUNK) -> bool:
        """Read ``size`` more bytes (at least a chunk); False at the end of the input."""
        if self._eof:
            return False
        self._drop()
        data = _read(self._handle, max(_CHUNK, size), self._name)
        if not data:
            self._eof = True
            self._feed(b"", final=True)
            return False
        self._feed(data)
        return True

    def _drop(self) -> None:
        """Forget the text before the reading position (keeping count of lines)."""
        pos = self._pos
        if not pos:
            return
        newlines = self._text.count("\n", 0, pos)
        if newlines:
            self._line += newlines
            self._column = pos - self._text.rfind("\n", 0, pos)
        else:
            self._column += pos
        self._text = self._text[pos:]
        self._dropped += pos
        self._pos = 0

    def peek(self) -> str:
        """The next character after whitespace ('' at the end of the input)."""
        while True:
            self._pos = _end(_WHITESPACE.match(self._text, self._pos), self._pos)
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._more():
                return ""

    def _take(self, char: str, expecting: str) -> None:
        if self.peek() != char:
            raise self._error(f"Expecting {expecting}", self._pos)
        self._pos += 1

    def _error(self, message: str, pos: int) -> InputError:
        newlines = self._text.count("\n", 0, pos)
        line = self._line + newlines
        column = pos - self._text.rfind("\n", 0, pos) if newlines else self._column + pos
        return InputError(f"{self._name}: invalid JSON: {message} (line {line}, column {column})")

    def value(self, limit: int, where: str, what: str = "record") -> Any:
        """The next value, parsed whole; longer than ``limit``: :class:`InputError`."""
        if self.peek() == "":
            raise self._error("Expecting value", self._pos)
        while True:
            start = self._pos
            try:
                value, end = self._decoder.raw_decode(self._text, start)
            except json.JSONDecodeError as exc:
                cut = len(self._text) - exc.pos < 16 or exc.msg.startswith("Unterminated")
                if self._eof or not cut:
                    raise self._error(exc.msg, exc.pos) from None
                if len(self._text) - start > limit:
                    raise InputError(
                        f"{where}: {what} larger than {limit} bytes (--max-body)"
                    ) from None
                # Read eight times as much as the value so far, up to the limit: a long
                # value is parsed in all about 1.2 (at most 1.5) times its length.
                partial = len(self._text) - start
                self._more(min(8 * partial, limit + 1) - partial)
                continue
            except _JSONProblem as exc:
                raise InputError(f"{self._name}: invalid JSON: {exc}") from None
            except RecursionError:
                raise InputError(
                    f"{self._name}: invalid JSON: nested too deeply to parse"
                ) from None
            except ValueError as exc:
                raise InputError(f"{self._name}: invalid JSON: {_number_problem(exc)}") from None
            if end - start > limit:
                raise InputError(f"{where}: {what} larger than {limit} bytes (--max-body)")
            if end == len(self._text) and self._text[end - 1] in _DIGIT_CHARS and self._more():
                continue  # a number may go on in the next chunk
            self._pos = end
            return value

    def items(self) -> Iterator[None]:
        """Walk an array: yields once per element, which the caller reads with value()."""
        self._take("[", "'['")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield None
            char = self.peek()
            self._pos += 1
            if char == "]":
                return
            if char != ",":
                self._pos -= 1
                raise self._error("Expecting ',' delimiter", self._pos)

    def members(self, seen: set[str] | None = None) -> Iterator[str]:
        """Walk an object: yields each key, whose value the caller reads. Keys in ``seen``
        (or all keys, with ``seen`` None) are checked for duplicates."""
        keys: set[str] = set()
        self._take("{", "'{'")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self._error("Expecting property name enclosed in double quotes", self._pos)
            key = self.value(self._limit, self._name, "member name")
            if seen is None or key in seen:
                if key in keys:
                    raise InputError(f"{self._name}: invalid JSON: duplicate key {_clip(key)}")
                keys.add(key)
            self._take(":", "':' delimiter")
            yield key
            char = self.peek()
            self._pos += 1
            if char == "}":
                return
            if char != ",":
                self._pos -= 1
                raise self._error("Expecting ',' delimiter", self._pos)
            if self.peek() != '"':
                raise self._error("Expecting property name enclosed in double quotes", self._pos)

    def end(self) -> None:
        """Nothing but whitespace may follow the document."""
        if self.peek():
            raise self._error("Extra data", self._pos)


def _streamed_json(stream: _JSONStream, name: str, options: ReadOptions) -> Iterator[Response]:
    """Responses from a JSON array of records, a record, or a HAR file, streamed."""
    limit = _record_limit(options)
    if stream.peek() == "[":
        for i, _ in enumerate(stream.items()):
            where = f"{name}#{i}"
            response = response_from_record(stream.value(limit, where), where)
            if not (options.errors_only and response.status < 400):
                yield response
        stream.end()
        return
    record: dict[str, Any] = {}
    start = stream.offset
    streamed = body_size = 0  # the size of a HAR's log (streamed), of the record's body
    har = False
    for key in stream.members():
        before = stream.offset
        if key == "log" and stream.peek() == "{":
            yield from _streamed_har(stream, name, options)
            streamed += stream.offset - before
            har = True
            continue
        stream.peek()
        before = stream.offset
        record[key] = stream.value(limit, name)
        if stream.offset - start - streamed > limit:
            raise InputError(f"{name}: record larger than {limit} bytes (--max-body)")
        if key in ("body", "body_text"):
            body_size = stream.offset - before
    stream.end()
    if har:
        return
    if "log" in record:
        yield from responses_from_har(record, name, options)  # not an object: says so
        return
    if "status" in record:
        if body_size > options.max_body:
            raise InputError(
                f"{name}: body of {body_size} bytes is over the limit of {options.max_body}"
                " (--max-body)"
            )
        yield response_from_record(record, name)
        return
    raise InputError(f"{name}: neither a response record (no 'status') nor a HAR file (no 'log')")


def _streamed_har(stream: _JSONStream, name: str, options: ReadOptions) -> Iterator[Response]:
    """The entries of a HAR's ``log`` object, one at a time; its other members (version,
    creator, pages …) are read and dropped."""
    entries = False
    for key in stream.members(seen={"entries"}):
        if key == "entries" and stream.peek() == "[":
            entries = True
            for i, _ in enumerate(stream.items()):
                where = f"{name}#entries/{i}"
                entry = stream.value(_entry_limit(options), where, "HAR entry")
                response = _har_response(entry, where, options)
                if response is not None:
                    yield response
        else:
            stream.value(_record_limit(options), name, "log member")
    if not entries:
        raise InputError(f"{name}: not a HAR file (no log.entries array)")


# --- files and streams -------------------------------------------------------------------


def read_responses(
    name: str | Path, options: ReadOptions | None = None, stdin: IO[bytes] | None = None
) -> Iterator[Response]:
    """Responses from a file (or ``-`` for ``stdin``), whatever its format.

    Formats: a response record, a JSON array of records, NDJSON records, a HAR file, or
    raw HTTP. Raises :class:`InputError` for anything else. Records and HAR entries keep
    their request's method and URL (``Response.method``/``.url``), which spec-aware
    checking matches to operations.
    """
    options = options or ReadOptions()
    name = str(name)
    if name == "-":
        if stdin is None:
            raise InputError("-: no standard input")
        for response in _read_stream(stdin, "<stdin>", options):
            yield parsed(response)
            del response  # not kept while the next one is read
        return
    path = check_path(name)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or 'cannot read'}") from None
    with handle:
        for response in _read_stream(handle, name, options):
            yield parsed(response)
            del response  # not kept while the next one is read


def check_path(name: str) -> Path:
    """The path of a readable response file, or :class:`InputError` saying why not.

    Called for every input before any is read, so that a bad path fails before output
    starts (a JSON report is never left half-written for a missing file)."""
    path = Path(name)
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or 'cannot read'}") from None
    except ValueError:  # a NUL in the path
        raise InputError(f"{name!r}: not a valid path") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory, not a response file")
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISFIFO(info.st_mode):
        raise InputError(f"{name}: not a regular file")
    return path


def _read(handle: IO[bytes], size: int, name: str) -> bytes:
    try:
        return handle.read(size)
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or 'cannot read'}") from None
    except ValueError as exc:  # a closed file
        raise InputError(f"{name}: {exc}") from None


class _Sniffed(NamedTuple):
    """What the first bytes of an input say: its format, and where reading goes on."""

    kind: str  # "http", "ndjson" or "json"
    data: bytes  # what was read so far (after a BOM)
    start: int  # the first non-blank byte in `data`
    offset: int  # bytes before `data`
    lines: int  # newlines before `data`


def _sniff(handle: IO[bytes], name: str, options: ReadOptions) -> _Sniffed:
    """Read the first bytes (and, for a JSON object, its first line) to tell the format."""
    data = _read(handle, _CHUNK, name)
    while 0 < len(data) < len(codecs.BOM_UTF8):  # a pipe or socket may return less
        more = _read(handle, _CHUNK, name)
        if not more:
            break
        data += more
    offset = 0  # bytes before `data`
    lines = 0  # newlines before `data`
    if data.startswith(codecs.BOM_UTF8):
        data, offset = data[len(codecs.BOM_UTF8) :], len(codecs.BOM_UTF8)
    while True:  # skip whitespace (keeping count of lines, for NDJSON)
        start = _end(_BLANK.match(data), 0)
        if start < len(data):
            break
        lines += data.count(b"\n")
        offset += len(data)
        data = _read(handle, _CHUNK, name)
        if not data:
            raise InputError(f"{name}: empty input")
    while len(data) - start < 5:
        more = _read(handle, _CHUNK, name)
        if not more:
            break
        data += more
    first = data[start : start + 1]
    if data.startswith(b"HTTP/", start):
        return _Sniffed("http", data, start, offset, lines)
    if first not in (b"{", b"["):
        raise InputError(
            f"{name}: neither a response record, NDJSON, HAR nor HTTP text "
            "(expected '{', '[' or an HTTP status line)"
        )
    if first == b"{" and not _HAR_START.match(data, start):
        data = _first_line(handle, data, start, _record_limit(options), name)
        if _looks_like_ndjson(data, start):
            return _Sniffed("ndjson", data, start, offset, lines)
    return _Sniffed("json", data, start, offset, lines)


def _read_stream(handle: IO[bytes], name: str, options: ReadOptions) -> Iterator[Response]:
    """Sniff the format from the first bytes, then stream it (or, raw HTTP, read it whole)."""
    sniffed = _sniff(handle, name, options)
    data, start = sniffed.data, sniffed.start
    if sniffed.kind == "http":
        cap = max(MAX_HTTP_TEXT_BYTES, _record_limit(options))
        text = _read_whole(handle, data[start:], cap, name)
        yield from _http_responses(text, name, options)
    elif sniffed.kind == "ndjson":
        yield from _ndjson(data, handle, name, options, sniffed.lines)
    else:
        limit = _record_limit(options)
        stream = _JSONStream(
            handle, data, name, limit, offset=sniffed.offset, line=sniffed.lines + 1
        )
        yield from _streamed_json(stream, name, options)


def ndjson_blocks(
    handle: IO[bytes], name: str, options: ReadOptions
) -> Iterator[tuple[int, bytes]] | None:
    """An NDJSON input in blocks of whole lines, ``(lines before the block, block)``, or
    ``None`` when the input is another format (the first bytes read are then lost:
    reopen it). For ``errspec check --jobs``: the main process only cuts the input, and
    other processes read each block's records (:func:`block_lines`,
    :func:`ndjson_response`), with the line numbers, and the errors at the place, that
    reading it in one process gives."""
    sniffed = _sniff(handle, name, options)
    if sniffed.kind != "ndjson":
        return None
    return _blocks(sniffed.data, handle, name, _record_limit(options), sniffed.lines)


#: A HAR file starts so (its root holds only "log"): no NDJSON, no need to read a first
#: line, which in a minified HAR is the whole file.
_HAR_START = re.compile(rb'\{[ \t\r\n]*"log"[ \t\r\n]*:')


def _read_whole(handle: IO[bytes], head: bytes, cap: int, name: str) -> bytes:
    """``head`` and the rest of the input, at most ``cap`` bytes in all."""
    parts = [head]
    size = len(head)
    while size <= cap:
        data = _read(handle, max(_CHUNK, min(size, cap + 1 - size)), name)
        if not data:
            return b"".join(parts)
        parts.append(data)
        size += len(data)
    raise InputError(f"{name}: HTTP text larger than {cap} bytes (raw HTTP is read whole)")


def _first_line(handle: IO[bytes], data: bytes, start: int, limit: int, name: str) -> bytes:
    """``data`` with more read until it holds the first line after ``start`` and the
    first non-blank byte after it (or ``limit`` bytes, or the end of the input)."""
    buffer = bytearray(data)
    while len(buffer) - start <= limit:
        newline = buffer.find(b"\n", start)
        if newline >= 0 and _end(_BLANK.match(buffer, newline), newline) < len(buffer):
            break
        more = _read(handle, min(max(_CHUNK, len(buffer)), limit + 1 + start - len(buffer)), name)
        if not more:
            break
        buffer += more
    return bytes(buffer)


def _looks_like_ndjson(data: bytes, start: int) -> bool:
    """A JSON object alone on the first line, and another object after it."""
    newline = data.find(b"\n", start)
    if newline < 0:
        return False
    after = _end(_BLANK.match(data, newline), newline)
    if data[after : after + 1] != b"{":
        return False
    try:
        return isinstance(strict_json(data[start:newline].decode("utf-8")), dict)
    except ValueError:  # UnicodeDecodeError too
        return False


def _ndjson(
    head: bytes, handle: IO[bytes], name: str, options: ReadOptions, skipped: int = 0
) -> Iterator[Response]:
    """NDJSON records, one line at a time; ``skipped``: lines before ``head``."""
    limit = _record_limit(options)
    for lineno, line in _lines(head, handle, name, limit, skipped):
        if not line.strip():
            continue
        response = ndjson_response(lineno, line, name, options)
        del line  # one record in memory at a time: nothing of it is kept while the next parses
        if response is not None:
            yield response
        del response


def ndjson_response(lineno: int, line: bytes, name: str, options: ReadOptions) -> Response | None:
    """The response of one NDJSON line (``None`` when ``--errors-only`` skips it)."""
    return record_response_of(*ndjson_record(lineno, line, name, options), options)


def record_response_of(where: str, data: Any, options: ReadOptions) -> Response | None:
    """The response of a parsed record from ``where`` (``None`` when ``--errors-only``
    skips it)."""
    response = response_from_record(data, where)
    if options.errors_only and response.status < 400:
        return None
    return response


def ndjson_record(lineno: int, line: bytes, name: str, options: ReadOptions) -> tuple[str, Any]:
    """One NDJSON line's source (``name:LINE``) and its JSON data, parsed strictly; what
    the data says is read by :func:`response_from_record` (or by ``check_response``,
    which reads a record as it does)."""
    where = f"{name}:{lineno}"
    limit = _record_limit(options)
    if len(line) > limit:
        raise InputError(f"{where}: record larger than {limit} bytes (--max-body)")
    return where, _load_json_document(line, where)


_BLANK_LINES = re.compile(rb"(?:[ \t\r]*\n)+")


def _lines(
    head: bytes, handle: IO[bytes], name: str, limit: int, lineno: int
) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` for each line but blank ones (:func:`_blocks` cut into
    lines by :func:`block_lines`)."""
    for before, block in _blocks(head, handle, name, limit, lineno):
        yield from block_lines(block, before)


def _blocks(
    head: bytes, handle: IO[bytes], name: str, limit: int, lineno: int
) -> Iterator[tuple[int, bytes]]:
    """The input in blocks of whole lines, a chunk read at a time: ``(lines before it,
    block)``, each block ending with a newline but the last. A line longer than ``limit``
    bytes is an :class:`InputError` when it is found, after the blocks before it (linear:
    a partial line is carried to the next read, never scanned twice)."""
    buffer = bytearray(head)
    scanned = 0  # no newline in buffer[:scanned] after its last whole line
    while True:
        newline = buffer.rfind(b"\n", scanned)
        if newline >= 0:
            block = bytes(buffer[: newline + 1])
            del buffer[: newline + 1]
            yield lineno, block
            lineno += block.count(b"\n")
        scanned = len(buffer)
        if len(buffer) > limit:
            raise InputError(f"{name}:{lineno + 1}: line longer than {limit} bytes (--max-body)")
        chunk = _read(handle, _CHUNK, name)
        if not chunk:
            if buffer:
                yield lineno, bytes(buffer)
            return
        buffer += chunk


def block_lines(block: bytes, lineno: int) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` for each line of ``block`` (from :func:`_blocks`, the
    first line being number ``lineno + 1``) but blank ones (runs of them skipped in one
    step)."""
    pos, end = 0, len(block)
    while pos < end:
        blank = _BLANK_LINES.match(block, pos)
        if blank:
            lineno += block.count(b"\n", pos, blank.end())
            pos = blank.end()
            if pos >= end:
                return
        newline = block.find(b"\n", pos)
        lineno += 1
        if newline < 0:
            yield lineno, block[pos:]
            return
        yield lineno, block[pos:newline]
        pos = newline + 1


def _load_json_document(data: bytes, name: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not valid UTF-8 (byte {exc.start})") from None
    try:
        return strict_json(text)
    except ValueError as exc:
        raise InputError(f"{name}: invalid JSON: {exc}") from None
