"""How errspec's YAML readers read a scalar: PyYAML ``SafeLoader``'s YAML 1.1 resolution
(``yes``/``on`` are booleans, ``0777`` is octal, ``1_000`` is an integer), minus
timestamps, and the JSON-compatible tags. Both readers use it: the strict reader
(:mod:`errspec._yamlstrict`) for every scalar, the fast path (:mod:`errspec._yamlfast`)
to check the words yaml-rs could read otherwise. No PyYAML here: the fast path must not
import it.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "BOOL",
    "CONSTANTS",
    "FLOAT",
    "INT",
    "MAP",
    "MERGE",
    "NULL",
    "NUMBER_START",
    "SEQ",
    "STR",
    "number",
    "plain",
    "short_tag",
    "tagged",
]

_YAML_TAG = "tag:yaml.org,2002:"
STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"
MERGE = "tag:yaml.org,2002:merge"

# PyYAML's SafeLoader implicit resolvers (YAML 1.1), minus timestamps.
CONSTANTS: dict[str, Any] = {"": None, "~": None, "null": None, "Null": None, "NULL": None}
CONSTANTS.update(
    dict.fromkeys(["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], True)
    | dict.fromkeys(["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], False)
)
NUMBER_START = frozenset("-+.0123456789")
_INT_RE = re.compile(
    r"""[-+]?0b[0-1_]+
    |[-+]?0[0-7_]+
    |[-+]?(?:0|[1-9][0-9_]*)
    |[-+]?0x[0-9a-fA-F_]+
    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+""",
    re.X,
)
_FLOAT_RE = re.compile(
    r"""[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN)""",
    re.X,
)


def _sexagesimal(text: str) -> int:
    value = 0
    for part in text.split(":"):
        value = value * 60 + int(part)
    return value


def _to_int(text: str) -> int:
    value = text.replace("_", "")
    sign = -1 if value[0] == "-" else 1
    if value[0] in "+-":
        value = value[1:]
    if value == "0":
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value[0] == "0":
        return sign * int(value, 8)
    if ":" in value:
        return sign * _sexagesimal(value)
    return sign * int(value)


def _to_float(text: str) -> float:
    value = text.replace("_", "").lower()
    sign = -1.0 if value[0] == "-" else 1.0
    if value[0] in "+-":
        value = value[1:]
    if value == ".inf":
        return sign * math.inf
    if value == ".nan":
        return math.nan
    if ":" in value:
        result = 0.0
        for part in value.split(":"):
            result = result * 60 + float(part)
        return sign * result
    return sign * float(value)


def plain(text: str) -> Any:
    """A plain (untagged, unquoted) scalar value read as the tree builder reads it."""
    value = CONSTANTS.get(text, text)
    if value is text and text[:1] in NUMBER_START:
        value = number(text)
    return value


def number(text: str) -> Any:
    """A plain scalar starting like a number: the int or float it means, or the text."""
    if _FLOAT_RE.fullmatch(text):
        return _to_float(text)
    if _INT_RE.fullmatch(text):
        return _to_int(text)
    return text


_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


def tagged(text: str, tag: str) -> Any:
    """A scalar with an explicit tag, constructed as PyYAML's ``SafeConstructor`` does.

    Raises ``LookupError`` for a tag errspec does not accept, ``ValueError`` for text the
    tag cannot read."""
    if tag == STR:
        return text
    if tag == NULL:
        return None
    if tag == BOOL:
        value = _BOOLS.get(text.lower())
        if value is None:
            raise ValueError(text)
        return value
    if tag in (INT, FLOAT):
        if not text:
            raise ValueError(text)
        return _to_int(text) if tag == INT else _to_float(text)
    raise LookupError(tag)


def short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:binary`` as it is usually written: ``!!binary``."""
    return "!!" + tag[len(_YAML_TAG) :] if tag.startswith(_YAML_TAG) else tag
