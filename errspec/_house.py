"""The spec's own envelope: a *house shape* inferred from error responses.

When no known envelope fits a spec, its error responses still share a shape of their own
(Discord's ``{code, message, errors}``). :func:`infer_house` reads that shape off the
:class:`~errspec._recognize.Shape` of each error response (what lint builds from a schema,
or :func:`~errspec._recognize.shape_of_body` from a body) and says, with its evidence:

- the **root**: ``""`` when the error members are at the top (``{code, message}``), or the
  object member that wraps them (``/error`` for ``{error: {code, message}}``), by majority;
- the **members** at the root, with their JSON types and how many responses have each;
  the *common* ones are those more than half of the responses have;
- the **code**: a string member named ``code``, ``error_code``, ``errorCode`` or ``error``,
  or ``name``/``type``/``id``/``reason`` with code-like values (an example, or an ``enum``
  of more than one value, without spaces), and the casing all its values share; failing
  that, an integer ``code`` that is not a status echo;
- the **message**: ``message``, ``error_message``, ``detail``, ``description`` (and a few
  spellings more), a string;
- the **status echo**: a numeric member named ``status``, ``statusCode``, ``code`` …
  whose values or ``enum`` are HTTP statuses (``status``-like names need no values);
- the **field errors**: an array named ``errors``, ``details``, ``invalid_params`` …
  whose items have a field and a message member, or such an object (a map by field).

:func:`house_files` turns the result into an envelope folder's ``envelope.schema.json``
and ``profile.yaml`` (``errspec envelopes new``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from ._plan import CASING
from ._pointer import escape, join
from ._recognize import Shape, shape_of_body

__all__ = [
    "HouseCode",
    "HouseMember",
    "HouseShape",
    "Observation",
    "house_files",
    "infer_from_body",
    "infer_house",
]

#: Names of the machine code, best first; the first four need no values to be the code.
CODE_NAMES = ("code", "error_code", "errorCode", "error", "name", "type", "id", "reason")
_CODE_BY_NAME = frozenset(CODE_NAMES[:4])
MESSAGE_NAMES = (
    "message",
    "error_message",
    "errorMessage",
    "detail",
    "description",
    "msg",
    "error_description",
    "err",
    "title",
)
ECHO_NAMES = ("status", "statusCode", "status_code", "httpStatus", "http_status", "code")
FIELD_ERROR_NAMES = (
    "errors",
    "details",
    "field_errors",
    "fieldErrors",
    "validation_errors",
    "validationErrors",
    "invalid_params",
    "invalidParams",
    "invalidFields",
    "violations",
    "issues",
)
_FIELD_KEYS = ("field", "name", "path", "param", "pointer", "property", "loc", "location")
_ITEM_MESSAGES = ("message", "msg", "reason", "detail", "description", "error")
#: Casings tried in this order (a one-word lower-case code is snake_case).
_CASINGS = ("snake_case", "UPPER_SNAKE_CASE", "kebab-case", "camelCase", "PascalCase")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Observation:
    """One error response's shape, its media type and status (``None`` for ranges and
    ``default``), and the response's key (``404``, ``4XX``)."""

    shape: Shape
    media: str = "application/json"
    status: int | None = None
    key: str = ""


@dataclass(frozen=True)
class HouseMember:
    """A member at the house root: its name, JSON types, how many responses have it and
    how many of those require it."""

    name: str
    types: tuple[str, ...]
    count: int
    required: int


@dataclass(frozen=True)
class HouseCode:
    """Where the machine code lives, its JSON type, the casing its values share (``any``
    when none is shown or they differ) and the values seen (examples and enums)."""

    pointer: str
    type: str
    format: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class HouseShape:
    """The spec's (or a body's) own error shape, and the evidence for it."""

    root: str
    members: tuple[HouseMember, ...]
    total: int
    used_by: int
    code: HouseCode | None
    message: str | None
    status_echo: tuple[str, str] | None
    field_errors: Mapping[str, str] | None
    media_type: str
    statuses: tuple[int, ...]
    root_count: int

    @property
    def common(self) -> tuple[HouseMember, ...]:
        """The members more than half of the responses have, in the order of
        :meth:`describe`."""
        return tuple(m for m in self.members if 2 * m.count > self.total)

    def member(self, name: str) -> HouseMember | None:
        return next((m for m in self.members if m.name == name), None)

    def pointer(self, name: str) -> str:
        """The JSON pointer of a member at the root."""
        return _join(self.root, name)

    def describe(self) -> str:
        """``{code: integer, message: string}``; ``{error: {…}}`` around it when wrapped."""
        inner = ", ".join(f"{m.name}: {_types_text(m.types)}" for m in self.common)
        text = "{" + inner + "}"
        if self.root:
            text = "{" + self.root[1:] + ": " + text + "}"
        return text

    def evidence(self) -> list[str]:
        """One line per decision, with its count: how the shape was inferred."""
        lines = [
            f"root: {self.root or '(top level)'} ({self.root_count} of {self.total} responses)"
        ]
        lines += [
            f"member {m.name}: {_types_text(m.types)} ({m.count} of {self.total}"
            + (f", required by {m.required}" if m.required else "")
            + ")"
            for m in self.members
        ]
        if self.code is not None:
            lines.append(f"code: {self.code.pointer} ({self.code.type}, {self.code.format})")
        if self.message is not None:
            lines.append(f"message: {self.message}")
        if self.status_echo is not None:
            lines.append(f"status echo: {self.status_echo[0]} ({self.status_echo[1]})")
        if self.field_errors is not None:
            lines.append(f"field errors: {self.field_errors['pointer']}")
        return lines


