"""Fixtures of the Tasks API's test suite: the app under test, in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from starlette.testclient import TestClient
from tasks_app import DEMO_TOKEN, create_app

# schemathesis generates with Hypothesis: the same examples every run, and no example
# database written into the project.
settings.register_profile("tasks-api", database=None, derandomize=True, max_examples=50)
settings.load_profile("tasks-api")


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client of a fresh app (seeded store), authenticated with the demo token."""
    with TestClient(create_app(), headers={"Authorization": f"Bearer {DEMO_TOKEN}"}) as c:
        yield c


@pytest.fixture
def anonymous() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c
