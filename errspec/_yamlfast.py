"""YAML read by yaml-rs where it gives exactly the tree errspec's strict reader gives.

errspec's strict YAML reader (:mod:`errspec._yamlstrict`: libyaml's event stream and a tree
builder in Python) spends most of its time creating one Python event and two marks per
node: ~0.9 s for GitHub's REST description as YAML (9.9 MB), where yaml-rs (Rust, built on
saphyr) builds the tree in ~0.2 s. :func:`fast_yaml` vouches for yaml-rs's tree or returns
``None``, and the caller then reads the text with the strict reader, which says what is
wrong, as it always has. The measurements and the other candidates: bench/LOADING.md.

What yaml-rs must never see, refused first: a text whose node count, bounded from its
bytes (:func:`_node_bound`), is over the limit (yaml-rs aborts the process when an
allocation fails), and lines indented (spaces, ``-``, ``?``, ``:``) 256 columns or more
(it recurses once per level: ~520 levels can reach it, and it refuses 256 nested flow
collections itself). It then reads in a thread of its own (:class:`_Parse`) with an 8 MiB
stack, whatever thread errspec runs in, while the rest is checked:

- **What yaml-rs reads otherwise**, refused from the text (:func:`_plain_text`): control
  characters, tab, CR, YAML 1.1's extra line breaks (NEL, LS, PS), a BOM inside the text,
  U+FFFE/U+FFFF, directives, merge keys (``<<:``), and tags (it drops ``!!binary`` and
  ``!foo`` silently), explicit keys and anchors (it reads an alias inside its own anchor
  as null) where a node could start (:class:`_Text`: an over-approximation from the text
  alone, inside block and quoted scalars too, never fewer places than YAML has). It is
  told to expand no alias: with no anchor, an alias is its error.
- **YAML 1.1 against 1.2**: yaml-rs reads YAML 1.2 (``0777`` is 777, ``yes`` a string,
  ``1e5`` a float, ``200:`` an integer key), errspec YAML 1.1 as PyYAML's ``SafeLoader``
  does, keys kept as spelled. A plain scalar's reading depends on its text alone, and
  every one either schema could read as other than a string starts like a number
  (``-+._0-9~``) or is a boolean or null word. :func:`_candidates` lists every such
  whitespace-free word of the text (split at flow indicators and ``:``); each is read by
  both readers, once per process (:func:`_suspects`). A word read apart matters only if
  yaml-rs's reading is in its tree (found in :func:`_within`'s walk) and the word stands
  whole where a node could start (:meth:`_Text.standing`): then a number is corrected in
  the tree if no other word reads to it (:func:`_patches`), anything else refuses the
  text. Keys yaml-rs read as numbers or booleans are made strings, and checked the same
  way against their spelling (:func:`_keys_agree`).
- **After**: duplicate keys are yaml-rs errors; a second document makes it return a list;
  depth, node count and JSON types are checked on the tree, level by level.

The checks are bounded: each looks at no more than 32 bytes per byte of text in all
(:class:`_TooCostly`), so a hostile text costs linear time here before the strict reader
reads it. A Rust panic is a ``BaseException``, caught like any other error.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import is_
from typing import Any, cast

import yaml_rs as _yaml_rs

__all__ = ["fast_yaml"]

#: Printable ASCII and the line feed: what is left after removing them is non-ASCII (UTF-8
#: sequences, checked below) or a control character (refused, tab and CR among them).
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\n"
_NON_ASCII = bytes(range(0x80, 0x100))
#: Characters YAML 1.1 (libyaml) and yaml-rs read differently, in UTF-8: LS and PS (line
#: breaks in 1.1), a byte order mark inside the text, U+FFFE and U+FFFF; and the C1
#: controls (NEL among them, a line break in 1.1), :data:`_C1`.
_REFUSED_CHARS = (
    b"\xe2\x80\xa8",
    b"\xe2\x80\xa9",
    b"\xef\xbb\xbf",
    b"\xef\xbf\xbe",
    b"\xef\xbf\xbf",
)
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
#: Constructs refused wherever they are (no need to know where nodes start): a merge key,
#: a directive, and lines indented (spaces and block indicators) 256 columns or more.
_MERGE = re.compile(rb"<<[ ]*:")
_DEEP = re.compile(rb"\n[ ?:-]{256}")
#: A tag, an explicit key (``? ``) and an anchor, where the character before could put it
#: at a node (an expression each, starting with its character: one would scan far
#: slower). No anchor, no alias: yaml-rs refuses an alias to an unknown anchor (but reads
#: an alias inside its own anchor as null, so aliases cannot be left to it).
_INDICATORS = (
    re.compile(rb"!(?<=[\n \[{,]!)"),
    re.compile(rb"\?(?<=[\n \[{,]\?)(?=[ \n])"),
    re.compile(rb"&(?<=[\n \[{,]&)(?=[^ \n])"),
)
#: The start of a flow collection, where the character before could put it at a node.
_BRACKET = re.compile(rb"[\[{](?<=[\n :,\[{\"'][\[{])")
#: A quoted string on one line (for the bracket count of a one-line flow collection).
_QUOTED = re.compile(rb""""(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'""")

