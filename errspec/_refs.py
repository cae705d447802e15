"""What a ``$ref`` names, decided in one place for every mode.

:func:`judge_ref` turns a raw ``$ref`` string, the document it is written in and the root
spec's folder into a :class:`RefTarget`: a fragment of the same document, a file (its
resolved path), a URL, or a refusal. ``errspec lint``, ``errspec lint --full-validation``
and spec-aware checking (``check --spec``, :func:`~errspec.load_spec`) all ask it, so they
cannot disagree about which file a ``$ref`` names or whether it may be read.

A ``$ref`` is a URI reference (RFC 3986). It is judged the way a resolver uses it:

1. the raw string: not empty, at most :data:`MAX_REF_LENGTH` characters, no control
   character (a NUL byte included: the OS would refuse the name, and ``urlsplit`` silently
   drops tabs and newlines), no lone surrogate (not Unicode text), no backslash (``\\`` is
   no URI separator: a Windows or UNC path is refused rather than guessed at);
2. the fragment, percent-decoded once (RFC 6901 §6), must be empty or a JSON pointer.
   A plain-name fragment (``#anchor``, JSON Schema's ``$anchor``) is not followed:
   OpenAPI's Reference Object names JSON pointers, and anchors would need errspec to
   implement JSON Schema's resource and anchor scoping for every document;
3. a scheme (``https:``, ``file:``, ``urn:``, a drive letter ``C:``) makes it a URL. Only
   ``http:`` and ``https:`` URLs are ever fetched, and only with ``allow_remote``;
   ``file:`` URIs are refused like any other scheme: files are named by relative path;
4. anything else is a path. It is joined to the referring document's URI with
   :func:`urllib.parse.urljoin`, the function the JSON Schema resolvers (``referencing``)
   use, on a private-scheme URI (:func:`document_uri`) of the document's resolved path;
   a network path (``//host/share``) or a query is refused; the joined path is then
   percent-decoded exactly once (an encoded ``/`` or ``\\`` is refused: no file name holds
   one), its dot segments removed (so ``%2e%2e`` is ``..``), and symlinks resolved
   (:meth:`pathlib.Path.resolve`). The result must lie inside the root spec's folder
   unless ``allow_outside``.

The resolvers of other libraries are given the same private scheme as base URI
(``errspec-spec:///abs/path/openapi.yaml``) and a retrieval hook that calls
:func:`judge_ref` with ``internal=True`` on the URI they computed: what they may read is
decided here too, on exactly the URI they would read. A spec itself cannot use the private
scheme (it is refused like any scheme other than http(s)).

A refusal's ``reason`` is one line built from the ``$ref`` text and fixed words: never
from the content of a file (a refused file is never opened).
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote, unquote, unquote_to_bytes, urljoin, urlsplit

__all__ = [
    "MAX_REF_LENGTH",
    "PRIVATE_SCHEME",
    "RefTarget",
    "document_uri",
    "judge_ref",
    "lookup",
]

#: The URI scheme errspec gives the documents it loaded, as base URIs for other libraries'
#: resolvers. Registered with :mod:`urllib.parse` as hierarchical, so that ``urljoin``
#: resolves relative references against it as it does against ``file:``.
PRIVATE_SCHEME = "errspec-spec"
for _registry in (urllib.parse.uses_relative, urllib.parse.uses_netloc):
    if PRIVATE_SCHEME not in _registry:
        _registry.append(PRIVATE_SCHEME)

#: Longest ``$ref`` followed (a path is at most 4096 bytes on Linux).
MAX_REF_LENGTH = 4096

Kind = Literal["local", "file", "url", "refused", "unresolved"]

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BAD_TILDE = re.compile(r"~(?![01])")
_ENCODED_SEPARATOR = re.compile(r"%(?:2f|5c)", re.IGNORECASE)
_DRIVE_URI_PATH = re.compile(r"/[A-Za-z]:")


@dataclass(frozen=True)
class RefTarget:
    """What a ``$ref`` names.

    - ``local``: the ``pointer`` in the referring document;
    - ``file``: the ``pointer`` in the document at ``path`` (absolute, symlinks resolved);
    - ``url``: the ``pointer`` in the document at ``url`` (http or https, no fragment);
    - ``refused`` (rule ``ref-refused``) and ``unresolved`` (``ref-unresolved``): not
      followed, for the one-line ``reason``.
    """

    kind: Kind
    pointer: str = ""
    path: Path | None = None
    url: str | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.kind in ("local", "file", "url")

    @property
    def rule(self) -> str:
        return "ref-refused" if self.kind == "refused" else "ref-unresolved"


def quote_ref(ref: object, limit: int = 100) -> str:
    """A ``$ref`` as a message quotes it: its ``repr`` (control characters and surrogates
    escaped), cut to ``limit`` characters."""
    text = repr(ref)
    return text if len(text) <= limit else text[: limit - 2] + "…" + text[-1]


def document_uri(path: Path) -> str:
    """The private-scheme URI of a loaded document (``path`` absolute, resolved)."""
    text = path.as_posix()
    if not text.startswith("/"):
        text = "/" + text  # a Windows drive: errspec-spec:///C:/api/openapi.yaml
    return f"{PRIVATE_SCHEME}://" + quote(os.fsencode(text), safe="/")


def judge_ref(
    ref: object,
    *,
    referrer: Path | str,
    folder: Path,
    allow_outside: bool = False,
    allow_remote: bool = False,
    internal: bool = False,
) -> RefTarget:
    """Decide what ``ref`` names and whether errspec may read it.

    ``referrer`` is the path of the document the ``$ref`` is written in (or, for a
    document fetched with ``allow_remote``, its URL); ``folder`` the root spec's folder,
    resolved. ``internal`` is for the retrieval hooks of other libraries' resolvers:
    ``ref`` is then an absolute URI they computed, and one in :data:`PRIVATE_SCHEME` is a
    path (judged as any path is). Never raises.
    """
    if not isinstance(ref, str):
        return _unresolved(f"$ref {quote_ref(ref)} is not a string")
    if not ref:
        return _unresolved("$ref '' is empty: it names no value")
    if len(ref) > MAX_REF_LENGTH:
        return _unresolved(f"$ref {quote_ref(ref)} is longer than {MAX_REF_LENGTH} characters")
    if "\x00" in ref:
        return _unresolved(f"$ref {quote_ref(ref)} contains a NUL byte")
    if _CONTROL.search(ref):
        return _unresolved(f"$ref {quote_ref(ref)} contains a control character")
    if _SURROGATE.search(ref):
        return _unresolved(f"$ref {quote_ref(ref)} is not valid Unicode (a lone surrogate)")
    file_part, _, fragment = ref.partition("#")
    pointer = _pointer(ref, fragment)
    if isinstance(pointer, RefTarget):
        return pointer
    if not file_part:
        return RefTarget("local", pointer)
    if "\\" in file_part:
        return _refused(
            f"$ref {quote_ref(ref)} contains a backslash (a Windows or UNC path?); a $ref is a "
            "URI reference: write a relative path with '/'"
        )
    scheme = _SCHEME.match(file_part)
    if scheme and not (internal and scheme.group(0)[:-1].lower() == PRIVATE_SCHEME):
        return _url(ref, file_part, scheme.group(0)[:-1].lower(), pointer, allow_remote)
    if isinstance(referrer, str):  # in a fetched document: relative to its URL
        joined = urljoin(referrer, file_part)
        scheme = _SCHEME.match(joined)
        return _url(
            ref, joined, scheme.group(0)[:-1].lower() if scheme else "", pointer, allow_remote
        )
    if internal:  # an absolute URI a resolver computed from errspec's base URIs
        if not scheme:
            return _unresolved(f"$ref {quote_ref(ref)} has no base URI to be resolved against")
        uri = file_part
    else:
        try:
            uri = urljoin(document_uri(_absolute(referrer)), file_part)
        except (OSError, ValueError):
            return _unresolved(f"$ref {quote_ref(ref)} cannot be resolved from {referrer.name!r}")
    return _file(ref, uri, pointer, folder, allow_outside)


def _pointer(ref: str, fragment: str) -> str | RefTarget:
    """The fragment, percent-decoded once, if it is empty or a JSON pointer."""
    try:
        pointer = unquote(fragment, errors="strict")
    except UnicodeDecodeError:
        return _unresolved(f"$ref {quote_ref(ref)} percent-encodes bytes that are not UTF-8")
    if "\x00" in pointer:
        return _unresolved(f"$ref {quote_ref(ref)} contains a NUL byte (%00)")
    if _SURROGATE.search(pointer):  # pragma: no cover - strict UTF-8 decoding yields none
        return _unresolved(f"$ref {quote_ref(ref)} is not valid Unicode (a lone surrogate)")
    if pointer and not pointer.startswith("/"):
        return _unresolved(
            f"$ref {quote_ref(ref)} is not a JSON pointer: a fragment must be empty or start "
            "with '/' (errspec does not follow plain-name $anchor fragments)"
        )
    if _BAD_TILDE.search(pointer):
        return _unresolved(
            f"$ref {quote_ref(ref)} is not a JSON pointer: '~' must be followed by 0 or 1"
        )
    return pointer


def _url(ref: str, url: str, scheme: str, pointer: str, allow_remote: bool) -> RefTarget:
    if len(scheme) == 1:
        return _refused(
            f"$ref {quote_ref(ref)} looks like a Windows drive path; a $ref is a URI reference: "
            "write a relative path with '/'"
        )
    if not allow_remote:
        return _refused(
            f"$ref {quote_ref(ref)} points to a URL; errspec does not fetch URLs unless asked "
            "(--allow-remote-refs)"
        )
    if scheme not in ("http", "https"):
        return _refused(f"$ref {quote_ref(ref)}: only http(s) URLs can be fetched")
    parts = urlsplit(url)
    if not parts.hostname:
        return _refused(f"$ref {quote_ref(ref)}: a URL without a host cannot be fetched")
    return RefTarget("url", pointer, url=url)


def _file(ref: str, uri: str, pointer: str, folder: Path, allow_outside: bool) -> RefTarget:
    parts = urlsplit(uri)
    if parts.scheme.lower() != PRIVATE_SCHEME or parts.netloc:
        return _refused(
            f"$ref {quote_ref(ref)} names a host (//host/…, a network path), which errspec "
            "never reads"
        )
    if parts.query:
        return _unresolved(f"$ref {quote_ref(ref)} has a query (?…), which names no file")
    if _ENCODED_SEPARATOR.search(parts.path):
        return _unresolved(
            f"$ref {quote_ref(ref)} percent-encodes a '/' or '\\', which no file name holds"
        )
    text = os.fsdecode(unquote_to_bytes(parts.path))  # decoded once
    if "\x00" in text:
        return _unresolved(f"$ref {quote_ref(ref)} contains a NUL byte (%00)")
    if "\\" in text:  # pragma: no cover - %5C is refused above
        return _refused(f"$ref {quote_ref(ref)} contains a backslash")
    if os.name == "nt" and _DRIVE_URI_PATH.match(text):  # pragma: no cover - Windows
        text = text[1:]
    try:
        path = Path(os.path.normpath(text)).resolve()
    except (OSError, ValueError, RuntimeError):
        return _unresolved(f"$ref {quote_ref(ref)} names no usable file path")
    if not allow_outside and not path.is_relative_to(folder):
        return _refused(
            f"$ref {quote_ref(ref)} is outside the spec's folder (--allow-outside-refs)"
        )
    return RefTarget("file", pointer, path=path)


def _absolute(path: Path) -> Path:
    return path.resolve()


def _refused(reason: str) -> RefTarget:
    return RefTarget("refused", reason=reason)


def _unresolved(reason: str) -> RefTarget:
    return RefTarget("unresolved", reason=reason)


_MISSING = object()


def lookup(data: object, pointer: str) -> tuple[bool, object]:
    """``(True, value)`` for what a JSON pointer (RFC 6901, no wildcards) names in
    ``data``, ``(False, None)`` when it names nothing. Array indexes are canonical (no
    sign, no leading zero), as :meth:`~errspec._specload.Document.position` reads them."""
    if pointer == "":
        return True, data
    if not pointer.startswith("/"):
        return False, None
    node = data
    for raw in pointer[1:].split("/"):
        segment = raw.replace("~1", "/").replace("~0", "~")
        if type(node) is dict:
            node = node.get(segment, _MISSING)
            if node is _MISSING:
                return False, None
        elif type(node) is list:
            if not (segment.isascii() and segment.isdigit() and len(segment) < 19) or (
                segment[0] == "0" and segment != "0"
            ):
                return False, None
            index = int(segment)
            if index >= len(node):
                return False, None
            node = node[index]
        else:
            return False, None
    return True, node