# --- inference --------------------------------------------------------------------------


def _join(root: str, name: str) -> str:
    """The JSON pointer of member ``name`` under ``root`` (a shape path, unescaped)."""
    return join([*root.split("/")[1:], name])


def _types_text(types: Sequence[str]) -> str:
    return " or ".join(types) if types else "any"


def _children(shape: Shape, root: str) -> dict[str, set[str]]:
    """The members directly under ``root`` (``""``: the top) with their types."""
    depth = root.count("/") + 1
    prefix = root + "/"
    cut = len(prefix)
    under = [
        p
        for p in shape.paths
        if p.startswith(prefix) and p.count("/") == depth and "*" not in p[cut:]
    ]
    under.sort()  # a set: sorted, so the output is the same every run
    types = shape.types
    return {p[cut:]: types.get(p, set()) for p in under}


class _PerShape:
    """:func:`root_of` and :func:`_children` asked once per shape within one inference:
    responses that ``$ref`` one schema share its shape object (GitHub's description: 1,856
    error responses, a few dozen shapes). The answers are read, never changed."""

    def __init__(self) -> None:
        self._roots: dict[int, str] = {}
        self._children: dict[tuple[int, str], dict[str, set[str]]] = {}
        self._kept: list[Shape] = []  # the shapes keyed by id() stay alive while kept

    def root(self, shape: Shape) -> str:
        found = self._roots.get(id(shape))
        if found is None:
            self._kept.append(shape)
            found = self._roots[id(shape)] = root_of(shape)
        return found

    def children(self, shape: Shape, root: str) -> dict[str, set[str]]:
        key = (id(shape), root)
        found = self._children.get(key)
        if found is None:
            self._kept.append(shape)
            found = self._children[key] = _children(shape, root)
        return found


def root_of(shape: Shape) -> str:
    """Where a shape's error members are: ``""`` when a scalar member at the top is named
    like a code, message or status, else the object member (``error`` first) whose own
    members are, else ``""``."""
    top = _children(shape, "")
    named = set(CODE_NAMES) | set(MESSAGE_NAMES) | set(ECHO_NAMES)
    if any(name in named and "object" not in types for name, types in top.items()):
        return ""
    wrappers = sorted(
        (name for name, types in top.items() if "object" in types),
        key=lambda n: (n != "error", n),
    )
    for name in wrappers:
        inner = _children(shape, f"/{name}")
        if any(n in named for n in inner):
            return f"/{name}"
    return ""


def _values(shape: Shape, path: str) -> list[Any]:
    """The values a shape shows at ``path``: its sample and, for a schema, its ``enum``."""
    out: list[Any] = []
    node = shape.nodes.get(path)
    schema = getattr(node, "node", node)
    if isinstance(schema, Mapping) and isinstance(schema.get("enum"), list):
        out.extend(schema["enum"])
    if path in shape.values and shape.values[path] not in out:
        out.append(shape.values[path])
    return out


def _constant(shape: Shape, path: str) -> bool:
    node = shape.nodes.get(path)
    schema = getattr(node, "node", node)
    if not isinstance(schema, Mapping):
        return False
    enum = schema.get("enum")
    return "const" in schema or (isinstance(enum, list) and len(enum) == 1)


#: One code-like value in words (``not_found``, ``RESOURCE_NOT_FOUND``), no digits: enough
#: to take an ``id`` or ``type`` member for the code.
_WORDS = re.compile(r"[a-z]+(?:[_-][a-z]+)+|[A-Z]+(?:_[A-Z]+)+")


