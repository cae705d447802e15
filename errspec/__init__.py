"""errspec: the reference for HTTP API error envelopes.

The public API is everything in ``__all__``; modules starting with ``_`` are private.
"""

from __future__ import annotations

from .__about__ import __version__
from ._components import OPENAPI_VERSIONS, components_document, components_yaml
from ._exceptions import ErrspecError, InvalidEnvelopeError, UnknownEnvelopeError
from ._profile import (
    CodeSpec,
    ConditionalMember,
    FieldErrorsSpec,
    HeaderSpec,
    Profile,
    ResponseSpec,
    Retryability,
    SourceRef,
    StatusEcho,
)
from ._registry import (
    Envelope,
    ExampleRecord,
    envelope_ids,
    envelopes,
    get_envelope,
    load_envelope,
    profile_schema,
    registry,
)

__all__ = [
    "OPENAPI_VERSIONS",
    "CodeSpec",
    "ConditionalMember",
    "Envelope",
    "ErrspecError",
    "ExampleRecord",
    "FieldErrorsSpec",
    "HeaderSpec",
    "InvalidEnvelopeError",
    "Profile",
    "ResponseSpec",
    "Retryability",
    "SourceRef",
    "StatusEcho",
    "UnknownEnvelopeError",
    "__version__",
    "components_document",
    "components_yaml",
    "envelope_ids",
    "envelopes",
    "get_envelope",
    "load_envelope",
    "profile_schema",
    "registry",
]
