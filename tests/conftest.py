from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = REPO / "schemas"
#: The shared reference material (seed documents, standards, corpus) lives beside the repo.
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the test cleanly when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (../shared is absent)")
    return path


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 (a free port) for the duration; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that does not log to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def configure_django(urlconf: str) -> None:
    """Configure Django once per process, with only what errspec's tests need and no
    logging setup (``LOGGING_CONFIG=None``: ``django.setup()`` would otherwise dictConfig
    the logging module). Tests apply their own settings with ``override_settings``, so a
    process where another module configured Django first behaves the same."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="errspec-tests",
            ALLOWED_HOSTS=["testserver"],
            ROOT_URLCONF=urlconf,
            INSTALLED_APPS=[],
            MIDDLEWARE=[],
            DATABASES={},
            LOGGING_CONFIG=None,
        )
    django.setup()


def updating_snapshots() -> bool:
    """``ERRSPEC_UPDATE_SNAPSHOTS=1``: rewrite expected outputs instead of comparing.

    Refused under CI (``CI`` set): a CI run compares, never rewrites. A test that rewrites
    an expectation then fails (:func:`rewrote`), so a run can never pass by rewriting:
    review the diff, then run again without the variable."""
    if os.environ.get("ERRSPEC_UPDATE_SNAPSHOTS") != "1":
        return False
    if os.environ.get("CI"):
        pytest.fail("ERRSPEC_UPDATE_SNAPSHOTS=1 is refused under CI: CI compares, never rewrites")
    return True


def rewrote(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` in update mode; fail if that changed it."""
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    if before == text:
        return
    path.write_text(text, encoding="utf-8")
    pytest.fail(f"rewrote {path.name}: review the diff, then run again without the update mode")
