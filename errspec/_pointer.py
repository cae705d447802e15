"""JSON pointers (RFC 6901) with errspec's ``*`` wildcard, resolved without recursion.

An object is any ``Mapping`` (a ``dict``, an ``OrderedDict``, a YAML loader's mapping), an
array is a ``list``; both functions read them alike. An array index is ASCII digits
without a leading zero (RFC 6901 §4): ``"01"``, ``"²"`` and ``"-"`` reach nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["array_index", "compile_pointer", "escape", "join", "resolve", "values"]

Segments = tuple[str, ...]

_INDEX = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE = re.compile(r"~(?![01])")


def compile_pointer(pointer: str) -> Segments:
    """``'/errors/*/status'`` → ``('errors', '*', 'status')``; ``''`` is the whole document.

    Raises ``ValueError`` for text that is not a JSON pointer: no leading ``/``, or a ``~``
    not followed by ``0`` or ``1``. Unescaping is RFC 6901 §4's order: ``~1`` to ``/``
    first, then ``~0`` to ``~`` (so ``~01`` is ``~1``, not ``/``).
    """
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer[:80]!r}")
    if "~" in pointer and _BAD_ESCAPE.search(pointer):
        raise ValueError(f"a JSON pointer escapes '~' as '~0' and '/' as '~1': {pointer[:80]!r}")
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/"))


def escape(segment: str | int) -> str:
    """One reference token: ``~`` to ``~0`` first, then ``/`` to ``~1``."""
    return str(segment).replace("~", "~0").replace("/", "~1")


def join(segments: Iterable[str | int]) -> str:
    """The pointer text of a path: ``('errors', 0, 'status')`` → ``'/errors/0/status'``."""
    return "".join("/" + escape(s) for s in segments)


def array_index(segment: str, node: list[Any]) -> int | None:
    """The array index ``segment`` names in ``node``, if it is one and ``node`` has it."""
    if _INDEX.fullmatch(segment) is None:
        return None
    index = int(segment) if len(segment) < 20 else len(node)
    return index if index < len(node) else None


def resolve(document: Any, segments: Segments) -> list[tuple[str, Any]]:
    """Every ``(pointer, value)`` the (wildcard) pointer reaches in ``document``.

    ``*`` matches each item of an array and each value of an object; a segment that
    does not exist yields nothing (no error).
    """
    found: list[tuple[str, Any]] = [("", document)]
    for segment in segments:
        step: list[tuple[str, Any]] = []
        for where, node in found:
            if isinstance(node, Mapping):
                if segment == "*":
                    step.extend((f"{where}/{escape(k)}", v) for k, v in node.items())
                elif segment in node:
                    step.append((f"{where}/{escape(segment)}", node[segment]))
            elif isinstance(node, list):
                if segment == "*":
                    step.extend((f"{where}/{i}", v) for i, v in enumerate(node))
                else:
                    index = array_index(segment, node)
                    if index is not None:
                        step.append((f"{where}/{index}", node[index]))
        if not step:
            return []
        found = step
    return found


def values(document: Any, segments: Segments) -> list[Any]:
    """The values :func:`resolve` would reach, without building their pointers (the hot
    path: rules look at values first and ask for pointers only to report a finding)."""
    if "*" not in segments:
        node = document
        for segment in segments:
            if type(node) is dict or isinstance(node, Mapping):
                if segment not in node:
                    return []
                node = node[segment]
            elif isinstance(node, list):
                index = array_index(segment, node)
                if index is None:
                    return []
                node = node[index]
            else:
                return []
        return [node]
    found = [document]
    for segment in segments:
        step: list[Any] = []
        for node in found:
            if type(node) is dict or isinstance(node, Mapping):
                if segment == "*":
                    step.extend(node.values())
                elif segment in node:
                    step.append(node[segment])
            elif isinstance(node, list):
                if segment == "*":
                    step.extend(node)
                else:
                    index = array_index(segment, node)
                    if index is not None:
                        step.append(node[index])
        if not step:
            return []
        found = step
    return found
