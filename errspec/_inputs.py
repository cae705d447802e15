"""Reading responses: response records, NDJSON, raw HTTP (``curl -si``), HAR 1.2.

Everything here turns bytes into :class:`~errspec._http.Response` values, or raises
:class:`InputError` with one line naming the input and the problem. A response whose
*body* is broken (not JSON, invalid UTF-8, NaN, duplicate keys) is not an input error:
it becomes a response with ``body_problem`` set, which the checker reports as
``body-not-json``.
"""

from __future__ import annotations

import base64
import codecs
import gzip
import json
import re
import stat
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._exceptions import ErrspecError
from ._http import NO_BODY, HTTPResponse, Response, charset, headers_from

__all__ = [
    "DEFAULT_MAX_BODY",
    "InputError",
    "ReadOptions",
    "as_response",
    "check_path",
    "parse_http",
    "read_responses",
    "response_from_record",
]

#: Largest body errspec reads by default (10 MiB); ``--max-body`` changes it.
DEFAULT_MAX_BODY = 10 * 1024 * 1024
#: Largest HAR or JSON-array file errspec loads whole (NDJSON is streamed).
MAX_DOCUMENT_BYTES = 512 * 1024 * 1024
_HEADROOM = 1024 * 1024  # status line, headers and record framing around one body


class InputError(ErrspecError):
    """An input errspec cannot read as responses: one line, exit code 2."""


InputError.__module__ = "errspec"  # tracebacks name the public class


@dataclass(frozen=True)
class ReadOptions:
    max_body: int = DEFAULT_MAX_BODY
    all_responses: bool = False  # raw HTTP with several responses: check all, not the last
    errors_only: bool = False  # HAR/NDJSON: only status >= 400


class _JSONProblem(ValueError):
    pass


