"""Positions in a block-style YAML text, found when asked for, by a scan of only what leads
there, each step checked against the tree; any doubt and the caller reads the text again
with libyaml.

A document read by yaml-rs (:mod:`errspec._yamlfast`) has no positions. Reading it again
with libyaml's event stream for them costs ~0.9 s on GitHub's 9.9 MB description, for the
few hundred pointers a lint's findings carry. :class:`BlockPositions` answers them from
the text instead, the way :class:`~errspec._specload._JSONIndex` does for JSON: to place
``/paths/~1pets/get`` it lists the keys of the root mapping (the lines at its keys'
column), then those of ``paths``, and so on, each container's list made once and kept.

What makes it exact: a block mapping's keys all start at the same column, on lines of
their own (but the first, which may follow a ``- ``), and its region ends at the first
line indented less; a block sequence's items are the ``-`` at one column. So every key
line of a mapping is found among the lines that start at its column in its region. Lines
there that are not keys (a multi-line quoted scalar continued at that column, say) would be
found too: so the list is accepted only when it holds exactly the mapping's keys, spelled
as in the tree, in the tree's order (a sequence: exactly as many items). Anything else,
a flow collection on the way, an alias, a key spelled with escapes, an empty item, raises
:class:`Doubt`, and the caller answers from libyaml's marks. Positions are libyaml's: the
key's first character, or the item's (its anchor's if it has one), 1-based; columns count
characters, and what stands before a key or an item on its line is spaces and ``- ``, so
byte and character columns agree.
"""

from __future__ import annotations

import re
import threading
from array import array
from itertools import accumulate
from typing import Any

from ._pointer import array_index

__all__ = ["BlockPositions", "Doubt"]


class Doubt(Exception):
    """The text is not one this scan can place a pointer in for sure."""


#: Bytes per block of the line count.
_BLOCK = 1 << 12
#: After a key's ``:``: nothing, a comment, or an anchor (then the value starts on a line
#: of its own).
_BARE = re.compile(rb"[ ]*(?:&[^ \n]+[ ]*)?(?:#[^\n]*)?(?=\n|\Z)")
#: The end of a plain key: ``:`` before a space or the end of the line.
_KEY_END = re.compile(rb":(?=[ \n]|\Z)| #|\n")
_LINE_CONTENT = re.compile(rb"\n([ ]*)(?=[^ \n#])")


class Lines:
    """1-based line and column of a byte offset in a UTF-8 text, columns counted in code
    points (as libyaml's marks count them). The newlines before each block of
    :data:`_BLOCK` bytes are counted on the first question, so each answer reads at most
    one block. Used by the YAML scan here and by the JSON scan of ``_specload``."""

    __slots__ = ("_blocks", "_raw")

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._blocks: array[int] | None = None

    def position(self, offset: int) -> tuple[int, int]:
        raw = self._raw
        if self._blocks is None:
            counts = (raw.count(b"\n", k, k + _BLOCK) for k in range(0, len(raw), _BLOCK))
            self._blocks = array("q", accumulate(counts, initial=0))
        block = offset // _BLOCK
        line = self._blocks[block] + raw.count(b"\n", block * _BLOCK, offset) + 1
        prefix = raw[raw.rfind(b"\n", 0, offset) + 1 : offset]
        col = len(prefix) if prefix.isascii() else len(prefix.decode("utf-8", "replace"))
        return line, col + 1


class _Mapping:
    __slots__ = ("keys",)

    def __init__(self, keys: dict[str, int]) -> None:
        self.keys = keys  # key -> offset of its first character


