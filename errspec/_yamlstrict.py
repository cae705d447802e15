"""errspec's strict YAML reader: libyaml's event stream (PyYAML's ``CSafeLoader``, the
pure-Python parser when libyaml is missing) feeds a small iterative tree builder that
records each key's and item's line and column as it goes.

:mod:`errspec._specload` uses it for what the fast path (:mod:`errspec._yamlfast`) leaves
to it (tags, anchors and aliases, merge keys, explicit keys...) and for positions the
line scan cannot be sure of; the semantics, and how they differ from PyYAML's
``SafeLoader``, are described there. It is imported only then, so that a lint of a spec
the fast path reads never imports PyYAML (~14 ms of start-up).

PyYAML's own ``compose``/``construct`` is skipped: it builds a node graph and resolves
every scalar in Python, several times slower. The builder is one loop over the events,
a state machine in local variables: a plain scalar and a plain key are handled in the
loop; the rest is in helpers beside it, each called once per container or per scalar
that needs it: a quoted or tagged scalar (:func:`_explicit`), a number (:func:`_number`),
a special key (:func:`_special_key`), what may not open (:func:`_opening_problem`), a
closed container (:func:`_closed`, :func:`_merge`), an alias (:func:`_expanded`,
:func:`_within_limits`).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from typing import Any

import yaml

from ._index import Index, unpack
from ._yamlscalars import (
    BOOL,
    CONSTANTS,
    FLOAT,
    INT,
    MAP,
    MERGE,
    NULL,
    NUMBER_START,
    SEQ,
    STR,
    number,
    short_tag,
    tagged,
)

__all__ = ["Unreadable", "YAMLIndex", "read"]

_CSafeLoader: type[Any] | None = getattr(yaml, "CSafeLoader", None)


class Unreadable(Exception):
    """The text is not a YAML document errspec reads: ``problem`` says why, at ``position``
    (1-based line and column) or at the byte ``offset``, when known."""

    def __init__(
        self, problem: str, position: tuple[int, int] | None = None, offset: int | None = None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.position = position
        self.offset = offset


class YAMLIndex(Index):
    """Positions recorded while building: for each container, keyed by ``id()``, a list
    holding the container itself (which keeps the id valid) and then one packed
    ``line << 32 | column`` (0-based) per key or item, in the container's order."""

    def __init__(self, children: dict[int, list[Any]], root: int) -> None:
        super().__init__()
        self._children = children
        self._root = root

    def root(self) -> tuple[int, int]:
        return unpack(self._root)

    def locate(self, data: Any, segments: tuple[str, ...]) -> tuple[int, int] | None:
        node = data
        packed = self._root
        for segment in segments:
            found = self.child(node, segment)
            if found is None:
                return None
            ordinal, child = found
            packed = self._children[id(node)][ordinal + 1]
            node = child
        return unpack(packed)


class _Anchor:
    __slots__ = ("depth", "nodes", "text", "value")

    def __init__(self, value: Any, nodes: int, depth: int, text: str | None) -> None:
        self.value = value
        self.nodes = nodes  # nodes in the anchored subtree, aliases expanded
        self.depth = depth  # its height: 0 for a scalar, 1 for a flat container
        self.text = text  # a scalar's source text (for use as a key)


class _MergeKey:
    """Stands for a ``<<`` merge key among a mapping's keys until the mapping is built."""

    def __repr__(self) -> str:  # pragma: no cover - never shown
        return "<<"


_MERGE_KEY: Any = _MergeKey()


class _Problem(Exception):
    """A problem at a packed position (:func:`read` makes it an :class:`Unreadable`)."""

    def __init__(self, packed: int, message: str) -> None:
        super().__init__(message)
        self.packed = packed
        self.message = message


def _pack(mark: Any) -> int:
    return int(mark.line) << 32 | int(mark.column)


_ROOT, _SEQUENCE, _KEY, _VALUE = 0, 1, 2, 3
#: The tags a mapping key may carry: the scalar tags a JSON key can come from.
_KEY_TAGS = (STR, INT, FLOAT, BOOL, NULL, "!")


