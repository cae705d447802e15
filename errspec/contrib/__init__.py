"""Integrations of errspec with other tools; each module needs its tool installed.

:mod:`errspec.contrib.schemathesis`: the ``error_envelope_conformance`` check for
schemathesis (``pip install 'errspec[schemathesis]'``).
"""
