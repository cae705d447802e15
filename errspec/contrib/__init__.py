"""Integrations of errspec with other tools; each module needs its tool installed.

- :mod:`errspec.contrib.fastapi`: ``install(app, envelope=…)`` for FastAPI and Starlette
  apps: every error in the envelope, and ``app.openapi()`` documenting it.
- :mod:`errspec.contrib.flask`: ``install(app, envelope=…)`` for Flask apps.
- :mod:`errspec.contrib.django`: ``ErrorMiddleware`` for Django and ``exception_handler``
  for Django REST framework.
- :mod:`errspec.contrib.schemathesis`: the ``error_envelope_conformance`` check for
  schemathesis (``pip install 'errspec[schemathesis]'``).

:class:`APIError` is the exception every framework handler understands: raise it from a
view to answer with any :class:`errspec.ErrorInfo`. Importing this package imports no
framework.
"""

from ._server import APIError

__all__ = ["APIError"]