class BlockPositions:
    """Positions of the keys and items of a YAML text that :mod:`errspec._yamlfast` read
    into ``data``; :meth:`locate` raises :class:`Doubt` where it cannot be sure."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw
        self._lock = threading.Lock()
        self._lines = Lines(raw)
        #: (offset, column) of a container's first key or item -> what is known of it
        self._mappings: dict[int, _Mapping] = {}
        self._sequences: dict[int, list[int]] = {}
        self._patterns: dict[tuple[str, int], re.Pattern[bytes]] = {}
        self._first: int | None = None

    # --- lines and columns ------------------------------------------------------------

    def position(self, offset: int) -> tuple[int, int]:
        return self._lines.position(offset)

    def _column(self, offset: int) -> int:
        return offset - (self._raw.rfind(b"\n", 0, offset) + 1)

    def _pattern(self, kind: str, column: int) -> re.Pattern[bytes]:
        pattern = self._patterns.get((kind, column))
        if pattern is None:
            if kind == "key":  # a line starting at the column (not a comment)
                source = rb"\n {%d}(?=[^ \n#])" % column
            else:  # a line starting left of the column or at it
                source = rb"\n {0,%d}(?=[^ \n#])" % column
            pattern = self._patterns[kind, column] = re.compile(source)
        return pattern

    # --- the root and the walk ----------------------------------------------------------

    def root(self) -> tuple[int, int]:
        return self.position(self._first_node())

    def _first_node(self) -> int:
        if self._first is None:
            self._first = self._find_first_node()
        return self._first

    def _find_first_node(self) -> int:
        raw = self._raw
        if raw[:1] not in (b" ", b"\n", b"#"):
            at = 0
        else:
            match = _LINE_CONTENT.search(raw)
            if match is None:
                raise Doubt("no node")
            at = match.end()
        if raw.startswith(b"---", at) and raw[at + 3 : at + 4] in (b"\n", b""):
            match = _LINE_CONTENT.search(raw, at + 3)
            if match is None:
                raise Doubt("no node")
            at = match.end()
        if raw[at : at + 1] in (b"[", b"{", b"-", b"?", b"&", b"!", b"%", b"."):
            raise Doubt("not a plain block mapping at the root")
        return at

    def locate(self, data: Any, segments: tuple[str, ...]) -> tuple[int, int] | None:
        with self._lock:
            node = data
            at = self._first_node()  # where the current container's first key/item is
            found = at
            after_key = False  # whether `found` is a key (its value starts after it)
            for segment in segments:
                if type(node) not in (dict, list):
                    return None
                if after_key and node:
                    at = self._value_start(found, type(node) is list)
                if type(node) is dict:
                    if segment not in node:
                        return None
                    found = self._mapping(at, node).keys[segment]
                    node = node[segment]
                    after_key = True
                else:
                    ordinal = array_index(segment, node)
                    if ordinal is None:
                        return None
                    found = at = self._item_start(self._sequence(at, node)[ordinal])
                    node = node[ordinal]
                    after_key = False
            return self.position(found)

    # --- mappings -----------------------------------------------------------------------

    def _mapping(self, at: int, mapping: dict[str, Any]) -> _Mapping:
        known = self._mappings.get(at)
        if known is not None:
            return known
        raw = self._raw
        column = self._column(at)
        end = len(raw)
        if column:
            ends = self._pattern("end", column - 1).search(raw, at)
            if ends is not None:
                end = ends.start()
        starts = [at]
        for match in self._pattern("key", column).finditer(raw, at, end):
            start = match.end()
            if raw[start] == 0x2D and raw[start + 1 : start + 2] in (b" ", b"\n"):
                continue  # an item of a sequence written at the mapping's column
            if column == 0 and raw.startswith((b"---", b"..."), start):
                end = start
                break
            starts.append(start)
        starts = [s for s in starts if s < end]
        keys = list(mapping)
        if len(starts) != len(keys):
            raise Doubt(f"{len(starts)} key lines for {len(keys)} keys")
        offsets: dict[str, int] = {}
        for start, key in zip(starts, keys, strict=True):
            if self._key_text(start) != key:
                raise Doubt(f"a key line does not spell {key!r}")
            offsets[key] = start
        known = self._mappings[at] = _Mapping(offsets)
        return known

    def _key_text(self, start: int) -> str:
        raw = self._raw
        first = raw[start : start + 1]
        if first in (b"'", b'"'):
            close = _closing_quote(raw, start)
            if close < 0 or not _is_colon_after(raw, close + 1):
                raise Doubt("not a quoted key")
            inner = raw[start + 1 : close]
            if first == b'"':
                if b"\\" in inner:
                    raise Doubt("a key with escapes")
                return inner.decode()
            return inner.decode().replace("''", "'")
        match = _KEY_END.search(raw, start)
        if match is None or raw[match.start()] != 0x3A:
            raise Doubt("not a key line")
        return raw[start : match.start()].rstrip(b" ").decode()

    def _value_start(self, key: int, sequence: bool) -> int:
        """Where the block container that is the value of the key at ``key`` starts: its
        first key, or its first item's ``-``."""
        raw = self._raw
        colon = self._colon(key)
        if _BARE.match(raw, colon + 1) is None:
            raise Doubt("a container on the key's line (flow, or after a tag)")
        match = _LINE_CONTENT.search(raw, colon + 1)
        if match is None:
            raise Doubt("no value")
        at = match.end()
        column = len(match.group(1))
        key_column = self._column(key)
        dash = raw[at] == 0x2D and raw[at + 1 : at + 2] in (b" ", b"\n")
        if column > key_column or (column == key_column and sequence and dash):
            if sequence != dash:
                raise Doubt("not the container the tree has")
            return at
        raise Doubt("no block container where the tree has one")

    def _colon(self, key: int) -> int:
        raw = self._raw
        first = raw[key : key + 1]
        if first in (b"'", b'"'):  # _key_text read it: closed, then a colon
            return raw.index(b":", _closing_quote(raw, key) + 1)
        match = _KEY_END.search(raw, key)
        if match is None:  # pragma: no cover - _key_text read this line as a key
            raise Doubt("not a key line")
        return match.start()

    # --- sequences ----------------------------------------------------------------------

    def _sequence(self, at: int, items: list[Any]) -> list[int]:
        known = self._sequences.get(at)
        if known is not None:
            return known
        raw = self._raw
        if raw[at] != 0x2D:
            raise Doubt("not a block sequence")
        column = self._column(at)
        dashes = [at]
        for match in self._pattern("end", column).finditer(raw, at):
            start = match.end()
            if (
                self._column(start) == column
                and raw[start] == 0x2D
                and raw[start + 1 : start + 2] in (b" ", b"\n")
            ):
                dashes.append(start)
                continue
            break
        if len(dashes) != len(items):
            raise Doubt(f"{len(dashes)} items for {len(items)}")
        self._sequences[at] = dashes
        return dashes

    def _item_start(self, dash: int) -> int:
        """The first character of the item whose ``-`` is at ``dash``."""
        raw = self._raw
        at = dash + 1
        while raw[at : at + 1] == b" ":
            at += 1
        if raw[at : at + 1] in (b"\n", b"#", b""):
            raise Doubt("an item starting on the next line")
        if raw[at : at + 1] in (b"[", b"{", b"*", b"!", b"?"):
            raise Doubt("a flow collection, alias, tag or explicit key as an item")
        return at


def _closing_quote(raw: bytes, start: int) -> int:
    """The offset of the quote that closes the quoted scalar starting at ``start`` (``''``
    inside single quotes is a quote, not the end), or -1."""
    quote = raw[start : start + 1]
    close = raw.find(quote, start + 1)
    while quote == b"'" and close >= 0 and raw[close + 1 : close + 2] == b"'":
        close = raw.find(quote, close + 2)
    return close


def _is_colon_after(raw: bytes, at: int) -> bool:
    """A ``:`` after optional spaces at ``at``, followed by a space or the line's end."""
    while raw[at : at + 1] == b" ":
        at += 1
    return raw[at : at + 1] == b":" and raw[at + 1 : at + 2] in (b" ", b"\n", b"")