#: A line's start up to a node: indentation, a document start and block indicators (group
#: 1), maybe an anchor.
_LINE_NODE = re.compile(rb"[ ]*((?:---[ ]+)?(?:[-?:][ ]+)*)(?:&[^ \n]+[ ]+)?")
#: A line after which the next line can start a value: it ends with a block indicator or
#: a flow one, maybe followed by an anchor (or it has a comment: not looked into).
_OPENS = re.compile(rb"(?::|(?:^|[ ])[?-])(?:[ ]+&[^ \n]+)?[ ]*\Z| #")
#: How a plain scalar that either reader might read as other than a string starts; the
#: module docstring says why every such scalar starts so (checked by the tests).
_RISKY_START = frozenset(b"-+._0123456789~")
_RISKY_WORDS = frozenset(
    w.encode()
    for word in ("y", "n", "yes", "no", "on", "off", "true", "false", "null")
    for w in (word, word.capitalize(), word.upper())
)

_NO_ALIASES = _yaml_rs.AliasLimits(
    max_total_replayed_events=0, max_alias_expansions_per_anchor=0, max_replay_stack_depth=0
)
_JSON_TYPES = frozenset({dict, list, str, int, float, bool, type(None)})
_NOT_READ = object()
_NUMBER = frozenset({int, float})
_SCALAR = frozenset({str, int, float})


class _Reading:
    """How the two readers read one plain scalar value (or key): yaml-rs's value, errspec's,
    and whether they agree."""

    __slots__ = ("agree", "ours", "theirs")

    def __init__(self, theirs: Any, ours: Any, agree: bool) -> None:
        self.theirs = theirs
        self.ours = ours
        self.agree = agree


#: (token, is a key) -> its reading; shared by every load.
_READINGS: dict[tuple[bytes, bool], _Reading] = {}


def fast_yaml(
    raw: bytes, decoded: str, max_depth: int, max_nodes: int, plain: Callable[[str], Any]
) -> dict[str, Any] | None:
    """The YAML document in ``raw`` (``decoded`` its decoded form) read by yaml-rs, or
    ``None`` when the strict reader must read it. ``plain`` is the strict reader's reading
    of a plain scalar value (it may raise ``ValueError``)."""
    # What yaml-rs must never see (it would abort or overflow its stack) is refused first;
    # everything else is checked while it reads.
    if _node_bound(raw) > max_nodes or _DEEP.search(raw):
        return None
    parse = _Parse(decoded)
    text = _Text(raw)
    try:
        suspects = _suspects(text, plain) if _plain_text(raw) else None
    except (_TooCostly, RecursionError):  # a hostile text: the strict reader reads it
        suspects = None
    if suspects is None:
        return None  # (yaml-rs finishes in the background; what it reads is dropped)
    data = parse.result()
    if type(data) is not dict:
        return None
    walk = _within(data, max_depth, max_nodes, suspects)
    if walk is None:
        return None
    try:
        if walk.keys and not _keys_agree(text, plain, walk.keys):
            return None
        patches = _patches(text, suspects, walk)
    except (_TooCostly, RecursionError):
        return None
    if patches is None:
        return None
    for dicts, lists, read, at in walk.levels:
        if not read.isdisjoint(patches):
            _correct(dicts, lists, at, patches)
    return data


