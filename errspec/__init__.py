"""errspec: the reference for HTTP API error envelopes.

The public API is everything in ``__all__``; modules starting with ``_`` are private.
"""

from __future__ import annotations

from .__about__ import __version__
from ._check import check_response, is_valid, iter_findings
from ._components import OPENAPI_VERSIONS, components_document, components_yaml
from ._detect import Detection, detect
from ._exceptions import ErrspecError, InvalidEnvelopeError, UnknownEnvelopeError
from ._findings import RULES, Finding, Report, Rule, Severity
from ._http import NO_BODY, HTTPResponse, Response
from ._inputs import InputError, ReadOptions, as_response, read_responses
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
from ._spec import Operation, Spec, load_spec

__all__ = [
    "NO_BODY",
    "OPENAPI_VERSIONS",
    "RULES",
    "CodeSpec",
    "ConditionalMember",
    "Detection",
    "Envelope",
    "ErrspecError",
    "ExampleRecord",
    "FieldErrorsSpec",
    "Finding",
    "HTTPResponse",
    "HeaderSpec",
    "InputError",
    "InvalidEnvelopeError",
    "Operation",
    "Profile",
    "ReadOptions",
    "Report",
    "Response",
    "ResponseSpec",
    "Retryability",
    "Rule",
    "Severity",
    "SourceRef",
    "Spec",
    "StatusEcho",
    "UnknownEnvelopeError",
    "__version__",
    "as_response",
    "check_response",
    "components_document",
    "components_yaml",
    "detect",
    "envelope_ids",
    "envelopes",
    "get_envelope",
    "is_valid",
    "iter_findings",
    "load_envelope",
    "load_spec",
    "profile_schema",
    "read_responses",
    "registry",
]