def read(raw: bytes, max_depth: int, max_nodes: int) -> tuple[Any, Index]:
    """The tree of a YAML text and its positions; :class:`Unreadable` when it cannot be
    read (invalid YAML, a tag errspec refuses, a duplicate key, the limits...)."""
    loader = (_CSafeLoader or yaml.SafeLoader)(raw)
    try:
        return _build(loader.get_event, max_depth, max_nodes)
    except _Problem as exc:
        raise Unreadable(exc.message, unpack(exc.packed)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{problem} ({exc.context})"
        pos = (mark.line + 1, mark.column + 1) if mark is not None else None
        raise Unreadable(f"invalid YAML: {problem}", pos) from None
    except yaml.reader.ReaderError as exc:
        problem = f"invalid YAML: {exc.reason} (character #x{exc.character:04x})"
        raise Unreadable(problem, offset=exc.position) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every parser error carries a mark
        raise Unreadable("invalid YAML: " + " ".join(str(exc).split())) from None
    finally:
        loader.dispose()


def _build(get_event: Callable[[], Any], max_depth: int, max_nodes: int) -> tuple[Any, Index]:
    """The tree and its positions from a YAML event stream, without recursion."""
    scalar_event = yaml.ScalarEvent
    mapping_start = yaml.MappingStartEvent
    sequence_start = yaml.SequenceStartEvent
    alias_event = yaml.AliasEvent
    container_ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    constants_get = CONSTANTS.get
    number_start = NUMBER_START

    children: dict[int, list[Any]] = {}
    anchors: dict[str, _Anchor] = {}
    open_anchors: set[str] = set()
    stack: list[tuple[Any, ...]] = []
    # The container being filled: its items (key, value, key, value... for a mapping),
    # the packed positions of its keys or items (slot 0 is for the container), state.
    items: list[Any] = []
    marks: list[Any] = [None]
    state = _ROOT
    merge = False  # the current mapping has a `<<` key
    depth = 0  # containers open
    deepest = 0  # deepest level reached inside the innermost open anchored container
    nodes = 0
    root: Any = None
    root_mark = 0
    documents = 0

    while True:
        event = get_event()
        kind = event.__class__
        if kind is scalar_event:
            text = event.value
            mark = event.start_mark
            value: Any
            nodes += 1
            if nodes > max_nodes:
                raise _Problem(_pack(mark), f"more than {max_nodes} nodes")
            if state == _KEY:
                value = text
                if text == "<<" or not event.implicit[0]:
                    value = _special_key(event, merge)
                    merge = merge or value is _MERGE_KEY
                items.append(value)
                marks.append(mark.line << 32 | mark.column)
                state = _VALUE
            else:
                if not event.implicit[0]:
                    value = _explicit(event)
                else:
                    value = constants_get(text, text)
                    if value is text and text[0] in number_start:
                        value = _number(text, mark)
                if state == _VALUE:
                    items.append(value)
                    state = _KEY
                elif state == _SEQUENCE:
                    items.append(value)
                    marks.append(mark.line << 32 | mark.column)
                else:
                    root, root_mark = value, mark.line << 32 | mark.column
            if event.anchor is not None:
                anchors[event.anchor] = _Anchor(value, 1, 0, text)
        elif kind is mapping_start or kind is sequence_start:
            mark = event.start_mark
            packed = mark.line << 32 | mark.column
            mapping = kind is mapping_start
            nodes += 1
            depth += 1
            problem = _opening_problem(
                event.tag, mapping, state, nodes, depth, max_nodes, max_depth
            )
            if problem is not None:
                raise _Problem(packed, problem)
            if state == _SEQUENCE:
                marks.append(packed)
            elif state == _ROOT:
                root_mark = packed
            if depth > deepest:
                deepest = depth
            anchor = event.anchor
            stack.append((items, marks, state, merge, anchor, nodes, deepest))
            if anchor is not None:
                open_anchors.add(anchor)
                deepest = depth
            items, marks, merge = [], [None], False
            state = _KEY if mapping else _SEQUENCE
        elif kind in container_ends:
            container = _closed(items, marks, state == _SEQUENCE, merge, children)
            items, marks, state, merge, anchor, start_nodes, saved_deepest = stack.pop()
            if anchor is not None:
                open_anchors.discard(anchor)
                height = deepest - depth + 1
                anchors[anchor] = _Anchor(container, nodes - start_nodes + 1, height, None)
                deepest = max(deepest, saved_deepest)
            depth -= 1
            if state == _VALUE:
                items.append(container)
                state = _KEY
            elif state == _SEQUENCE:
                items.append(container)
            else:
                root = container
        elif kind is alias_event:
            mark = event.start_mark
            packed = mark.line << 32 | mark.column
            target = _expanded(event.anchor, anchors, open_anchors, packed)
            nodes += target.nodes
            _within_limits(target, event.anchor, nodes, depth, max_nodes, max_depth, packed)
            if depth + target.depth > deepest:
                deepest = depth + target.depth
            if state == _KEY:
                if target.text is None:
                    raise _Problem(packed, _NOT_A_KEY)
                items.append(target.text)
                marks.append(packed)
                state = _VALUE
            elif state == _VALUE:
                items.append(target.value)
                state = _KEY
            elif state == _SEQUENCE:
                items.append(target.value)
                marks.append(packed)
            else:
                root, root_mark = target.value, packed
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Problem(
                    _pack(event.start_mark), "a second YAML document in the same file (---)"
                )
        elif kind is yaml.StreamEndEvent:
            break
    return root, YAMLIndex(children, root_mark)


_NOT_A_KEY = "a mapping key must be a scalar, not a mapping or sequence"


def _number(text: str, mark: Any) -> Any:
    """A plain scalar value starting like a number, read as :func:`number` reads it."""
    try:
        return number(text)
    except ValueError as exc:  # e.g. more digits than int() accepts
        raise _Problem(_pack(mark), f"cannot read {text[:20]!r} as a number: {exc}") from None


def _explicit(event: Any) -> Any:
    """A scalar value that is quoted or tagged: its text, or what its tag makes of it (only
    the JSON-compatible tags)."""
    text, tag = event.value, event.tag
    if tag is None or tag == "!":
        return text
    try:
        return tagged(text, tag)
    except LookupError:
        problem = f"unsupported tag {short_tag(tag)}"
    except ValueError:
        problem = f"{text[:40]!r} is not a valid {short_tag(tag)}"
    raise _Problem(_pack(event.start_mark), problem)


def _opening_problem(
    tag: str | None,
    mapping: bool,
    state: int,
    nodes: int,
    depth: int,
    max_nodes: int,
    max_depth: int,
) -> str | None:
    """Why a mapping or sequence may not open here (``nodes`` and ``depth`` counting it),
    or None."""
    if tag is not None and tag != "!" and tag != (MAP if mapping else SEQ):
        return f"unsupported tag {short_tag(tag)}"
    if state == _KEY:
        return _NOT_A_KEY
    if nodes > max_nodes:
        return f"more than {max_nodes} nodes"
    if depth > max_depth:
        return f"nested more than {max_depth} levels deep"
    return None


def _closed(
    items: list[Any],
    marks: list[Any],
    sequence: bool,
    merge: bool,
    children: dict[int, list[Any]],
) -> Any:
    """The container whose items (for a mapping: key, value, key, value...) were read,
    its positions kept in ``children``."""
    container: Any
    if sequence:
        container = items
    elif merge:
        container, marks = _merge(items, marks, children)
    else:
        pairs = iter(items)
        container = dict(zip(pairs, pairs, strict=False))
        if 2 * len(container) != len(items):
            _duplicate(items, marks)
    marks[0] = container
    children[id(container)] = marks
    return container


def _special_key(event: Any, merge: bool) -> Any:
    """A mapping key that is not a plain string: the merge key ``<<`` (plain, or tagged
    ``!!merge``; at most one per mapping, errspec's reading of the merge-key spec), or a
    tagged key (only the scalar tags a JSON key can come from)."""
    text, tag, mark = event.value, event.tag, event.start_mark
    if event.implicit[0]:
        is_merge = text == "<<"
    elif tag is not None and tag not in _KEY_TAGS:
        if tag != MERGE or text != "<<":
            raise _Problem(_pack(mark), f"unsupported tag {short_tag(tag)} on a key")
        is_merge = True
    else:
        return text
    if not is_merge:
        return text
    if merge:
        raise _Problem(_pack(mark), "duplicate merge key <<")
    return _MERGE_KEY


def _expanded(
    alias: str, anchors: dict[str, _Anchor], open_anchors: set[str], packed: int
) -> _Anchor:
    """The anchored node an alias names; an alias to a node still open (one that contains
    the alias) or to no anchor is an input error."""
    target = anchors.get(alias)
    if target is None:
        if alias in open_anchors:
            raise _Problem(packed, f"alias *{alias} refers to a node that contains it")
        raise _Problem(packed, f"undefined alias *{alias}")
    return target


def _within_limits(
    target: _Anchor, alias: str, nodes: int, depth: int, max_nodes: int, max_depth: int, packed: int
) -> None:
    """An alias bomb stops here: every alias counts the nodes and depth it expands to."""
    if nodes > max_nodes:
        raise _Problem(packed, f"more than {max_nodes} nodes once aliases are expanded (*{alias})")
    if depth + target.depth > max_depth:
        raise _Problem(packed, f"nested more than {max_depth} levels deep through alias *{alias}")


def _duplicate(items: list[Any], marks: list[Any]) -> None:
    seen: set[str] = set()
    for ordinal, key in enumerate(items[::2]):
        if key in seen:
            raise _Problem(marks[ordinal + 1], f"duplicate key {key!r}")
        seen.add(key)


def _merge(
    items: list[Any], marks: list[Any], children: dict[int, list[Any]]
) -> tuple[dict[str, Any], list[Any]]:
    """A mapping with ``<<`` merge keys, built as PyYAML's ``flatten_mapping`` builds it:
    the merged pairs first (for ``<<: [*a, *b]``, those of ``b`` then those of ``a``), then
    the mapping's own, a later pair replacing the value of an earlier one with its key."""
    pairs: list[tuple[str, Any, int]] = []
    own: list[tuple[str, Any, int]] = []
    for ordinal in range(0, len(items), 2):
        key, value = items[ordinal], items[ordinal + 1]
        packed = marks[ordinal // 2 + 1]
        if key is not _MERGE_KEY:
            own.append((key, value, packed))
            continue
        sources = value if type(value) is list else [value]
        if not all(type(source) is dict for source in sources):
            raise _Problem(packed, "a merge key << takes a mapping or a list of mappings")
        for source in reversed(sources):
            positions = children[id(source)]
            pairs.extend((k, v, positions[i + 1]) for i, (k, v) in enumerate(source.items()))
    seen: set[str] = set()
    for key, _, packed in own:
        if key in seen:
            raise _Problem(packed, f"duplicate key {key!r}")
        seen.add(key)
    result: dict[str, tuple[Any, int]] = {}
    for key, value, packed in chain(pairs, own):
        result[key] = (value, packed)
    container = {key: value for key, (value, _) in result.items()}
    return container, [None, *(packed for _, packed in result.values())]