class _Parse:
    """yaml-rs reading a text in a thread of its own, with a stack of :data:`_STACK` bytes
    whatever thread errspec runs in (yaml-rs recurses once per level: a thread with a
    small stack, 128 KiB under musl, would overflow at depths the checks let through).
    Most of yaml-rs's work runs without the GIL, so the words are checked meanwhile: on two
    cores the checks cost almost no wall time. :meth:`result` is ``None`` if yaml-rs
    failed (or no such thread could be started)."""

    def __init__(self, decoded: str) -> None:
        self._decoded = decoded
        self._data: Any = None
        self._thread: threading.Thread | None = None
        try:
            previous = threading.stack_size(_STACK)
        except (ValueError, RuntimeError):  # pragma: no cover - no control of stacks here
            return
        try:
            thread = threading.Thread(target=self._run, name="errspec-yaml", daemon=True)
            thread.start()
            self._thread = thread
        except RuntimeError:  # pragma: no cover - no thread could be started
            pass
        finally:
            threading.stack_size(previous)

    def _run(self) -> None:
        try:
            self._data = _yaml_rs.loads(
                self._decoded,
                parse_datetime=False,
                alias_limits=_NO_ALIASES,
                duplicate_key_policy=_yaml_rs.DuplicateKeyPolicy.Error,
            )
        except BaseException:
            self._data = None

    def result(self) -> Any:
        if self._thread is None:
            return None
        self._thread.join()
        return self._data


#: The stack of yaml-rs's thread: ~500 bytes a level, and the checks let ~520 levels
#: through (flow collections included: yaml-rs refuses 256 nested ones itself).
_STACK = 8 * 1024 * 1024


def _node_bound(raw: bytes) -> int:
    """At least the number of nodes in the text, counted from its bytes alone: every node
    but the root is a key (before a ``:``, or an entry of a flow mapping, after a ``,`` or
    ``{``) or a value (after a key's ``:``, a ``-``, a ``[`` or a ``,``). yaml-rs must never
    see a text over the node limit: it aborts the process when memory runs out."""
    skeleton = raw.translate(None, _NOT_COUNTED)
    flow = skeleton.count(b",") + skeleton.count(b"[") + skeleton.count(b"{")
    return 1 + 2 * (skeleton.count(b":") + flow) + skeleton.count(b"-")


_NOT_COUNTED = bytes(b for b in range(256) if b not in b":,[{-")


def _plain_text(raw: bytes) -> bool:
    """No character, construct or tag yaml-rs could read otherwise than libyaml."""
    rest = raw.translate(None, _PRINTABLE)  # each non-ASCII character's bytes, in order
    if rest.translate(None, _NON_ASCII):
        return False  # a control character, a tab or a carriage return
    if rest and (any(char in rest for char in _REFUSED_CHARS) or _C1.search(rest)):
        return False
    if raw.startswith((b"%", b"!", b"? ")) or b"\n%" in raw:
        return False
    if b"<<" in raw and _MERGE.search(raw):
        return False
    text = _Text(raw, flows=True)  # every ',' counts: a tag is refused even in prose
    return not any(
        text.at_node(m.start()) for pattern in _INDICATORS for m in pattern.finditer(raw)
    )


class _TooCostly(Exception):
    """The checks would look at more of the text than a linear bound allows."""


