"""Where the children of every container start in a document's source: the base class
that each reader's positions answer through (the JSON scan and the YAML scan in
:mod:`errspec._specload`, the strict YAML reader's marks in :mod:`errspec._yamlstrict`)."""

from __future__ import annotations

from typing import Any

from ._pointer import array_index

__all__ = ["Index", "unpack"]


class Index:
    """Where the children of every container start in the source."""

    def __init__(self) -> None:
        # id(mapping) -> (mapping, {key: ordinal}), for the large mappings a lookup passed
        # through (`paths`, `components/schemas`...): without it each lookup would scan
        # their keys. The mapping is kept so that its id stays its own.
        self._ordinals: dict[int, tuple[Any, dict[str, int]]] = {}

    def root(self) -> tuple[int, int]:
        raise NotImplementedError

    def locate(self, data: Any, segments: tuple[str, ...]) -> tuple[int, int] | None:
        raise NotImplementedError

    def child(self, node: Any, segment: str) -> tuple[int, Any] | None:
        """``(ordinal, value)`` of the child a pointer segment names, in source order."""
        if type(node) is dict:
            if segment not in node:
                return None
            if len(node) <= 16:
                return list(node).index(segment), node[segment]
            cached = self._ordinals.get(id(node))
            if cached is None:
                cached = self._ordinals[id(node)] = (node, {k: i for i, k in enumerate(node)})
            return cached[1][segment], node[segment]
        if type(node) is list:
            ordinal = array_index(segment, node)  # RFC 6901: no sign, no leading zero
            return None if ordinal is None else (ordinal, node[ordinal])
        return None


def unpack(packed: int) -> tuple[int, int]:
    """1-based ``(line, column)`` from a packed ``line << 32 | column`` (both 0-based)."""
    return (packed >> 32) + 1, (packed & 0xFFFFFFFF) + 1
