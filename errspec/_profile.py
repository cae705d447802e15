"""Envelope profiles: the meaning of an envelope that its JSON Schema cannot say.

A profile is data (``schemas/<id>/profile.yaml``, validated by ``schemas/profile.schema.json``);
this module turns the validated mapping into frozen, typed values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CodeSpec",
    "ConditionalMember",
    "FieldErrorsSpec",
    "HeaderSpec",
    "Profile",
    "Provenance",
    "ResponseSpec",
    "Retryability",
    "Signature",
    "SignatureMember",
    "SourceRef",
    "StatusEcho",
]

HeaderLevel = Literal["required", "recommended", "optional"]
Basis = Literal["stated", "recommended", "inferred"]
Retry = bool | Literal["after-reauth", "after-fix"]


@dataclass(frozen=True)
class Provenance:
    """Where a requirement comes from: ``stated`` (the source says it), ``recommended``
    (the source recommends it) or ``inferred`` (errspec's reading), with the document and
    a verbatim quote for the first two."""

    basis: Basis
    document: str | None = None
    quote: str | None = None
    note: str | None = None

    def cited(self) -> str:
        """``stated, seed 003: "…"`` as ``errspec envelopes`` shows it."""
        where = f", {self.document}" if self.document else ""
        quote = f': "{self.quote}"' if self.quote else ""
        return f"{self.basis}{where}{quote}"


def provenance_of(data: Any) -> Provenance | None:
    """A ``provenance`` mapping as a :class:`Provenance` (``None`` when absent)."""
    if not isinstance(data, Mapping):
        return None
    return Provenance(data["basis"], data.get("document"), data.get("quote"), data.get("note"))


@dataclass(frozen=True)
class SourceRef:
    """Where an envelope is defined: a document and the sections errspec relies on."""

    document: str
    sections: tuple[tuple[str, str | None], ...]  # (title, section number or anchor)
    url: str | None = None


@dataclass(frozen=True)
class StatusEcho:
    """The body member that repeats the HTTP status."""

    pointer: str
    type: Literal["integer", "string"]
    aggregate: Literal["each", "most-general"] = "each"
    provenance: Provenance | None = None


@dataclass(frozen=True)
class CodeSpec:
    """The machine-readable code: where it lives, its casing and its code→status catalogue."""

    pointer: str
    format: str
    open: bool
    catalogue: Mapping[str, tuple[int, ...]]
    header: str | None = None
    catalogue_source: str | None = None
    #: The code member and its casing; whether the catalogue is closed; its rows.
    provenance: Provenance | None = None
    open_provenance: Provenance | None = None
    catalogue_provenance: Provenance | None = None
    row_provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def provenance_of_row(self, code: str) -> Provenance | None:
        return self.row_provenance.get(code, self.catalogue_provenance)


@dataclass(frozen=True)
class FieldErrorsSpec:
    """Where per-field errors live (``array`` of objects, or ``map`` keyed by field name)."""

    pointer: str
    style: Literal["array", "map"]
    message: str
    field: str | None = None
    code: str | None = None
    provenance: Provenance | None = None


@dataclass(frozen=True)
class ConditionalMember:
    """A body member allowed only for some statuses."""

    pointer: str
    only_for_status: tuple[int, ...]
    level: Literal["error", "warning"] = "warning"
    source: str | None = None
    provenance: Provenance | None = None


@dataclass(frozen=True)
class HeaderSpec:
    """A header the envelope asks for; ``for_status`` empty means every error status."""

    name: str
    level: HeaderLevel
    description: str
    for_status: tuple[int, ...] = ()
    schema: Mapping[str, Any] = field(default_factory=dict)
    example: Any = None
    source: str | None = None
    provenance: Provenance | None = None

    def applies_to(self, status: int) -> bool:
        return not self.for_status or status in self.for_status

    @property
    def family(self) -> str | None:
        """``x-ratelimit-`` for ``X-RateLimit-*``: a family of headers its source names by
        prefix (any one of them carries it), else ``None``."""
        return self.name[:-1].lower() if self.name.endswith("*") else None

    def carried_by(self, names: Iterable[str]) -> bool:
        """Whether a response (or an OpenAPI response) with these header names carries it."""
        family = self.family
        if family is None:
            wanted = self.name.lower()
            return any(n.lower() == wanted for n in names)
        return any(n.lower().startswith(family) for n in names)


@dataclass(frozen=True)
class Retryability:
    """Whether a client may retry a status, with the source's nuance."""

    retry: Retry
    note: str | None = None
    provenance: Provenance | None = None


@dataclass(frozen=True)
class ResponseSpec:
    """An error status the source documents; becomes a reusable OpenAPI response."""

    status: int
    name: str
    description: str


@dataclass(frozen=True)
class SignatureMember:
    """A member that identifies an envelope, with its JSON type(s). A type conflict on a
    ``decisive`` member rules the envelope out, and so does the absence of a ``required``
    one."""

    pointer: str
    types: tuple[str, ...]
    decisive: bool = False
    required: bool = False


@dataclass(frozen=True)
class Signature:
    """How to recognise an envelope: its identifying ``members``, how many of them a shape
    must show (``minimum``; the dedicated ``media_type`` counts as one), and the objects
    whose other members are allowed ``extensions`` that never count against it."""

    members: tuple[SignatureMember, ...]
    minimum: int = 1
    extensions: tuple[str, ...] = ()
    media_type: str | None = None


@dataclass(frozen=True)
class Profile:
    """One envelope's semantics. Built by :meth:`from_mapping` from a validated profile."""

    id: str
    title: str
    description: str
    aliases: tuple[str, ...]
    source: SourceRef
    media_types: tuple[str, ...]
    media_type_level: Literal["error", "warning"]
    status_echo: StatusEcho | None
    code: CodeSpec | None
    message: str
    field_errors: FieldErrorsSpec | None
    request_id_pointer: str | None
    request_id_header: str | None
    retry_hint_header: str | None
    retry_hint_pointer: str | None
    conditional_members: tuple[ConditionalMember, ...]
    headers: tuple[HeaderSpec, ...]
    retryable: Mapping[int, Retryability]
    responses: tuple[ResponseSpec, ...]
    schema_name: str
    markers: tuple[str, ...]
    priority: int
    signature: Signature | None = None
    #: Where the status's reason phrase goes, for an error without a code of its own.
    summary: str | None = None
    #: Provenance of the schema's members and types: (pointer, provenance).
    members: tuple[tuple[str, Provenance], ...] = ()
    request_id_provenance: Provenance | None = None
    retry_hint_provenance: Provenance | None = None
    raw: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Profile:
        """Build a profile from a mapping already validated against the profile schema."""
        source = data["source"]
        echo = data["status_echo"]
        code = data["code"]
        fe = data.get("field_errors")
        rid = data.get("request_id") or {}
        hint = data.get("retry_hint") or {}
        detection = data.get("detection") or {}
        return cls(
            id=data["id"],
            title=data["title"],
            description=" ".join(data["description"].split()),
            aliases=tuple(data.get("aliases", ())),
            source=SourceRef(
                document=source["document"],
                sections=tuple((s["title"], s.get("ref")) for s in source["sections"]),
                url=source.get("url"),
            ),
            media_types=tuple(data["media_types"]),
            media_type_level=data.get("media_type_level", "warning"),
            status_echo=StatusEcho(
                echo["pointer"],
                echo["type"],
                echo.get("aggregate", "each"),
                provenance_of(echo.get("provenance")),
            )
            if echo
            else None,
            code=None
            if code is None
            else CodeSpec(
                pointer=code["pointer"],
                format=code["format"],
                open=code["open"],
                catalogue={k: _statuses(v) for k, v in (code.get("catalogue") or {}).items()},
                header=code.get("header"),
                catalogue_source=code.get("catalogue_source"),
                provenance=provenance_of(code.get("provenance")),
                open_provenance=provenance_of(code.get("open_provenance")),
                catalogue_provenance=provenance_of(code.get("catalogue_provenance")),
                row_provenance={
                    k: prov
                    for k, v in (code.get("catalogue") or {}).items()
                    if isinstance(v, Mapping)
                    and (prov := provenance_of(v.get("provenance"))) is not None
                },
            ),
            message=data["message"],
            field_errors=None
            if not fe
            else FieldErrorsSpec(
                pointer=fe["pointer"],
                style=fe["style"],
                message=fe["message"],
                field=fe.get("field"),
                code=fe.get("code"),
                provenance=provenance_of(fe.get("provenance")),
            ),
            request_id_pointer=rid.get("body"),
            request_id_header=rid.get("header"),
            summary=data.get("summary"),
            retry_hint_header=hint.get("header"),
            retry_hint_pointer=hint.get("body"),
            conditional_members=tuple(
                ConditionalMember(
                    pointer=m["pointer"],
                    only_for_status=tuple(m["only_for_status"]),
                    level=m.get("level", "warning"),
                    source=m.get("source"),
                    provenance=provenance_of(m.get("provenance")),
                )
                for m in data.get("conditional_members", ())
            ),
            headers=tuple(
                HeaderSpec(
                    name=h["name"],
                    level=h["level"],
                    description=h["description"],
                    for_status=tuple(h.get("for_status", ())),
                    schema=h.get("schema", {"type": "string"}),
                    example=h.get("example"),
                    source=h.get("source"),
                    provenance=provenance_of(h.get("provenance")),
                )
                for h in data["headers"]
            ),
            retryable={
                int(k): Retryability(v["retry"], v.get("note"), provenance_of(v.get("provenance")))
                for k, v in data["retryable"].items()
            },
            responses=tuple(
                ResponseSpec(r["status"], r["name"], r["description"]) for r in data["responses"]
            ),
            schema_name=data["openapi"]["schema_name"],
            markers=tuple(detection.get("markers", ())),
            priority=int(detection.get("priority", 0)),
            signature=_signature(data.get("signature")),
            members=tuple(
                (m["pointer"], prov)
                for m in data.get("members", ())
                if (prov := provenance_of(m["provenance"])) is not None
            ),
            request_id_provenance=provenance_of(rid.get("provenance")),
            retry_hint_provenance=provenance_of(hint.get("provenance")),
            raw=data,
        )

    def headers_for(self, status: int) -> tuple[HeaderSpec, ...]:
        """The headers this profile asks for on a response with ``status``."""
        return tuple(h for h in self.headers if h.applies_to(status))

    def statuses_for_code(self, code: str) -> tuple[int, ...]:
        """The statuses the catalogue pairs with ``code`` (empty when unknown)."""
        if self.code is None:
            return ()
        return self.code.catalogue.get(code, ())


def _signature(data: Mapping[str, Any] | None) -> Signature | None:
    """The declared signature, or ``None`` (then one is derived from the profile)."""
    if not data:
        return None
    return Signature(
        members=tuple(
            SignatureMember(
                pointer=m["pointer"],
                types=(m["type"],) if isinstance(m["type"], str) else tuple(m["type"]),
                decisive=bool(m.get("decisive", False)),
                required=bool(m.get("required", False)),
            )
            for m in data["members"]
        ),
        minimum=int(data.get("minimum", 1)),
        extensions=tuple(data.get("extensions", ())),
        media_type=data.get("media_type"),
    )


def _statuses(value: int | Sequence[int] | Mapping[str, Any] | None) -> tuple[int, ...]:
    """The statuses a catalogued code goes with; ``()`` when its source states none. A row
    may be ``{status: …, provenance: …}``."""
    if isinstance(value, Mapping):
        value = value.get("status")
    if value is None:
        return ()
    return (value,) if isinstance(value, int) else tuple(value)