class _Text:
    """Where in a YAML text a node could start, over-approximated from the text alone:
    more places than YAML allows (inside a quoted or block scalar too), never fewer."""

    def __init__(self, raw: bytes, flows: bool | None = None) -> None:
        self.raw = raw
        #: Whether a flow collection might span lines (then every ``,`` may separate two
        #: of its items); found on first need.
        self.flows = flows
        #: Bytes the checks may still look at: a hostile text (long lines full of
        #: candidates) gets the strict reader, not quadratic time here.
        self.budget = 32 * len(raw) + 10_000_000

    def spend(self, size: int) -> None:
        self.budget -= size
        if self.budget < 0:
            raise _TooCostly

    def at_node(self, at: int, *, value: bool = False) -> bool:
        """Whether a node could start at offset ``at``: after a line's indentation and
        block indicators, after ``: ``, after a ``[``/``{`` that could itself start a node,
        or after a ``,`` inside a flow collection. A ``value`` (not a key, not a tag) at the
        very start of a line, after its indentation only, can only follow a line that ends
        with an indicator (``key:``, ``-``...) or continues a flow collection: otherwise
        the line continues a multi-line scalar."""
        raw = self.raw
        while True:  # from a node to the '[' or '{' before it, while there is one
            start = raw.rfind(b"\n", 0, at) + 1
            self.spend(at - start)
            prefix = raw[start:at]
            line = _LINE_NODE.fullmatch(prefix)
            if line is not None:
                return not value or bool(line.group(1)) or self._follows_indicator(start)
            where = _indicator_before(prefix)
            if where < 0:
                return False
            char = prefix[where : where + 1]
            if char == b":":
                return True
            if char == b",":
                break
            at, value = start + where, True
        if self._flows():
            return True
        for bracket in (b"[", b"{"):  # a ',' of a flow collection opened on this line
            end = where
            while (end := prefix.rfind(bracket, 0, end)) >= 0:
                if self.at_node(start + end, value=True):
                    return True
        return False

    def _flows(self) -> bool:
        if self.flows is None:
            self.flows = False  # while looking (at_node on a bracket needs no ',')
            raw = self.raw
            self.flows = (raw[:1] in (b"[", b"{") and not _one_line_flow(self, 0)) or any(
                not _one_line_flow(self, m.start())
                for m in _BRACKET.finditer(raw)
                if self.at_node(m.start(), value=True)
            )
        return self.flows

    def _follows_indicator(self, start: int) -> bool:
        """Whether the last line before ``start`` that is neither blank nor a comment could
        be followed by a value on a line of its own (or there is none)."""
        raw = self.raw
        end = start - 1
        while end >= 0:
            line_start = raw.rfind(b"\n", 0, end) + 1
            self.spend(end - line_start + 1)
            line = raw[line_start:end]
            text = line.lstrip(b" ")
            if text and not text.startswith(b"#"):
                if _OPENS.search(line) is not None:
                    return True
                return self._flows() and line.rstrip(b" ")[-1:] in b"[{,"
            end = line_start - 1
        return True

    def standing(self, token: bytes, kind: str) -> bool:
        """Whether ``token`` stands whole somewhere a node could start: as a ``"value"``,
        a ``"key"`` (followed by ``:``) or a ``"flow key"`` (an entry of a flow mapping with
        no ``:``, followed by ``,`` or ``}``)."""
        end = _ENDS[kind]
        escaped = re.escape(token)
        before = rb"[\n {,]" if kind == "flow key" else rb"[\n \[{,:]"
        pattern = escaped + rb"(?<=" + before + escaped + rb")(?=" + end + rb")"
        raw = self.raw
        self.spend(len(raw))
        return any(
            self.at_node(m.start(), value=kind != "key")
            and (kind != "flow key" or _after_flow_indicator(raw, m.start()))
            for m in re.finditer(pattern, raw)
        ) or (raw.startswith(token) and re.match(escaped + end, raw) is not None)


def _after_flow_indicator(raw: bytes, at: int) -> bool:
    """Whether only spaces stand between ``at`` and a ``{`` or ``,`` before it on its line,
    or the line's start."""
    start = raw.rfind(b"\n", 0, at) + 1
    before = raw[start:at].rstrip(b" ")
    return not before or before[-1:] in (b"{", b",")


_ENDS = {
    "value": rb"[ ]*(?=[\n,\]}#]|:[ \n]|\Z)",
    "key": rb"[ ]*:(?=[ \n]|\Z)",
    "flow key": rb"[ ]*[,}]",
}


def _indicator_before(prefix: bytes) -> int:
    """The offset in ``prefix`` (a line's text before a node) of the indicator the node
    follows: a ``:`` then spaces, or a ``[``, ``{`` or ``,`` then maybe spaces, each maybe
    followed by an anchor (``&name``) and spaces; -1 if there is none. The leftmost reading
    wins, as a regular expression search would have it; only the line's end is read."""
    bare = prefix.rstrip(b" ")
    if len(bare) < len(prefix):  # maybe an anchor before the node
        word = bare.rfind(b" ") + 1
        amp = bare.find(b"&", word)
        while 0 <= amp < len(bare) - 1:
            found = _indicator_at_end(bare[:amp])
            if found >= 0:
                return found
            amp = bare.find(b"&", amp + 1)
    return _indicator_at_end(prefix)


def _indicator_at_end(prefix: bytes) -> int:
    bare = prefix.rstrip(b" ")
    last = len(bare) - 1
    char = bare[last:]
    if char in (b"[", b"{", b","):
        return last
    if char == b":" and len(bare) < len(prefix):
        return last
    return -1