def _pairs_no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _JSONProblem(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise _JSONProblem(f"{name} is not valid JSON")


def strict_json(text: str) -> Any:
    """Parse JSON as RFC 8259 means it: no NaN/Infinity, no duplicate member names.

    Raises ``ValueError`` with a short reason.
    """
    try:
        return json.loads(
            text, object_pairs_hook=_pairs_no_duplicates, parse_constant=_no_constants
        )
    except _JSONProblem:
        raise
    except json.JSONDecodeError as exc:
        raise _JSONProblem(f"{exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise _JSONProblem("nested too deeply to parse") from None


def decode_body(
    data: bytes, content_type: str | None, encoding: str | None = None
) -> tuple[Any, str | None, str | None]:
    """Decode a raw body into ``(body, body_text, body_problem)``.

    Honours ``Content-Encoding`` gzip/deflate, the Content-Type charset and a BOM.
    """
    if encoding:
        data, problem = _decompress(data, encoding)
        if problem:
            return NO_BODY, None, problem
    if not data.strip():
        return NO_BODY, None, "the body is empty"
    declared = charset(content_type)
    codec = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    elif declared:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            text = data.decode("utf-8", errors="replace")
            return NO_BODY, text, f"unknown charset {declared!r}"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        shown = data.decode(codec, errors="replace")
        return NO_BODY, shown, f"not valid {codec.upper()} (byte {exc.start})"
    try:
        return strict_json(text), None, None
    except ValueError as exc:
        return NO_BODY, text, f"not JSON: {exc}"


def _decompress(data: bytes, encoding: str) -> tuple[bytes, str | None]:
    coding = encoding.strip().lower()
    if coding in ("", "identity"):
        return data, None
    try:
        if coding in ("gzip", "x-gzip"):
            return gzip.decompress(data), None
        if coding == "deflate":
            return zlib.decompress(data), None
    except (OSError, zlib.error, EOFError) as exc:
        return data, f"cannot decode Content-Encoding {coding}: {exc}"
    return data, f"Content-Encoding {coding} is not supported"


# --- response records -------------------------------------------------------------------


def response_from_record(data: Any, source: str) -> Response:
    """A response from a record ``{status, headers, body | body_text}`` (parsed JSON)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: a response record is a JSON object")
    status = data.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise InputError(f"{source}: a response record needs an integer 'status' (100-599)")
    try:
        headers = headers_from(data.get("headers"))
    except (TypeError, ValueError):
        raise InputError(f"{source}: 'headers' must be an object of strings") from None
    if "body" in data and "body_text" in data:
        raise InputError(f"{source}: a record has 'body' or 'body_text', not both")
    if "request" in data and not isinstance(data["request"], Mapping | None):
        raise InputError(f"{source}: 'request' must be an object with 'method' and 'url'")
    request: Mapping[str, Any] = data["request"] if isinstance(data.get("request"), Mapping) else {}
    method = data.get("method", request.get("method"))
    url = data.get("url", request.get("url"))
    _request_strings(method, url, source)
    common = {
        "status": status,
        "headers": headers,
        "source": source,
        "method": method,
        "url": url,
        "headers_known": "headers" in data,
    }
    if "body" in data:
        return Response(body=data["body"], **common)
    text = data.get("body_text")
    if text is None:
        return Response(body_problem="the body is empty", **common)
    if not isinstance(text, str):
        raise InputError(f"{source}: 'body_text' must be a string")
    response = Response(status=status, headers=headers, source=source)
    body, body_text, problem = decode_body(text.encode("utf-8"), response.header("content-type"))
    return Response(body=body, body_text=body_text or text, body_problem=problem, **common)


def _request_strings(method: Any, url: Any, source: str) -> None:
    """A recorded request's method and URL are strings (or absent)."""
    for name, value in (("method", method), ("url", url)):
        if value is not None and not isinstance(value, str):
            raise InputError(f"{source}: the request's {name!r} must be a string, not {value!r}")


# --- raw HTTP ----------------------------------------------------------------------------

_STATUS_LINE = re.compile(rb"HTTP/(\d(?:\.\d)?)[ \t]+(\d{3})(?:[ \t]+([^\r\n]*))?")
_HEADER_END = re.compile(rb"\r?\n\r?\n")


def parse_http(data: bytes, source: str, options: ReadOptions) -> list[Response]:
    """Responses in raw HTTP text, as ``curl -si`` prints them (several with ``-L``)."""
    data = data.lstrip(b"\r\n")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    responses: list[Response] = []
    pos = 0
    index = 0
    while True:
        match = _STATUS_LINE.match(data, pos)
        if match is None:
            line = data[pos : pos + 40].split(b"\n", 1)[0].decode("utf-8", "replace")
            where = "no HTTP status line" if not responses else "a broken HTTP status line"
            raise InputError(f"{source}: {where} (found {line!r})")
        end = _HEADER_END.search(data, match.end())
        head_end = end.start() if end else len(data)
        body_start = end.end() if end else len(data)
        try:
            head = data[match.end() : head_end].decode("iso-8859-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
            raise InputError(f"{source}: unreadable header section") from None
        headers = _parse_header_lines(head, source)
        status = int(match.group(2))
        lookup = Response(status=status, headers=headers)
        length = lookup.header("content-length")
        rest = data[body_start:]
        if length is not None and length.strip().isdigit() and int(length) <= len(rest):
            body_bytes = rest[: int(length)]
            next_pos = body_start + int(length)
        elif _STATUS_LINE.match(rest.lstrip(b"\r\n")) and (status < 200 or 300 <= status < 400):
            body_bytes = b""  # an interim or redirect response followed by the next one
            next_pos = body_start
        else:
            body_bytes = rest
            next_pos = len(data)
        if len(body_bytes) > options.max_body:
            raise InputError(
                f"{source}: body of {len(body_bytes)} bytes is over the limit of "
                f"{options.max_body} (--max-body)"
            )
        index += 1
        name = source if index == 1 else f"{source}#{index}"
        body, text, problem = decode_body(
            body_bytes, lookup.header("content-type"), lookup.header("content-encoding")
        )
        responses.append(Response(status, headers, body, text, problem, source=name))
        remaining = data[next_pos:].lstrip(b"\r\n")
        if not remaining.startswith(b"HTTP/"):
            break
        pos = len(data) - len(remaining)
    if len(responses) > 1:
        responses = [
            Response(
                r.status, r.headers, r.body, r.body_text, r.body_problem, source=f"{source}#{i}"
            )
            for i, r in enumerate(responses, 1)
        ]
    return responses if options.all_responses else responses[-1:]


def _parse_header_lines(head: str, source: str) -> tuple[tuple[str, str], ...]:
    headers: list[tuple[str, str]] = []
    for raw in head.splitlines():
        if not raw.strip():
            continue
        if raw[0] in " \t" and headers:  # obsolete line folding (RFC 9112 §5.2)
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {raw.strip()}")
            continue
        name, sep, value = raw.partition(":")
        if not sep or not name or name != name.strip():
            raise InputError(f"{source}: malformed header line {raw[:60]!r}")
        headers.append((name, value.strip()))
    return tuple(headers)


# --- HAR ---------------------------------------------------------------------------------


def responses_from_har(doc: Any, source: str, options: ReadOptions) -> Iterator[Response]:
    """Every entry's response in a HAR 1.2 document (``errors_only``: status >= 400)."""
    log = doc.get("log") if isinstance(doc, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        raise InputError(f"{source}: not a HAR file (no log.entries array)")
    for i, entry in enumerate(entries):
        where = f"{source}#entries/{i}"
        response = entry.get("response") if isinstance(entry, Mapping) else None
        request = entry.get("request") if isinstance(entry, Mapping) else None
        if not isinstance(response, Mapping) or not isinstance(response.get("status"), int):
            raise InputError(f"{where}: not a HAR entry (no response.status)")
        status = response["status"]
        if status == 0 or (options.errors_only and status < 400):
            continue  # status 0: the browser got no response (HAR 1.2 §response)
        if not 100 <= status <= 599:
            raise InputError(f"{where}: response.status {status} is not an HTTP status")
        raw_headers = response.get("headers", [])
        if not isinstance(raw_headers, list) or not all(
            isinstance(h, Mapping) and "name" in h and "value" in h for h in raw_headers
        ):
            raise InputError(f"{where}: response.headers must be a list of {{name, value}}")
        headers = tuple((str(h["name"]), str(h["value"])) for h in raw_headers)
        content = response.get("content") or {}
        text = content.get("text") if isinstance(content, Mapping) else None
        lookup = Response(status=status, headers=headers)
        mime = content.get("mimeType") if isinstance(content, Mapping) else None
        content_type = lookup.header("content-type") or (str(mime) if mime else None)
        method = request.get("method") if isinstance(request, Mapping) else None
        url = request.get("url") if isinstance(request, Mapping) else None
        _request_strings(method, url, f"{where}: request")
        body_text: str | None
        problem: str | None
        if text is None:
            body: Any = NO_BODY
            body_text, problem = None, "the body is empty (HAR content.text absent)"
        else:
            if content.get("encoding") == "base64":
                try:
                    raw = base64.b64decode(str(text), validate=True)
                except ValueError:
                    raise InputError(f"{where}: content.text is not valid base64") from None
            else:
                raw = str(text).encode("utf-8")
            if len(raw) > options.max_body:
                raise InputError(
                    f"{where}: body of {len(raw)} bytes is over the limit of {options.max_body}"
                    " (--max-body)"
                )
            # HAR bodies are already decoded (Content-Encoding undone) by the recorder.
            body, body_text, problem = decode_body(raw, content_type)
        yield Response(status, headers, body, body_text, problem, where, method, url)


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
        data = _read_capped(stdin, MAX_DOCUMENT_BYTES, "<stdin>")
        yield from _from_bytes(data, "<stdin>", options)
        return
    path = check_path(name)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or 'cannot read'}") from None
    with handle:
        head = handle.read(4096)
        if _looks_like_ndjson(head):
            yield from _ndjson(head, handle, name, options)
            return
        data = head + _read_capped(handle, MAX_DOCUMENT_BYTES - len(head), name)
    yield from _from_bytes(data, name, options)


def check_path(name: str) -> Path:
    """The path of a readable response file, or :class:`InputError` saying why not.

    Called for every input before any is read, so that a bad path fails before output
    starts (a JSON report is never left half-written for a missing file)."""
    path = Path(name)
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or 'cannot read'}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{name}: is a directory, not a response file")
    if not stat.S_ISREG(info.st_mode) and not stat.S_ISFIFO(info.st_mode):
        raise InputError(f"{name}: not a regular file")
    return path


def _read_capped(handle: IO[bytes], limit: int, name: str) -> bytes:
    data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{name}: larger than {MAX_DOCUMENT_BYTES} bytes")
    return data


def _looks_like_ndjson(head: bytes) -> bool:
    stripped = head.lstrip(codecs.BOM_UTF8).lstrip()
    if not stripped.startswith(b"{"):
        return False
    first, sep, rest = stripped.partition(b"\n")
    if not sep or not rest.strip():
        return False
    try:
        return isinstance(json.loads(first), dict) and rest.lstrip().startswith(b"{")
    except (ValueError, RecursionError):
        return False


def _ndjson(head: bytes, handle: IO[bytes], name: str, options: ReadOptions) -> Iterator[Response]:
    limit = options.max_body + _HEADROOM
    buffer = head.lstrip(codecs.BOM_UTF8)
    lineno = 0

    def lines() -> Iterator[bytes]:
        nonlocal buffer
        while True:
            newline = buffer.find(b"\n")
            if newline >= 0:
                line, buffer = buffer[:newline], buffer[newline + 1 :]
                yield line
                continue
            if len(buffer) > limit:
                raise InputError(f"{name}:{lineno + 1}: line longer than {limit} bytes")
            chunk = handle.read(1 << 16)
            if not chunk:
                if buffer:
                    yield buffer
                return
            buffer += chunk

    for line in lines():
        lineno += 1
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        if len(line) > limit:
            raise InputError(f"{where}: record larger than {limit} bytes (--max-body)")
        record = _load_json_document(line, where)
        response = response_from_record(record, where)
        if options.errors_only and response.status < 400:
            continue
        yield response


def _load_json_document(data: bytes, name: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not valid UTF-8 (byte {exc.start})") from None
    try:
        return strict_json(text)
    except ValueError as exc:
        raise InputError(f"{name}: invalid JSON: {exc}") from None


def _from_bytes(data: bytes, name: str, options: ReadOptions) -> Iterator[Response]:
    stripped = data.lstrip(codecs.BOM_UTF8).lstrip()
    if not stripped:
        raise InputError(f"{name}: empty input")
    if stripped.startswith(b"HTTP/"):
        yield from parse_http(stripped, name, options)
        return
    if stripped.startswith(b"{") and _looks_like_ndjson(stripped[:4096]):
        import io

        yield from _ndjson(b"", io.BytesIO(stripped), name, options)
        return
    if not stripped.startswith((b"{", b"[")):
        raise InputError(
            f"{name}: neither a response record, NDJSON, HAR nor HTTP text "
            "(expected '{', '[' or an HTTP status line)"
        )
    doc = _load_json_document(stripped, name)
    if isinstance(doc, list):
        for i, item in enumerate(doc):
            response = response_from_record(item, f"{name}#{i}")
            if not (options.errors_only and response.status < 400):
                yield response
        return
    if isinstance(doc, Mapping) and "log" in doc:
        yield from responses_from_har(doc, name, options)
        return
    if isinstance(doc, Mapping) and "status" in doc:
        body = doc.get("body", doc.get("body_text"))
        size = len(json.dumps(body)) if body is not None else 0
        if size > options.max_body:
            raise InputError(
                f"{name}: body of {size} bytes is over the limit of {options.max_body} (--max-body)"
            )
        yield response_from_record(doc, name)
        return
    raise InputError(f"{name}: neither a response record (no 'status') nor a HAR file (no 'log')")


# --- library responses ------------------------------------------------------------------


def as_response(response: Any, source: str | None = None) -> Response:
    """Adapt a response record (dict), a :class:`Response`, or any object with
    ``status_code``, ``headers`` and ``content`` (``requests``, ``httpx``, …); also the
    responses of Flask/werkzeug and Django test clients and read aiohttp responses
    (:mod:`errspec._adapters`)."""
    if isinstance(response, Response):
        return response
    if isinstance(response, Mapping):
        return response_from_record(response, source or "<record>")
    from ._adapters import library_response  # httpx, werkzeug, Django, aiohttp (imports none)

    adapted = library_response(response, source)
    if adapted is not None:
        return adapted
    if isinstance(response, HTTPResponse):
        headers = headers_from(response.headers)
        lookup = Response(status=int(response.status_code), headers=headers)
        # requests and httpx have already undone Content-Encoding in `.content`.
        body, text, problem = decode_body(response.content, lookup.header("content-type"))
        method, url = _request_line(response)
        name = source or (f"{method} {url}" if method and url else "<response>")
        return Response(lookup.status, headers, body, text, problem, name, method, url)
    raise TypeError(
        "errspec checks a response record (dict), an errspec Response, or an HTTP library "
        f"response with status_code/headers/content, not {type(response).__name__}"
    )


def _request_line(response: Any) -> tuple[str | None, str | None]:
    try:
        request = response.request
    except Exception:  # httpx raises RuntimeError when the response has no request
        return None, None
    method = getattr(request, "method", None)
    url = getattr(request, "url", None) or getattr(response, "url", None)
    return (str(method) if method else None), (str(url) if url else None)