def _is_status(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return isinstance(value, int | float) and 100 <= value <= 599 and value == int(value)


def _casing(values: Sequence[str]) -> str:
    if not values:
        return "any"
    for name in _CASINGS:
        if all(CASING[name].fullmatch(v) for v in values):
            return name
    return "any"


def _numeric(types: Sequence[str]) -> bool:
    return bool({"integer", "number"} & set(types))


def infer_house(observations: Sequence[Observation]) -> HouseShape | None:
    """The house shape of ``observations`` (one per error response), or ``None`` when no
    response shows a member."""
    seen = [o for o in observations if o.shape.paths]
    if not seen:
        return None
    total = len(seen)
    per_shape = _PerShape()
    roots = Counter(per_shape.root(o.shape) for o in seen)
    root, root_count = roots.most_common(1)[0]
    counts: Counter[str] = Counter()
    required: Counter[str] = Counter()
    types: dict[str, set[str]] = {}
    values: dict[str, list[Any]] = {}
    constants: set[str] = set()  # members whose schema is one value (`enum: [error]`)
    order: dict[str, int] = {}
    for o in seen:
        if per_shape.root(o.shape) != root:
            continue
        for name, kinds in per_shape.children(o.shape, root).items():
            path = f"{root}/{name}"
            counts[name] += 1
            required[name] += path in o.shape.required
            types.setdefault(name, set()).update(kinds)
            order.setdefault(name, len(order))
            if _constant(o.shape, path):
                constants.add(name)
            for v in _values(o.shape, path):
                if v not in values.setdefault(name, []):
                    values[name].append(v)
    enough = max(1, (total + 2) // 3)  # a role's member is in at least a third of them

    def candidates(names: Sequence[str]) -> list[str]:
        """Members named like a role, in at least a third of the responses: the common
        ones (more than half) first, then by name."""
        return sorted(
            (n for n in names if counts[n] >= enough),
            key=lambda n: (2 * counts[n] <= total, names.index(n)),
        )

    echo: tuple[str, str] | None = None
    for name in candidates(ECHO_NAMES):
        kinds = types[name] - {"null"}
        shown = values.get(name, [])
        numeric = _numeric(sorted(kinds))
        strings = kinds == {"string"} and bool(shown) and all(_is_status(v) for v in shown)
        if not (numeric or strings):
            continue
        if shown and not all(_is_status(v) for v in shown):
            continue
        if not shown and name == "code":
            continue  # an integer `code` without values is more likely the machine code
        echo = (_join(root, name), "integer" if numeric else "string")
        break
    echo_name = echo[0].rsplit("/", 1)[-1] if echo else None

    code: HouseCode | None = None
    for name in candidates(CODE_NAMES):
        if name == echo_name or "string" not in types[name]:
            continue
        shown = [v for v in values.get(name, []) if isinstance(v, str)]
        if any(_SPACE.search(v) for v in shown):
            continue  # prose, not a code
        if name not in _CODE_BY_NAME and not (
            len(shown) > 1 or (shown and name not in constants and _WORDS.fullmatch(shown[0]))
        ):
            continue  # `type: "error"` (a constant), an `id` (a UUID): not a code
        code = HouseCode(_join(root, name), "string", _casing(shown), tuple(shown))
        break
    if code is None:
        for name in candidates(("code", "error_code", "errorCode")):
            if name != echo_name and _numeric(sorted(types[name])):
                code = HouseCode(_join(root, name), "integer", "any", ())
                break

    message: str | None = None
    for name in candidates(MESSAGE_NAMES):
        if "string" in types[name] and (code is None or code.pointer != _join(root, name)):
            message = _join(root, name)
            break

    if message is None:
        # No message at the root: one in the items of a common array (`/errors/*/message`,
        # as JSON:API's `/errors/*/detail`).
        for name in (n for n in counts if 2 * counts[n] > total and "array" in types[n]):
            items: set[str] = set()
            for o in seen:
                items.update(per_shape.children(o.shape, f"{root}/{name}/*"))
            said = next((m for m in MESSAGE_NAMES if m in items), None)
            if said is not None:
                message = f"{_join(root, name)}/*/{escape(said)}"
                break

    field_errors = _field_errors(seen, root, counts, types, per_shape)

    members = tuple(
        sorted(
            (HouseMember(n, _type_list(types[n]), counts[n], required[n]) for n in counts),
            key=lambda m: (
                -(2 * m.count > total),
                _role(m.name, root, code, echo, message),
                order[m.name],
            ),
        )
    )
    common = [m.name for m in members if 2 * m.count > total]
    used_by = sum(
        1
        for o in seen
        if per_shape.root(o.shape) == root
        and all(n in per_shape.children(o.shape, root) for n in common)
    )
    media = Counter(o.media for o in seen).most_common(1)[0][0]
    statuses = sorted(
        {
            s
            for o in seen
            for s in (
                [o.status]
                if o.status is not None
                else [400]
                if o.key.upper() == "4XX"
                else [500]
                if o.key.upper() == "5XX"
                else []
            )
            if 400 <= s <= 599
        }
    )
    return HouseShape(
        root=root,
        members=members,
        total=total,
        used_by=used_by,
        code=code,
        message=message,
        status_echo=echo,
        field_errors=field_errors,
        media_type=media,
        statuses=tuple(statuses),
        root_count=root_count,
    )


def _role(
    name: str,
    root: str,
    code: HouseCode | None,
    echo: tuple[str, str] | None,
    message: str | None,
) -> int:
    pointer = _join(root, name)
    if code is not None and pointer == code.pointer:
        return 0
    if message == pointer:
        return 1
    if echo is not None and pointer == echo[0]:
        return 2
    return 3


def _type_list(kinds: set[str]) -> tuple[str, ...]:
    """Types as a schema says them: ``integer`` and ``number`` together are ``number``."""
    out = set(kinds)
    if {"integer", "number"} <= out:
        out.discard("integer")
    return tuple(sorted(out))


def _field_errors(
    seen: Sequence[Observation],
    root: str,
    counts: Counter[str],
    types: dict[str, set[str]],
    per_shape: _PerShape,
) -> dict[str, str] | None:
    for name in FIELD_ERROR_NAMES:
        if not counts[name]:
            continue
        pointer = _join(root, name)
        if "array" in types[name]:
            items: set[str] = set()
            for o in seen:
                items.update(per_shape.children(o.shape, f"{root}/{name}/*"))
            field = next((k for k in _FIELD_KEYS if k in items), None)
            said = next((k for k in _ITEM_MESSAGES if k in items), None)
            if field is None or said is None:
                continue
            out = {
                "pointer": pointer,
                "style": "array",
                "field": f"/{field}",
                "message": f"/{said}",
            }
            item_code = next(
                (k for k in ("code", "error_code", "type") if k in items and k != said), None
            )
            if item_code is not None:
                out["code"] = f"/{item_code}"
            return out
        if "object" in types[name]:
            # A map by field; each value a message, or a list of {message} (Discord's
            # `{"errors": {"name": {"_errors": [{"code", "message"}]}}}`).
            said = ""
            for o in seen:
                for child, kinds in per_shape.children(o.shape, f"{root}/{name}").items():
                    inner = per_shape.children(o.shape, f"{root}/{name}/{child}/*")
                    found = next((k for k in _ITEM_MESSAGES if k in inner), None)
                    if "array" in kinds and found is not None and not said:
                        said = f"/{escape(child)}/*/{escape(found)}"
            return {"pointer": pointer, "style": "map", "message": said}
    return None


def infer_from_body(body: Any, status: int | None = None, media: str | None = None) -> HouseShape:
    """The house shape of one parsed JSON body (every member it has is required)."""
    house = infer_house(
        [Observation(shape_of_body(body), media or "application/json", status, str(status or ""))]
    )
    if house is None:
        raise ValueError("the body has no members to infer an envelope from")
    return house


# --- the envelope folder ----------------------------------------------------------------


def _schema_type(kinds: Sequence[str]) -> str | list[str] | None:
    kinds = [k for k in kinds if k]
    if not kinds:
        return None
    return kinds[0] if len(kinds) == 1 else list(kinds)


def _status_name(status: int) -> tuple[str, str]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return f"Status{status}", f"HTTP {status}"
    name = "".join(w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", phrase) if w)
    return (name if re.fullmatch(r"[A-Z][A-Za-z0-9]*", name) else f"Status{status}"), phrase


def house_files(
    house: HouseShape, envelope_id: str, source: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``envelope.schema.json`` and ``profile.yaml`` data of a house envelope."""
    common = {m.name for m in house.common}
    roles = {
        p
        for p in (
            house.code.pointer if house.code else None,
            house.message,
            house.status_echo[0] if house.status_echo else None,
        )
        if p
    }
    properties: dict[str, Any] = {}
    required: list[str] = []
    for m in house.members:
        pointer = house.pointer(m.name)
        if (
            m.name not in common
            and pointer not in roles
            and (house.field_errors is None or house.field_errors["pointer"] != pointer)
        ):
            continue
        node: dict[str, Any] = {}
        kind = _schema_type(m.types)
        if kind is not None:
            node["type"] = kind
        if house.field_errors is not None and house.field_errors["pointer"] == pointer:
            node["description"] = "Field errors."
            if house.field_errors["style"] == "array":
                fe = house.field_errors
                node["items"] = {
                    "type": "object",
                    "properties": {
                        fe[k][1:]: {"type": "string"} for k in ("field", "message") if fe.get(k)
                    },
                }
        elif house.code is not None and pointer == house.code.pointer:
            node["description"] = "The machine-readable error code."
        elif pointer == house.message:
            node["description"] = "The human-readable message."
        elif house.status_echo is not None and pointer == house.status_echo[0]:
            node["description"] = "The HTTP status of the response, repeated."
        properties[m.name] = node
        if 2 * m.required > m.count and m.name in common:
            required.append(m.name)
    inner: dict[str, Any] = {"type": "object"}
    if required:
        inner["required"] = required
    inner["properties"] = properties
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://errspec.dev/house/{envelope_id}/envelope.schema.json",
        "title": f"{envelope_id} error envelope",
        "description": (
            f"Inferred by `errspec envelopes new` from {source}: {house.describe()}, "
            f"used by {house.used_by} of {house.total} error responses. Open to other members."
        ),
    }
    if house.root:
        name = house.root[1:]
        schema.update({"type": "object", "required": [name], "properties": {name: inner}})
    else:
        schema.update(inner)

    members: list[dict[str, Any]] = []
    if house.root:
        members.append(
            {
                "pointer": _join("", house.root[1:]),
                "type": "object",
                "decisive": True,
                "required": True,
            }
        )
    for m in house.common:
        pointer = house.pointer(m.name)
        entry: dict[str, Any] = {"pointer": pointer, "type": _schema_type(m.types) or "string"}
        if house.code is not None and pointer == house.code.pointer:
            entry["decisive"] = True
        if house.status_echo is not None and pointer == house.status_echo[0]:
            entry["decisive"] = True
        members.append(entry)
    if not members:
        members.append({"pointer": house.message or "", "type": "string"})
    statuses = house.statuses or (400, 500)
    responses = []
    for status in statuses:
        name, phrase = _status_name(status)
        responses.append({"status": status, "name": name, "description": phrase})
    schema_name = "".join(w.capitalize() for w in envelope_id.split("-")) or "HouseError"
    profile: dict[str, Any] = {
        "id": envelope_id,
        "title": f"{envelope_id} (house envelope)",
        "description": (
            f"The error shape of {source}, inferred by `errspec envelopes new` from "
            f"{house.total} error responses: {house.describe()}. Review the code casing "
            "and catalogue, then lint with --envelope."
        ),
        "source": {
            "document": source,
            "sections": [{"title": "error responses (inferred by errspec envelopes new)"}],
        },
        "media_types": [house.media_type],
        "status_echo": None
        if house.status_echo is None
        else {"pointer": house.status_echo[0], "type": house.status_echo[1]},
        "code": None
        if house.code is None
        else {
            "pointer": house.code.pointer,
            "format": house.code.format,
            "open": True,
            "catalogue": {},
        },
        "message": house.message or "",
        **({"field_errors": dict(house.field_errors)} if house.field_errors else {}),
        "headers": [
            {
                "name": "WWW-Authenticate",
                "for_status": [401],
                "level": "recommended",
                "description": "The authentication scheme the API expects (RFC 9110 §11.6.1).",
                "schema": {"type": "string"},
                "source": "RFC 9110 §15.5.2 (MUST)",
            }
        ],
        "retryable": {},
        "responses": responses,
        "openapi": {"schema_name": schema_name},
        "signature": {
            "members": members,
            "minimum": min(2, len(members)),
            "media_type": None if house.media_type == "application/json" else house.media_type,
        },
    }
    return schema, profile


def envelope_id_for(folder: Path) -> str:
    """A profile id from a folder's name (lower-case kebab-case)."""
    name = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"house-{name}".strip("-")
    return name


def write_house(folder: Path, house: HouseShape, source: str, *, force: bool = False) -> str:
    """Write the house envelope folder; refuse a non-empty ``folder`` unless ``force``.
    Returns the envelope id."""
    import yaml

    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise FileExistsError(f"{folder} is not empty; pass --force to overwrite it")
    envelope_id = envelope_id_for(folder)
    schema, profile = house_files(house, envelope_id, source)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "envelope.schema.json").write_text(
        json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    header = (
        f"# A house envelope inferred by `errspec envelopes new` from {source}.\n"
        "# Validated by errspec's profile.schema.json; review the code format and catalogue.\n"
        + "".join(f"# {line}\n" for line in house.evidence())
    )
    (folder / "profile.yaml").write_text(
        header + yaml.safe_dump(profile, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8",
    )
    return envelope_id