def _one_line_flow(text: _Text, at: int) -> bool:
    """Whether the flow collection opening at ``at`` surely closes on the same line."""
    raw = text.raw
    end = raw.find(b"\n", at)
    line = raw[at : len(raw) if end < 0 else end]
    text.spend(len(line))
    depth = 0
    i = 0
    while i < len(line):
        char = line[i]
        if char in b"[{":
            depth += 1
        elif char in b"]}":
            depth -= 1
            if depth == 0:
                return True
        elif char in b"'\"":
            quoted = _QUOTED.match(line, i)
            if quoted is None:
                return False
            i = quoted.end()
            continue
        elif char == ord("#"):
            return False
        i += 1
    return False


class _Suspects:
    """The candidate words the two readers read apart, by yaml-rs's reading: a string, or
    a number (with the words and errspec's readings), and how many candidates read to each
    number (another word reading to the same number makes a correction impossible)."""

    __slots__ = ("numbers", "readings", "strings")

    def __init__(self) -> None:
        self.strings: dict[str, bytes] = {}
        self.numbers: dict[tuple[type, Any], list[tuple[bytes, Any]]] = {}
        self.readings: dict[tuple[type, Any], int] = {}


def _suspects(text: _Text, plain: Callable[[str], Any]) -> _Suspects | None:
    """The value candidates (:func:`_candidates`) the two readers read apart (each read
    once per process: the readings are kept), or ``None`` when one of them, standing where
    a node could start, is read by yaml-rs as neither a string nor a number."""
    values, _ = _candidates(text.raw)
    readings = _READINGS
    _read_all([token for token in values if (token, False) not in readings], plain)
    suspects = _Suspects()
    counts = suspects.readings
    for token in values:
        reading = readings.get((token, False))
        if reading is None:
            reading = readings[token, False] = _read(token.decode(), False, plain)
        theirs = reading.theirs
        kind = type(theirs)
        if kind is int or kind is float:
            counts[kind, theirs] = counts.get((kind, theirs), 0) + 1
        if reading.agree:
            continue
        if kind is str:
            suspects.strings[theirs] = token
        elif (kind is int or kind is float) and theirs == theirs:
            suspects.numbers.setdefault((kind, theirs), []).append((token, reading.ours))
        elif text.standing(token, "value"):
            return None
    return suspects


def _patches(text: _Text, suspects: _Suspects, walk: _Walk) -> dict[tuple[type, Any], Any] | None:
    """What to correct in yaml-rs's tree, or ``None`` when the text must go to the strict
    reader.

    A disagreement matters only if yaml-rs's reading is in its tree and the word stands
    whole where a node could start (:meth:`_Text.standing`). Then a word yaml-rs reads as
    a string refuses the text (a quoted scalar could give the same string). A word it
    reads as a number that no other candidate reads to can be corrected: every such
    number in its tree comes from that word, a number coming only from a plain scalar,
    and is replaced by errspec's reading.
    """
    for string in walk.strings:
        if text.standing(suspects.strings[string], "value"):
            return None
    patches: dict[tuple[type, Any], Any] = {}
    for read in walk.numbers:
        for token, ours in suspects.numbers.get(read, ()):
            if text.standing(token, "value"):
                if suspects.readings[read] > 1 or read in patches:
                    return None  # another word reads to the same number
                patches[read] = ours
    return patches


def _keys_agree(text: _Text, plain: Callable[[str], Any], found: set[Any]) -> bool:
    """Every key yaml-rs read as other than a string (``found``: those of its tree) spelled
    as errspec spells it (:func:`_key`). A candidate word matters only if yaml-rs reads it,
    as a key, to one of those and spells it otherwise, and it stands where a key could:
    before a ``:``, or alone in a flow mapping (in a text with a ``{``)."""
    values, keys = _candidates(text.raw)
    flow = b"{" in text.raw
    for token in values | keys:
        reading = _READINGS.get((token, True))
        if reading is None:
            reading = _READINGS[token, True] = _read(token.decode(), True, plain)
        if reading.agree or reading.theirs not in found:
            continue
        if text.standing(token, "key") or (flow and text.standing(token, "flow key")):
            return False
    return True


