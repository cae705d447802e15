"""Responses of web frameworks' test clients and of async HTTP clients, as errspec responses.

:func:`errspec._inputs.as_response` hands every object it does not know itself to
:func:`library_response`; :func:`as_response_async` first awaits what only an async call
can read (an aiohttp body, an un-read httpx stream, a Django async stream), then takes
the same path.

No library is imported, here or anywhere in errspec: a response is recognised by the
top-level package of a class in its type's MRO (so subclasses count: Flask's test
responses are ``werkzeug.test.TestResponse`` subclasses, DRF's are Django's) and read
through the attributes the library documents. Every body goes through
:func:`~errspec._inputs.decode_body` (Content-Type charset, not-JSON problems).

=========  =================================  ==========================================
library    status / headers / body            request line (``Response.source``)
=========  =================================  ==========================================
httpx      status_code, multi_items, content  response.request.method / .url
           (Starlette and FastAPI TestClient responses are httpx responses)
werkzeug   status_code, Headers, get_data()   response.request.method / .url
           (Flask's test client; a bare WSGI app under ``werkzeug.test.Client``)
django     status_code, headers + cookies,    wsgi_request / asgi_request
           content or streaming_content       (build_absolute_uri), or the
                                              ``response.request`` dict
aiohttp    status, multidict, the read body   response.method / .url
=========  =================================  ==========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ._exceptions import ErrspecError
from ._http import NO_BODY, HTTPResponse, Response, headers_from
from ._inputs import decode_body, response_from_record
from ._jsondata import TOO_DEEP, BodyTooDeep, json_data, number_text

__all__ = ["as_response", "as_response_async", "checked", "library_response"]

# httpx2 is the httpx fork Starlette 1.x's TestClient prefers when installed: same API.
_LIBRARIES = ("httpx", "httpx2", "aiohttp", "werkzeug", "django")


def _library(obj: Any) -> str | None:
    """Which supported library ``obj``'s class (or a base class) comes from, if any."""
    for cls in type(obj).__mro__:
        top = str(getattr(cls, "__module__", "") or "").partition(".")[0]
        if top in _LIBRARIES:
            return top
    return None


def library_response(response: Any, source: str | None = None) -> Response | None:
    """The :class:`Response` for an httpx, werkzeug/Flask, Django or aiohttp response, or
    ``None`` when ``response`` comes from none of them.

    Raises ``TypeError`` for a body that cannot be read without awaiting (an aiohttp
    response not yet read, an un-read httpx stream, a Django async stream): the message
    says what to call first, or to use :func:`as_response_async`.
    """
    library = _library(response)
    if library in ("httpx", "httpx2"):
        return _from_httpx(response, source)
    if library == "werkzeug":
        return _from_werkzeug(response, source)
    if library == "django":
        return _from_django(response, source)
    if library == "aiohttp":
        return _from_aiohttp(response, source)
    return None


async def as_response_async(response: Any, source: str | None = None) -> Response:
    """Like :func:`errspec.as_response`, for responses whose body must be awaited.

    Awaits the body of an aiohttp ``ClientResponse`` (``await response.read()``, which
    aiohttp caches), of an un-read httpx streamed response (``aread()``) and of a Django
    ``StreamingHttpResponse`` over an async iterator; then converts as the sync path does.
    Anything else (a record, a read response of any library) is converted as it is.
    """
    library = _library(response)
    if library == "aiohttp":
        if _aiohttp_cached_body(response) is None:
            await response.read()
    elif library in ("httpx", "httpx2"):
        if _httpx_unread(response) and not (response.is_closed or response.is_stream_consumed):
            if hasattr(response.stream, "__aiter__"):
                await response.aread()
            else:  # a sync client's stream: reading it is what the caller asked for
                response.read()
    elif library == "django" and getattr(response, "streaming", False) and response.is_async:
        chunks = [chunk async for chunk in response.streaming_content]
        response.streaming_content = chunks  # re-readable: by errspec, then by the caller
    return as_response(response, source)


# --- one response from its parts ---------------------------------------------------------


