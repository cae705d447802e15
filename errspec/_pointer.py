"""JSON pointers (RFC 6901) with errspec's ``*`` wildcard, resolved without recursion."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["compile_pointer", "escape", "join", "resolve", "values"]

Segments = tuple[str, ...]


def compile_pointer(pointer: str) -> Segments:
    """``'/errors/*/status'`` → ``('errors', '*', 'status')``; ``''`` is the whole document."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"a JSON pointer starts with '/': {pointer!r}")
    return tuple(s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/"))


def escape(segment: str | int) -> str:
    return str(segment).replace("~", "~0").replace("/", "~1")


def join(segments: Iterable[str | int]) -> str:
    """The pointer text of a path: ``('errors', 0, 'status')`` → ``'/errors/0/status'``."""
    return "".join("/" + escape(s) for s in segments)


def resolve(document: Any, segments: Segments) -> list[tuple[str, Any]]:
    """Every ``(pointer, value)`` the (wildcard) pointer reaches in ``document``.

    ``*`` matches each item of an array and each value of an object; a segment that
    does not exist yields nothing (no error).
    """
    found: list[tuple[str, Any]] = [("", document)]
    for segment in segments:
        step: list[tuple[str, Any]] = []
        for where, node in found:
            if segment == "*":
                if isinstance(node, list):
                    step.extend((f"{where}/{i}", v) for i, v in enumerate(node))
                elif isinstance(node, dict):
                    step.extend((f"{where}/{escape(k)}", v) for k, v in node.items())
            elif isinstance(node, dict):
                if segment in node:
                    step.append((f"{where}/{escape(segment)}", node[segment]))
            elif isinstance(node, list) and segment.isdigit():
                index = int(segment)
                if index < len(node):
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
            if type(node) is dict:
                if segment not in node:
                    return []
                node = node[segment]
            elif type(node) is list and segment.isdigit() and int(segment) < len(node):
                node = node[int(segment)]
            else:
                return []
        return [node]
    found = [document]
    for segment in segments:
        step: list[Any] = []
        for node in found:
            if segment == "*":
                if type(node) is list:
                    step.extend(node)
                elif type(node) is dict:
                    step.extend(node.values())
            elif type(node) is dict:
                if segment in node:
                    step.append(node[segment])
            elif type(node) is list and segment.isdigit() and int(segment) < len(node):
                step.append(node[int(segment)])
        if not step:
            return []
        found = step
    return found