def _candidates(raw: bytes) -> tuple[set[bytes], set[bytes]]:
    """The plain scalars (values, keys) either reader might read as other than a string,
    and more: the text's whitespace-free words, split at flow indicators, and their parts
    between ``:``, a final ``:`` marking a key; those that start like a number, or are a
    word YAML 1.1 or 1.2 reads as a boolean or null. Made of C-level passes over the
    distinct words, then one test per distinct piece."""
    words = _words(raw)
    pieces = set(b" ".join(words).translate(_FLOW_TO_SPACE).split())
    parts = set(b" ".join(pieces).replace(b":", b" ").split())
    risky_start, risky_words = _RISKY_START, _RISKY_WORDS
    values = {
        p
        for p in chain(pieces, parts)
        if (p[0] in risky_start or p in risky_words) and p[-1] != _COLON
    }
    values.discard(b"-")  # an indicator; yaml-rs refuses a plain "-" where it is not
    keys = {
        p[:-1]
        for p in pieces
        if p[-1] == _COLON and len(p) > 1 and (p[0] in risky_start or p[:-1] in risky_words)
    }
    return values, keys


def _words(raw: bytes) -> set[bytes]:
    """The text's distinct whitespace-free words (``set(raw.split())``), split a block of
    lines at a time: a list of every word of a 10 MB text holds a million objects (~30
    MiB) at once, while yaml-rs builds its tree beside it."""
    words: set[bytes] = set()
    start, size = 0, len(raw)
    while start < size:
        end = raw.find(b"\n", start + _WORDS_BLOCK)  # cut at whitespace: no word split
        if end < 0:
            end = size
        words.update(raw[start:end].split())
        start = end
    return words


#: Bytes of text split at a time by :func:`_words`.
_WORDS_BLOCK = 1 << 18
_COLON = ord(":")
_FLOW_TO_SPACE = bytes.maketrans(b"[]{},", b"     ")


def _read_all(tokens: list[bytes], plain: Callable[[str], Any]) -> None:
    """Each value candidate not read yet, read by yaml-rs in one call (a sequence of them)
    where it can; one by one where that call fails."""
    if len(tokens) < 8:
        return
    try:
        theirs = _yaml_rs.loads(
            "".join(f"- {token.decode()}\n" for token in tokens), parse_datetime=False
        )
    except (KeyboardInterrupt, SystemExit):  # pragma: no cover
        raise
    except BaseException:
        return
    if type(theirs) is not list or len(theirs) != len(tokens):
        return
    for token, their in zip(tokens, theirs, strict=True):
        _READINGS[token, False] = _compare(their, token.decode(), plain)


def _compare(theirs: Any, token: str, plain: Callable[[str], Any]) -> _Reading:
    """The reading of a value: yaml-rs's (``theirs``) against errspec's."""
    try:
        ours = plain(token)
    except ValueError:  # e.g. more digits than int() reads
        return _Reading(_NOT_READ, None, False)
    if type(theirs) in (list, dict):
        return _Reading(_NOT_READ, ours, False)
    if type(theirs) is not type(ours):
        return _Reading(theirs, ours, False)
    if type(ours) is float and math.isnan(ours):
        return _Reading(theirs, ours, math.isnan(theirs))
    return _Reading(theirs, ours, bool(theirs == ours))


def _read(token: str, key: bool, plain: Callable[[str], Any]) -> _Reading:
    """How yaml-rs and errspec read the plain scalar ``token`` (as a key when ``key``)."""
    try:
        if key:
            (found,) = _yaml_rs.loads(f"{token}: 0\n", parse_datetime=False)
            return _Reading(found, token, _key(found) == token)
        theirs = cast(dict[str, Any], _yaml_rs.loads(f"k: {token}\n", parse_datetime=False))["k"]
    except (KeyboardInterrupt, SystemExit):  # pragma: no cover
        raise
    except BaseException:
        return _Reading(_NOT_READ, None, False)
    return _compare(theirs, token, plain)


def _key(found: Any) -> str | None:
    """A key as errspec spells it, from the key yaml-rs read: a number's or a boolean's
    usual spelling (:func:`_patches` accepts it only where the text spelled it so); a null
    key has no spelling to choose."""
    kind = type(found)
    if kind is str:
        return cast(str, found)
    if kind is bool:
        return "true" if found else "false"
    if kind is int:
        return str(found)
    if kind is float and math.isfinite(found):
        return repr(found)
    return None  # null, or a float set apart from equality (NaN) or spelled many ways


