"""Loading an OpenAPI document (YAML or JSON) into plain data, with exact source positions.

:func:`load_document` reads one file and returns a :class:`Document`: the parsed tree
(``dict``/``list``/``str``/``int``/``float``/``bool``/``None``), its format, the
``openapi``/``swagger`` version it declares, and :meth:`Document.position`, which gives the
1-based line and column of the key (or array item) any JSON pointer names. Everything
that makes a file unreadable raises :class:`~errspec._inputs.InputError`: one line naming
the file, the problem and, where known, ``line:col``. Nothing here prints, exits or
fetches.

How each format is read (the measurements behind the choice are in ``bench/LOADING.md``):

- **JSON**: :func:`json.loads` (C), strict: no ``NaN``/``Infinity``, no duplicate member
  names. The node count is bounded from the bytes before parsing; the depth is checked
  after, by a level-by-level walk made of C-level iterator calls. The position index is
  built lazily, on the first call of :meth:`Document.position`: one regular-expression
  pass over the bytes gives every token's offset and nesting level; a pointer is then
  followed with ``bytes.index`` jumps. A document that is only loaded, never asked for a
  position, pays nothing for positions.
- **YAML**: first yaml-rs (Rust), where :mod:`errspec._yamlfast` can vouch that its tree is
  the one the strict reader below would build (it reads YAML 1.2, so every plain scalar
  the two schemas could read apart is checked, and what yaml-rs reads otherwise, tags,
  aliases, merge keys..., is left to the strict reader): ~0.4 s instead of ~0.9 s for
  GitHub's 9.9 MB description. Its positions are found when asked for, by a scan of the
  lines that lead there (:mod:`errspec._yamlpos`), checked against the tree at each step;
  where that scan cannot be sure, the strict reader reads the text again for its marks.
  The strict reader (:mod:`errspec._yamlstrict`, imported with PyYAML only when it is
  needed): libyaml's event stream (PyYAML's ``CSafeLoader``, the pure-Python parser when
  libyaml is missing) feeds a small iterative tree builder that records each key's and
  item's line and column as it goes. Both readers read a scalar as
  :mod:`errspec._yamlscalars` says.

YAML semantics are PyYAML's ``SafeLoader`` (YAML 1.1 scalars: ``yes``/``on`` are booleans,
``0777`` is octal, ``1_000`` is an integer) with these differences, chosen because an
OpenAPI document is a JSON document written in YAML:

- mapping keys are always strings, spelled as in the source (``200:`` gives ``"200"``),
  so that JSON pointers reach them; a mapping or sequence used as a key is an error;
- timestamps stay strings (``2024-01-31`` is ``"2024-01-31"``, not a ``date``);
- only the JSON-compatible tags are accepted (``!!str``, ``!!int``, ``!!float``,
  ``!!bool``, ``!!null``, ``!!map``, ``!!seq``, ``!!merge``); any other tag, including
  ``!!binary``, ``!!set``, ``!!timestamp`` and every ``!!python/...`` tag, is an error;
- aliases are allowed, but the document, with every alias expanded, may hold at most
  ``max_nodes`` nodes and be at most ``max_depth`` deep: a "billion laughs" bomb fails at
  the first alias that crosses the limit, after reading a few hundred bytes. An alias to
  a node that contains it is an error (the tree is never cyclic). Aliased containers are
  shared, not copied, so treat :attr:`Document.data` as read-only;
- merge keys (``<<: *base``, ``<<: [*a, *b]``) are applied as the YAML merge key type
  (yaml.org/type/merge.html) defines them, which is how PyYAML applies them; the type
  allows one ``<<`` per mapping, so a second one is a duplicate key (PyYAML's answer to
  that undefined input has changed between releases);
- one document per file: a second ``---`` document is an error.

In both formats a duplicate key is an input error (with its ``line:col``), not a finding:
which of the two values a tool sees differs between tools, so nothing said about such a
document could be trusted. A UTF-8 byte order mark is skipped (positions are counted
after it); UTF-16 and UTF-32 files are refused.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from json.scanner import make_scanner
from operator import is_
from pathlib import Path
from typing import Any, Literal, NoReturn, cast

from ._exceptions import ErrspecError, InputError
from ._fastjson import fast_json as _fast_json
from ._index import Index
from ._pointer import array_index, compile_pointer
from ._yamlfast import fast_yaml as _fast_yaml
from ._yamlpos import BlockPositions, Doubt, Lines
from ._yamlscalars import plain as _plain

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_NODES",
    "Document",
    "load_document",
    "parse_document",
]

#: Largest spec file read (64 MiB: five times GitHub's 13 MB REST description).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
#: Deepest nesting of mappings/sequences accepted (the root is level 1). The deepest spec
#: in errspec's corpus of 14 real ones is 61 levels; recursive tools downstream (JSON
#: Schema validators) need several Python frames per level.
DEFAULT_MAX_DEPTH = 128
#: Most nodes accepted: mapping keys, scalars, mappings and sequences, in YAML counted with
#: every alias expanded. GitHub's 13 MB description has 476,000, so this is 1.3x what a
#: 64 MiB spec as dense holds. It bounds memory (a node costs 100-200 bytes once loaded),
#: the time spent on a hostile file before it is refused, and alias bombs.
DEFAULT_MAX_NODES = 3_000_000

_BOMS_REFUSED = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)

Format = Literal["json", "yaml"]


# --- the document -----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Document:
    """A loaded OpenAPI (or Swagger) document.

    ``data`` is the parsed tree: dicts with string keys, lists, and str/int/float/bool/None
    scalars. Treat it as read-only (YAML aliases share subtrees, and positions are indexed
    against these very objects).
    """

    path: Path
    format: Format
    data: dict[str, Any]
    version: str | None
    _index: Index = field(repr=False)

    def position(self, pointer: str) -> tuple[int, int] | None:
        """1-based ``(line, column)`` of what a JSON pointer names, or ``None``.

        For an object member it is the member's key; for an array item, the item's first
        character (in YAML, its anchor or tag if it has one); ``""`` is the document's
        first node. ``None`` when the pointer is malformed or names nothing in the
        document. A pointer that passes through a YAML alias continues inside the
        anchored node, so it lands where that part was written. Columns count characters
        (code points), not bytes.
        """
        try:
            segments = compile_pointer(pointer)
        except ValueError:
            return None
        if not segments:
            return self._index.root()
        return self._index.locate(self.data, segments)


# --- reading the file -------------------------------------------------------------------


def load_document(
    path: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Document:
    """Load one OpenAPI/Swagger document from a YAML or JSON file.

    The format follows the content: a file whose first character is ``{`` or ``[`` is
    read as JSON (and, unless its name ends in ``.json``, as YAML when it is not valid
    JSON); anything else as YAML.

    Raises :class:`~errspec._inputs.InputError`, one line naming the file (and the
    ``line:col`` where known), when the file is missing, unreadable, a directory, FIFO or
    device, empty, larger than ``max_bytes``, not UTF-8, not valid YAML/JSON, holds a
    duplicate key, a non-JSON YAML tag or an undefined or recursive alias, is nested more
    than ``max_depth`` levels deep, holds more than ``max_nodes`` nodes (after expanding
    YAML aliases), or when its top level is not a mapping.
    """
    name = str(path)
    raw = _read(Path(path), name, max_bytes)
    return _parse(Path(path), name, raw, max_depth, max_nodes)


class _NoSource(Index):
    """A document that was never text (a mapping handed to errspec): no positions."""

    def root(self) -> tuple[int, int]:
        return (1, 1)

    def locate(self, data: Any, segments: tuple[str, ...]) -> tuple[int, int] | None:
        return None


def document_from_data(data: Any, path: str | Path) -> Document:
    """A document from an already-loaded mapping (``app.openapi()``), named ``path``; its
    findings have no line and column (they point at ``1:1`` of the name). The mapping must
    be JSON data, as a parsed document is."""
    from ._jsondata import BodyTooDeep, json_data

    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise InputError(f"{path}: an OpenAPI document is a mapping of strings to values")
    try:
        data = json_data(data)
    except BodyTooDeep:
        raise InputError(f"{path}: nested too deeply to lint") from None
    except ErrspecError as exc:
        raise InputError(f"{path}: not JSON data: {exc}") from None
    return Document(Path(path), "json", data, _version(data), _NoSource())


def read_spec(spec: Any, *, name: str = "<string>", max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """An OpenAPI document from what a user has: a path, the YAML or JSON text of one
    (``name`` is what its findings and errors call it; its relative ``$ref``s resolve from
    the current folder), an already-loaded mapping (no line and column in findings), or a
    :class:`Document`."""
    if isinstance(spec, Document):
        return spec
    if isinstance(spec, Mapping):
        return document_from_data(dict(spec), Path.cwd() / "<mapping>")
    if isinstance(spec, bytes):
        return parse_document(Path.cwd() / name, name, spec)
    if isinstance(spec, str) and _is_text(spec):
        if len(spec) > max_bytes:
            raise InputError(f"{name}: {len(spec)} characters, over the limit of {max_bytes}")
        return parse_document(Path.cwd() / name, name, spec.encode("utf-8", "surrogatepass"))
    if isinstance(spec, str | os.PathLike):
        return load_document(Path(spec), max_bytes=max_bytes)
    raise TypeError(
        "a spec is a path, the YAML or JSON text of an OpenAPI document, or a mapping (such "
        f"as FastAPI's app.openapi()), not {type(spec).__name__}"
    )


def _is_text(spec: str) -> bool:
    """A string that is a document rather than a file name: several lines, or the start of
    a JSON object or of an OpenAPI/Swagger YAML document."""
    head = spec.lstrip()[:20]
    return "\n" in spec or head.startswith(("{", "openapi:", "swagger:", "---", "%YAML"))


def parse_document(
    path: str | Path,
    name: str,
    raw: bytes,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Document:
    """A document from bytes already read (a ``$ref`` target fetched over http(s)), parsed
    as :func:`load_document` parses a file; ``name`` is what its errors are about."""
    return _parse(Path(path), name, raw, max_depth, max_nodes)


def _parse(path: Path, name: str, raw: bytes, max_depth: int, max_nodes: int) -> Document:
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    start = _leading_space(raw)
    first = raw[start : start + 1]
    if first in (b"{", b"[") and (fast := _fast_json(raw, max_depth, max_nodes)) is not None:
        data = fast
        if type(data) is not dict:
            raise InputError(f"{name}: the top level is {_kind(data, 'json')}, not a mapping")
        return Document(path, "json", data, _version(data), _JSONIndex(raw))
    text = _decode(raw, name)
    if not first:
        raise InputError(f"{name}: the file is empty")
    index: Index
    fmt: Format = "json"
    if first in (b"{", b"["):
        try:
            data, index = _load_json(raw, text, name, max_depth, max_nodes)
        except _NotJSON as exc:
            if name.lower().endswith(".json"):
                raise InputError(str(exc)) from None
            fmt = "yaml"
    else:
        fmt = "yaml"
    if fmt == "yaml":
        fast = _fast_yaml(raw, text, max_depth, max_nodes, _plain)
        del text
        if fast is not None:
            data, index = fast, _FastYAMLIndex(raw, name, max_depth, max_nodes)
        else:
            data, index = _load_yaml(raw, name, max_depth, max_nodes)
    if type(data) is not dict:
        raise InputError(f"{name}: the top level is {_kind(data, fmt)}, not a mapping")
    return Document(path, fmt, data, _version(data), index)


_SPACE = re.compile(rb"[ \t\r\n]*")


def _leading_space(raw: bytes) -> int:
    """How many whitespace bytes the text starts with (without copying the rest)."""
    match = _SPACE.match(raw)
    return match.end() if match else 0


def _read(path: Path, name: str, max_bytes: int) -> bytes:
    # O_NONBLOCK: opening a FIFO that has no writer must not hang; fstat then refuses it.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not an OpenAPI document") from None
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or 'cannot open'}") from None
    except ValueError:  # a NUL byte, or a lone surrogate the file system cannot encode
        raise InputError(f"{name!r}: not a usable file name") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{name}: is a directory, not an OpenAPI document")
        if not stat.S_ISREG(info.st_mode):
            what = "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode) else "a device or socket"
            raise InputError(f"{name}: is {what}, not a regular file")
        if info.st_size > max_bytes:
            raise InputError(f"{name}: {info.st_size} bytes, over the limit of {max_bytes} bytes")
        chunks = []
        size = 0
        while size <= max_bytes:  # to the end, even if the file grew after fstat
            wanted = max(info.st_size - size, 0) + 65536
            chunk = os.read(fd, min(wanted, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"{name}: {exc.strerror or 'cannot read'}") from None
    finally:
        os.close(fd)
    if size > max_bytes:
        raise InputError(f"{name}: over the limit of {max_bytes} bytes")
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _decode(raw: bytes, name: str) -> str:
    for bom, encoding in _BOMS_REFUSED:
        if raw.startswith(bom):
            raise InputError(f"{name}: the file is {encoding}; errspec reads UTF-8 only")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(raw, exc.start)
        raise InputError(
            f"{name}:{line}:{col}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset "
            f"{exc.start})"
        ) from None


def _line_col(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset, by counting."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    prefix = raw[line_start:offset]
    col = len(prefix) if prefix.isascii() else len(prefix.decode("utf-8", "replace"))
    return raw.count(b"\n", 0, offset) + 1, col + 1


def _version(data: dict[str, Any]) -> str | None:
    for key in ("openapi", "swagger"):
        value = data.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)  # an unquoted `swagger: 2.0` in YAML is a float
    return None


def _kind(value: Any, fmt: Format) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, list):
        return "a sequence" if fmt == "yaml" else "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def _fail(name: str, pos: tuple[int, int] | None, problem: str) -> NoReturn:
    where = f"{name}:{pos[0]}:{pos[1]}" if pos else name
    raise InputError(f"{where}: {problem}")


# --- JSON -------------------------------------------------------------------------------


class _NotJSON(ValueError):
    """The text is not JSON: the message is the full one-line error."""


class _Duplicate(ValueError):
    pass


class _Constant(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Duplicate
    return out


def _no_constant(name: str) -> Any:
    raise _Constant(name)


_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
#: One JSON token, brackets included: group 1 a string, group 2 the colon after a key.
_JSON_TOKEN = re.compile(rb"(" + _STRING + rb')(\s*:)?|[\[{\]}]|[^\s,:\[\]{}"]+')


def _load_json(
    raw: bytes, text: str, name: str, max_depth: int, max_nodes: int
) -> tuple[Any, Index]:
    # An upper bound on the node count from the bytes alone: every value but the root
    # follows a '[', '{' or ',', and every key is followed by a ':'. Only a document near
    # the limit pays for an exact count.
    upper = raw.count(b",") + raw.count(b"[") + raw.count(b"{") + raw.count(b":") + 1
    if upper > max_nodes:
        nodes = _json_node_count(raw)
        if nodes > max_nodes:
            raise InputError(f"{name}: more than {max_nodes} nodes ({nodes})")
    try:
        data = json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        problem = exc.msg[:1].lower() + exc.msg[1:]
        raise _NotJSON(f"{name}:{exc.lineno}:{exc.colno}: invalid JSON: {problem}") from None
    except RecursionError:
        _json_too_deep(raw, name, max_depth)
    except _Duplicate:
        _json_duplicate(raw, name)
    except _Constant as exc:
        _json_constant(raw, name, str(exc))
    except ValueError as exc:  # e.g. an integer longer than int() accepts
        raise InputError(f"{name}: invalid JSON: {exc}") from None
    if _tree_depth(data, max_depth) > max_depth:
        _json_too_deep(raw, name, max_depth)
    return data, _JSONIndex(raw)


def _tree_depth(data: Any, limit: int) -> int:
    """Nesting depth of a tree (root = 1), stopping once past ``limit``. It walks level by
    level with C-level iterator calls only: no Python bytecode runs per node."""
    dicts = [data] if type(data) is dict else []
    lists = [data] if type(data) is list else []
    depth = 0
    while dicts or lists:
        depth += 1
        if depth > limit:
            break
        values = list(
            chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists))
        )
        types = list(map(type, values))
        dicts = list(compress(values, map(is_, types, repeat(dict))))
        lists = list(compress(values, map(is_, types, repeat(list))))
    return depth


def _json_too_deep(raw: bytes, name: str, max_depth: int) -> NoReturn:
    depth = 0
    for match in _JSON_TOKEN.finditer(raw):
        first = raw[match.start()]
        if first in b"[{":
            depth += 1
            if depth > max_depth:
                where = _line_col(raw, match.start())
                _fail(name, where, f"nested more than {max_depth} levels deep")
        elif first in b"]}":
            depth -= 1
    _fail(name, None, "nested too deeply for Python's JSON parser")


def _json_duplicate(raw: bytes, name: str) -> NoReturn:
    seen: list[set[str]] = []
    for match in _JSON_TOKEN.finditer(raw):
        first = raw[match.start()]
        if match.group(2) is not None:
            key = json.loads(match.group(1))
            if key in seen[-1]:
                _fail(name, _line_col(raw, match.start()), f"duplicate key {key!r}")
            seen[-1].add(key)
        elif first in b"[{":
            seen.append(set())
        elif first in b"]}":
            seen.pop()
    _fail(name, None, "duplicate key")  # pragma: no cover - json.loads found one


def _json_constant(raw: bytes, name: str, constant: str) -> NoReturn:
    for match in _JSON_TOKEN.finditer(raw):
        if match.group(0) == constant.encode():
            _fail(name, _line_col(raw, match.start()), f"{constant} is not valid JSON")
    _fail(name, None, f"{constant} is not valid JSON")  # pragma: no cover


def _json_node_count(raw: bytes) -> int:
    """Exact number of values and keys in a JSON text, without building them."""
    skeleton = re.sub(_STRING, b"0", raw).translate(None, b" \t\r\n")
    empty = skeleton.count(b"[]") + skeleton.count(b"{}")
    values = 1 + skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{") - empty
    return values + skeleton.count(b":")


class _JSONIndex(Index):
    """Positions in a JSON text, found when asked for, by a scan of only what leads there.

    Nothing is indexed up front. To place ``/paths/~1pets/get`` the scan reads the root
    object's members up to ``paths``, the members of ``paths`` up to ``/pets``, and so on:
    each member's key is read, and each value it passes over is skipped by the C JSON
    scanner (:meth:`json.JSONDecoder.scan_once`, which returns where the value ends). What
    a scan learned is kept per container (by its offset), so the next pointer through the
    same container goes on from where the last one stopped: over a whole lint, each
    container on the findings' paths is read at most once, and containers no finding
    passes through are never read (GitHub's 13 MB description: 0.05 s for 550 findings
    under ``/paths``, against 0.5 s for an index of every token).

    The scan runs over the bytes decoded as Latin-1, one character per byte, so offsets are
    byte offsets; JSON's structure is ASCII, and a key that is not ASCII after that is read
    again from its UTF-8 bytes. Lines and columns come from the byte offset (columns count
    code points).
    """

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self._raw = raw
        self._lock = threading.Lock()
        self._text = ""  # the bytes as Latin-1, made on the first position asked for
        self._scan: Callable[[str, int], tuple[Any, int]] = make_scanner(
            cast(Any, json.JSONDecoder())
        )
        #: offset of a '{' -> what is known of its members; of a '[' -> of its items
        self._objects: dict[int, _Members] = {}
        self._arrays: dict[int, _Items] = {}
        self._lines = Lines(raw)

    def _ready(self) -> str:
        if not self._text:
            self._text = self._raw.decode("latin-1")
        return self._text

    def _position(self, offset: int) -> tuple[int, int]:
        return self._lines.position(offset)

    def root(self) -> tuple[int, int]:
        return self._position(_leading_space(self._raw))

    def locate(self, data: Any, segments: tuple[str, ...]) -> tuple[int, int] | None:
        with self._lock:
            text = self._ready()
            node = data
            at = _leading_space(self._raw)  # the offset of the current node's value
            found = at
            for segment in segments:
                if type(node) is dict:
                    if segment not in node:
                        return None
                    found, at = self._member(text, at, segment)
                elif type(node) is list:
                    ordinal = array_index(segment, node)  # RFC 6901: no sign, no leading zero
                    if ordinal is None:
                        return None
                    found = at = self._item(text, at, ordinal)
                else:
                    return None
                node = node[segment] if type(node) is dict else node[int(segment)]
            return self._position(found)

    def _member(self, text: str, start: int, key: str) -> tuple[int, int]:
        """(offset of the key, offset of the value) of the member ``key`` (which the
        object at ``start`` has)."""
        members = self._objects.get(start)
        if members is None:
            members = self._objects[start] = _Members(_after_space(text, start + 1))
        known = members.found.get(key)
        if known is not None:
            return known
        scan = self._scan
        while True:
            if members.pending:  # skip the value of the member read last
                after = _after_space(text, scan(text, members.pending)[1])
                members.pending = 0
                members.next = _after_space(text, after + 1)  # past the ','
            at = members.next
            name, end = scan(text, at)
            if not name.isascii():  # Latin-1 read its UTF-8 bytes one by one: read them again
                name = json.loads(self._raw[at:end].decode("utf-8"))
            value = _after_space(text, _after_space(text, end) + 1)  # past the ':'
            members.found[name] = (at, value)
            members.pending = value
            if name == key:
                return at, value

    def _item(self, text: str, start: int, ordinal: int) -> int:
        """The offset of item ``ordinal`` (which exists) of the array at ``start``."""
        items = self._arrays.get(start)
        if items is None:
            items = self._arrays[start] = _Items([_after_space(text, start + 1)])
        offsets = items.offsets
        scan = self._scan
        while len(offsets) <= ordinal:
            after = _after_space(text, scan(text, offsets[-1])[1])
            offsets.append(_after_space(text, after + 1))  # past the ','
        return offsets[ordinal]


class _Members:
    """What a scan has read of one JSON object: each member's key and value offsets, where
    the next member's key starts, or the value still to skip before it."""

    __slots__ = ("found", "next", "pending")

    def __init__(self, first: int) -> None:
        self.found: dict[str, tuple[int, int]] = {}
        self.next = first
        self.pending = 0  # the offset of a value not yet skipped (0: none; never a value)


class _Items:
    """The offsets of the items a scan has reached in one JSON array."""

    __slots__ = ("offsets",)

    def __init__(self, offsets: list[int]) -> None:
        self.offsets = offsets


_SPACE_TEXT = re.compile(r"[ \t\n\r]*")


def _after_space(text: str, at: int) -> int:
    """The offset of the first character at or after ``at`` that is not JSON whitespace."""
    match = _SPACE_TEXT.match(text, at)
    return match.end() if match else at


# --- YAML -------------------------------------------------------------------------------


class _FastYAMLIndex(Index):
    """Positions for a document yaml-rs read (:mod:`errspec._yamlfast`), found when asked
    for by a scan of the text (:class:`~errspec._yamlpos.BlockPositions`). Where that scan
    cannot be sure, the strict reader reads the text again (once) and its index answers
    from then on, following each pointer through its own tree (equal to the document's,
    not the same objects). A document only loaded, or whose lint finds nothing, pays
    nothing for positions."""

    def __init__(self, raw: bytes, name: str, max_depth: int, max_nodes: int) -> None:
        super().__init__()
        self._args = (raw, name, max_depth, max_nodes)
        self._lock = threading.Lock()
        self._scan: BlockPositions | None = BlockPositions(raw)
        self._strict: tuple[Any, Index] | None = None

    def _strict_index(self) -> tuple[Any, Index]:
        with self._lock:
            self._scan = None
            if self._strict is None:
                self._strict = _load_yaml(*self._args)
            return self._strict

    def root(self) -> tuple[int, int]:
        scan = self._scan
        if scan is not None:
            try:
                return scan.root()
            except _SCAN_DOUBTS:
                pass
        return self._strict_index()[1].root()

    def locate(self, data: Any, segments: tuple[str, ...]) -> tuple[int, int] | None:
        scan = self._scan
        if scan is not None:
            try:
                return scan.locate(data, segments)
            except _SCAN_DOUBTS:
                pass
        strict, index = self._strict_index()
        return index.locate(strict, segments)


#: What sends a position to the strict reader: the scan's doubt, and, should the scan meet
#: a text it was not written for, an index or a decoding out of bounds rather than a
#: traceback.
_SCAN_DOUBTS = (Doubt, IndexError, ValueError)


def _load_yaml(raw: bytes, name: str, max_depth: int, max_nodes: int) -> tuple[Any, Index]:
    """The strict reader's tree and positions (:mod:`errspec._yamlstrict`, imported only
    when it is needed, with PyYAML); its problems become an InputError naming the file."""
    from ._yamlstrict import Unreadable, read

    try:
        return read(raw, max_depth, max_nodes)
    except Unreadable as exc:
        position = exc.position if exc.offset is None else _line_col(raw, exc.offset)
        _fail(name, position, exc.problem)
