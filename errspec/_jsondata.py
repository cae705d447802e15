"""JSON data as errspec checks it, and numbers as its messages show them.

:func:`json_data` is the Python API's check of a body: what :func:`json.loads` returns,
within Python's limits, as a tree. :func:`explainable` copies a body for jsonschema's
messages; :func:`number_text` shows an integer of any size without converting it to text.
Pure functions over values: no response, no envelope.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from ._exceptions import ErrspecError
from ._findings import printable
from ._pointer import join

T = TypeVar("T")

__all__ = [
    "MAX_DEPTH",
    "TOO_DEEP",
    "BodyTooDeep",
    "explainable",
    "int_digits",
    "json_data",
    "number_text",
    "plain_strings",
    "with_explainable",
]


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


# --- the Python API's check of a body ----------------------------------------------------

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
    array twice. Anything unusual is left to :class:`_Walk`."""
    return plain_strings(body) is not None


_NO_KEYS: frozenset[str] = frozenset()


def plain_strings(
    body: Any, stop: frozenset[str] = _NO_KEYS, shortest: int | None = None
) -> list[str] | None:
    """One pass over ``body``, level by level: ``None`` unless it is made of exact JSON
    types, within the limits, with no object or array twice (what :func:`json_data` takes
    as it is) and no object has a member named in ``stop``; else its strings (member
    values and array items, not member names) of at least ``shortest`` characters, in no
    particular order (none when ``shortest`` is ``None``). A check that reads a body's
    strings and its types pays for one walk, not two."""
    kind = type(body)
    strings: list[str] = []
    if kind is not dict and kind is not list:
        if not _plain_scalar(body):
            return None
        if kind is str and shortest is not None and len(body) >= shortest:
            strings.append(body)
        return strings
    collect = shortest is not None
    least = shortest or 0
    seen = {id(body)}
    level: list[Any] = [body]
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return None
        below: list[Any] = []
        for node in level:
            if type(node) is dict:
                if stop and not stop.isdisjoint(node):
                    return None
                for key in node:
                    if type(key) is not str:
                        return None
                children: Iterable[Any] = node.values()
            else:
                children = node
            for value in children:
                kind = type(value)
                if kind is str:
                    if collect and len(value) >= least:
                        strings.append(value)
                elif kind in _SCALARS:
                    continue
                elif kind is dict or kind is list:
                    if id(value) in seen:
                        return None  # shared, or inside itself
                    seen.add(id(value))
                    below.append(value)
                elif kind is int:  # (_plain_scalar, inlined for the common numbers)
                    if value.bit_length() > _INT_BITS:
                        return None
                elif kind is not float or not math.isfinite(value):
                    return None
        level = below
        depth += 1
    return strings


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
        return join(parts)

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


def with_explainable(run: Callable[[Any], T], body: Any) -> T:
    """``run(body)``, or ``run(explainable(body))`` where jsonschema's messages cannot show
    ``body`` (Python's recursion limit). The copy costs a pass over every container: a
    10 MiB body of small objects takes seconds and its own size again, so only on need."""
    try:
        return run(body)
    except RecursionError:
        return run(explainable(body))


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