class _Walk:
    """What :func:`_within` found: the keys yaml-rs read as numbers or booleans (made
    strings), which suspect strings and numbers the tree holds, and the levels
    holding suspect numbers (their containers, to correct in place)."""

    __slots__ = ("keys", "levels", "numbers", "strings")

    def __init__(self) -> None:
        self.keys: set[Any] = set()
        self.strings: set[str] = set()
        self.numbers: set[tuple[type, Any]] = set()
        #: (mappings, sequences, the suspect numbers among their values, where these are in
        #: the level's values, mappings' first) for the levels holding some
        self.levels: list[
            tuple[list[dict[str, Any]], list[list[Any]], set[tuple[type, Any]], list[int]]
        ] = []


def _within(
    data: dict[str, Any], max_depth: int, max_nodes: int, suspects: _Suspects
) -> _Walk | None:
    """Depth and node count within the limits, keys made strings, only JSON types, and the
    suspects the tree holds; ``None`` when the tree is refused. A level-by-level walk made
    of C-level iterator calls, Python code running only for a level with a key yaml-rs read
    as a number or boolean."""
    walk = _Walk()
    strings = set(suspects.strings)
    wanted = strings | {value for _, value in suspects.numbers}
    dicts: list[Any] = [data]
    lists: list[Any] = []
    depth = 0
    nodes = 1
    while dicts or lists:
        depth += 1
        if depth > max_depth:
            return None
        keys_are_strings = all(map(is_, map(type, chain.from_iterable(dicts)), repeat(str)))
        if not keys_are_strings and not _string_keys(dicts, walk.keys):
            return None
        values = list(
            chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists))
        )
        nodes += sum(map(len, dicts)) + len(values)
        if nodes > max_nodes:
            return None
        types = list(map(type, values))
        if not _JSON_TYPES.issuperset(types):
            return None
        if wanted:
            found = wanted.intersection(compress(values, map(_SCALAR.__contains__, types)))
            if found:
                walk.strings.update(found.intersection(strings))
                read = {(kind, value) for kind, value in suspects.numbers if value in found}
                if read:
                    walk.numbers.update(read)
                    numbers = {value for _, value in read}
                    at = [
                        i
                        for i in compress(count(), map(_NUMBER.__contains__, types))
                        if values[i] in numbers
                    ]
                    walk.levels.append((dicts, lists, read, at))
        dicts = list(compress(values, map(is_, types, repeat(dict))))
        lists = list(compress(values, map(is_, types, repeat(list))))
    return walk


def _correct(
    dicts: list[dict[str, Any]],
    lists: list[list[Any]],
    at: list[int],
    patches: dict[tuple[type, Any], Any],
) -> None:
    """The values at positions ``at`` of one level (its mappings' values, then its
    sequences' items, in order) that :func:`_patches` corrects, replaced in place."""
    ends = list(accumulate(map(len, dicts)))
    items = ends[-1] if ends else 0
    list_ends = list(accumulate(map(len, lists)))
    for position in at:
        if position < items:
            which = bisect_right(ends, position)
            mapping = dicts[which]
            key = next(islice(mapping, position - (ends[which - 1] if which else 0), None))
            value = mapping[key]
            fix = patches.get((type(value), value), _NOT_READ)
            if fix is not _NOT_READ:
                mapping[key] = fix
        else:
            position -= items
            which = bisect_right(list_ends, position)
            sequence = lists[which]
            offset = position - (list_ends[which - 1] if which else 0)
            fix = patches.get((type(sequence[offset]), sequence[offset]), _NOT_READ)
            if fix is not _NOT_READ:
                sequence[offset] = fix


def _string_keys(dicts: list[dict[Any, Any]], found: set[Any]) -> bool:
    """Each mapping's number and boolean keys made strings in place, order kept, and added
    to ``found``; ``False`` when a key has no spelling (null) or two keys become one."""
    for mapping in dicts:
        if all(type(k) is str for k in mapping):
            continue
        pairs = list(mapping.items())
        mapping.clear()
        for key, value in pairs:
            spelled = _key(key)
            if spelled is None:
                return False
            if spelled is not key:
                found.add(key)
            mapping[spelled] = value
        if len(mapping) != len(pairs):
            return False
    return True