def _build(
    status: int,
    headers: tuple[tuple[str, str], ...],
    data: bytes,
    source: str | None,
    method: str | None,
    url: str | None,
    *,
    encoded: bool | None,
) -> Response:
    """``encoded``: whether ``data`` is still under its Content-Encoding (True: a test
    client's raw bytes; False: the client decoded it; None: cannot tell, try both)."""
    lookup = Response(status=status, headers=headers)
    content_type = lookup.header("content-type")
    coding = lookup.header("content-encoding")
    name = source or (f"{method} {url}" if method and url else "<response>")
    body, text, problem = decode_body(data, content_type, coding if encoded else None, source=name)
    if problem and encoded is None and coding:
        # aiohttp decompresses by default but keeps Content-Encoding; with
        # auto_decompress=False the body is still compressed, and the response does not say
        # which: the body as it is first, then decompressed if only that decodes.
        again = decode_body(data, content_type, coding, source=name)
        if again[2] is None:
            body, text, problem = again
    return Response(status, headers, body, text, problem, name, method, url)


# --- httpx (and Starlette / FastAPI TestClient) ------------------------------------------


def _httpx_unread(response: Any) -> bool:
    try:
        response.content  # noqa: B018 - the property raises when the body is not read
    except RuntimeError:  # httpx.ResponseNotRead (a StreamError, a RuntimeError)
        return True
    return False


def _from_httpx(response: Any, source: str | None) -> Response:
    if _httpx_unread(response):
        raise TypeError(_httpx_unread_message(response))
    method, url = _request_line(response)
    # httpx has already undone Content-Encoding in `.content`.
    return _build(
        int(response.status_code),
        headers_from(response.headers),
        response.content,
        source,
        method,
        url,
        encoded=False,
    )


def _httpx_unread_message(response: Any) -> str:
    stream = getattr(response, "stream", None)
    is_async = hasattr(stream, "__aiter__") and not hasattr(stream, "__iter__")
    read = "`await response.aread()`" if is_async else "`response.read()`"
    if response.is_stream_consumed:
        return (
            "errspec cannot check this httpx streamed response: its body was iterated "
            f"(iter_bytes/aiter_bytes) without being read; call {read} instead of iterating"
        )
    if response.is_closed:
        return (
            "errspec cannot check this httpx streamed response: it was closed before its body "
            f"was read; call {read} inside the `client.stream(...)` block"
        )
    if is_async:
        return (
            "errspec cannot check an httpx streamed response whose body has not been read: "
            "`await response.aread()` first, or use `await errspec.as_response_async(response)`"
        )
    return (
        "errspec cannot check an httpx streamed response whose body has not been read: "
        "call `response.read()` first"
    )


# --- werkzeug (Flask's test client, werkzeug.test.Client) --------------------------------


def _from_werkzeug(response: Any, source: str | None) -> Response:
    # A TestResponse has no `.content`; get_data() buffers a streamed (generator) body,
    # so it can be called again. werkzeug.datastructures.Headers iterates as (name, value)
    # pairs, repeated headers included.
    data = response.get_data()
    method, url = _request_line(response)  # TestResponse.request: a werkzeug Request
    # The test client returns the app's bytes as sent: Content-Encoding is not undone.
    return _build(
        int(response.status_code),
        headers_from(response.headers),
        data,
        source,
        method,
        url,
        encoded=True,
    )


# --- Django (django.test.Client, AsyncClient) --------------------------------------------


def _from_django(response: Any, source: str | None) -> Response:
    if getattr(response, "streaming", False):
        if response.is_async:
            raise TypeError(
                "errspec cannot read a Django StreamingHttpResponse over an async iterator "
                "synchronously: use `await errspec.as_response_async(response)`"
            )
        data = b"".join(response.streaming_content)
        # The iterator is spent: put the bytes back, so that the caller (or another check)
        # can still read streaming_content.
        response.streaming_content = [data]
    else:
        data = response.content
    # Django keeps cookies apart from the headers; its WSGI handler sends each as a
    # Set-Cookie header after the others (django.core.handlers.wsgi), so they are here too.
    headers = headers_from(response.headers) + tuple(
        ("Set-Cookie", morsel.output(header="").strip())
        for morsel in getattr(response, "cookies", {}).values()
    )
    method, url = _django_request_line(response)
    # The test client does not undo Content-Encoding (GZipMiddleware's gzip stays).
    return _build(int(response.status_code), headers, data, source, method, url, encoded=True)


