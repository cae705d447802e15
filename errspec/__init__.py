"""errspec: the reference for HTTP API error envelopes.

The public API is everything in ``__all__``; modules starting with ``_`` are private.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .__about__ import __version__

if TYPE_CHECKING:
    from ._adapters import as_response, as_response_async
    from ._assertions import ErrorResponseAssertion, assert_error_response
    from ._check import check_response, is_valid, iter_findings
    from ._components import OPENAPI_VERSIONS, components_document, components_yaml
    from ._detect import Detection, detect
    from ._exceptions import ErrspecError, InputError, InvalidEnvelopeError, UnknownEnvelopeError
    from ._findings import RULES, Finding, Report, Rule, Severity
    from ._http import NO_BODY, HTTPResponse, Response
    from ._inputs import ReadOptions, read_responses
    from ._lint import lint
    from ._produce import ErrorInfo, FieldError, parse, render, retry_delay
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
    from ._routes import Operation
    from ._scale import check_records
    from ._spec import Spec, load_spec
    from ._summary import Summary

# Public name -> the private module that defines it. Imported on first use (PEP 562), so
# `import errspec` (and the pytest plugin every test run loads) stays cheap.
_LAZY: dict[str, str] = {
    "CodeSpec": "._profile",
    "ConditionalMember": "._profile",
    "Detection": "._detect",
    "Envelope": "._registry",
    "ErrorResponseAssertion": "._assertions",
    "ErrorInfo": "._produce",
    "ErrspecError": "._exceptions",
    "ExampleRecord": "._registry",
    "FieldError": "._produce",
    "FieldErrorsSpec": "._profile",
    "Finding": "._findings",
    "HTTPResponse": "._http",
    "HeaderSpec": "._profile",
    "InputError": "._exceptions",
    "InvalidEnvelopeError": "._exceptions",
    "NO_BODY": "._http",
    "OPENAPI_VERSIONS": "._components",
    "Operation": "._routes",
    "Profile": "._profile",
    "RULES": "._findings",
    "ReadOptions": "._inputs",
    "Report": "._findings",
    "Response": "._http",
    "ResponseSpec": "._profile",
    "Retryability": "._profile",
    "Rule": "._findings",
    "Severity": "._findings",
    "SourceRef": "._profile",
    "Spec": "._spec",
    "StatusEcho": "._profile",
    "UnknownEnvelopeError": "._exceptions",
    "as_response": "._adapters",
    "as_response_async": "._adapters",
    "assert_error_response": "._assertions",
    "check_response": "._check",
    "check_records": "._scale",
    "Summary": "._summary",
    "components_document": "._components",
    "components_yaml": "._components",
    "detect": "._detect",
    "envelope_ids": "._registry",
    "envelopes": "._registry",
    "get_envelope": "._registry",
    "is_valid": "._check",
    "iter_findings": "._check",
    "lint": "._lint",
    "load_envelope": "._registry",
    "load_spec": "._spec",
    "parse": "._produce",
    "profile_schema": "._registry",
    "read_responses": "._inputs",
    "registry": "._registry",
    "render": "._produce",
    "retry_delay": "._produce",
}

__all__ = [
    "NO_BODY",
    "OPENAPI_VERSIONS",
    "RULES",
    "CodeSpec",
    "ConditionalMember",
    "Detection",
    "Envelope",
    "ErrorInfo",
    "ErrorResponseAssertion",
    "ErrspecError",
    "ExampleRecord",
    "FieldError",
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
    "Summary",
    "UnknownEnvelopeError",
    "__version__",
    "as_response",
    "as_response_async",
    "assert_error_response",
    "check_records",
    "check_response",
    "components_document",
    "components_yaml",
    "detect",
    "envelope_ids",
    "envelopes",
    "get_envelope",
    "is_valid",
    "iter_findings",
    "lint",
    "load_envelope",
    "load_spec",
    "parse",
    "profile_schema",
    "read_responses",
    "registry",
    "render",
    "retry_delay",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'errspec' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