def _django_request_line(response: Any) -> tuple[str | None, str | None]:
    request = getattr(response, "wsgi_request", None) or getattr(response, "asgi_request", None)
    if request is not None and hasattr(request, "build_absolute_uri"):
        try:
            url = str(request.build_absolute_uri())
        except Exception:  # DisallowedHost: the host is not in ALLOWED_HOSTS
            meta = request.META
            host = meta.get("HTTP_HOST") or meta.get("SERVER_NAME", "")
            port = str(meta.get("SERVER_PORT", ""))
            default = "443" if request.is_secure() else "80"
            if "HTTP_HOST" not in meta and port and port != default:  # as PEP 3333 says
                host = f"{host}:{port}"
            url = f"{request.scheme}://{host}{request.get_full_path()}"
        return (str(request.method) if request.method else None), url
    environ = getattr(response, "request", None)
    if isinstance(environ, Mapping) and environ.get("REQUEST_METHOD"):
        # The test client's request dict has no host: the path (and query) is the URL.
        query = environ.get("QUERY_STRING")
        path = f"{environ.get('PATH_INFO', '/')}{'?' + query if query else ''}"
        return str(environ["REQUEST_METHOD"]), path
    return None, None


# --- aiohttp -----------------------------------------------------------------------------


def _aiohttp_cached_body(response: Any) -> bytes | None:
    # `await response.read()` (and text() / json(), which call it) stores the body in
    # ClientResponse._body, declared `_body: bytes | None = None` on the class; text() and
    # json() themselves read it there. It is private, but it is the only synchronous place
    # the body is: the public read() is a coroutine, and driving it by hand is worse: after
    # `async with session.get(...)` has released the response, read() raises
    # ClientConnectionError("Connection closed") even with the body cached, and on an
    # un-read body it would start network I/O outside the event loop. Should aiohttp rename
    # the attribute, this returns None and the sync path asks for as_response_async.
    body = getattr(response, "_body", None)
    return bytes(body) if isinstance(body, bytes | bytearray) else None


def _from_aiohttp(response: Any, source: str | None) -> Response:
    data = _aiohttp_cached_body(response)
    if data is None:
        raise TypeError(
            "errspec cannot check an aiohttp response whose body has not been read: "
            "`await response.read()` first (inside the `async with` block; aiohttp keeps "
            "the body), or use `await errspec.as_response_async(response)`"
        )
    method = getattr(response, "method", None)
    url = getattr(response, "url", None)
    # `.headers` is a CIMultiDictProxy: its items() repeat a repeated header's name.
    return _build(
        int(response.status),
        headers_from(response.headers),
        data,
        source,
        str(method) if method else None,
        str(url) if url else None,
        encoded=None,
    )


# --- the Python API's door: anything a user hands errspec, as a Response ----------------


def as_response(response: Any, source: str | None = None) -> Response:
    """Adapt a response record (dict), a :class:`Response`, or any object with
    ``status_code``, ``headers`` and ``content`` (``requests``, ``httpx``, …); also the
    responses of Flask/werkzeug and Django test clients and read aiohttp responses
    (:mod:`errspec._adapters`)."""
    if isinstance(response, Response):
        return response
    if isinstance(response, Mapping):
        return response_from_record(response, source or "<record>")
    _readable(response)  # a stand-in with the wrong types is a TypeError saying so
    adapted = library_response(response, source)
    if adapted is not None:
        return adapted
    if isinstance(response, HTTPResponse):
        headers = headers_from(response.headers)
        lookup = Response(status=int(response.status_code), headers=headers)
        method, url = _request_line(response)
        name = source or (f"{method} {url}" if method and url else "<response>")
        # requests and httpx have already undone Content-Encoding in `.content`.
        body, text, problem = decode_body(
            response.content, lookup.header("content-type"), source=name
        )
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
    # text, or a URL object of a supported library (httpx.URL); never a stand-in's repr
    url_ok = isinstance(url, str) or (url is not None and _library(url) is not None)
    return (method if isinstance(method, str) and method else None), (
        str(url) if url_ok and url else None
    )


def checked(response: Any, source: str | None = None) -> Response:
    """``response`` as a :class:`Response` errspec can check: the Python API's boundary.

    Objects that only look like HTTP library responses (a ``unittest.mock.Mock`` has every
    attribute) and statuses that are not ints are ``TypeError``; a status outside 100-599
    and a body that is not JSON data (:func:`json_data`) are :class:`ErrspecError`. A body
    nested deeper than errspec checks becomes a ``body-not-json`` problem. Checked once:
    a checked response passes again for free.
    """
    if type(response) is dict:  # a record: what as_response() does with it, less the tests
        r = response_from_record(response, source or "<record>")
    elif isinstance(response, Response):
        r = response
        if r._checked:
            return r
    else:
        if not isinstance(response, Mapping):
            _readable(response)
        r = as_response(response, source)
    if not (
        type(r.source) is str
        and (r.method is None or type(r.method) is str)
        and (r.url is None or type(r.url) is str)
    ):
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
