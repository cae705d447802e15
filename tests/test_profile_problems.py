"""The profile validator reports every problem of a profile.yaml at once, on one line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import errspec
from errspec import InvalidEnvelopeError

from .conftest import SCHEMAS


def _folder(tmp_path: Path, edit: Any) -> Path:
    """A copy of the problem-details folder with its profile edited by ``edit(profile)``."""
    folder = tmp_path / "house"
    shutil.copytree(SCHEMAS / "problem-details", folder)
    profile = yaml.safe_load((folder / "profile.yaml").read_text(encoding="utf-8"))
    profile["id"] = "house"
    profile["aliases"] = []
    edit(profile)
    (folder / "profile.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return folder


def _message(folder: Path) -> str:
    with pytest.raises(InvalidEnvelopeError) as info:
        errspec.load_envelope(folder)
    message = str(info.value)
    assert "\n" not in message
    assert "profile.yaml" in message
    return message


def test_every_profile_problem_is_reported_at_once(tmp_path: Path) -> None:
    def edit(profile: dict[str, Any]) -> None:
        for key in ("title", "message", "retryable"):
            del profile[key]
        profile["media_types"] = "application/json"  # not a list
        profile["responses"][0]["status"] = "400"  # not an integer
        profile["colour"] = "red"  # unknown key

    message = _message(_folder(tmp_path, edit))
    assert "invalid profile, 6 problems: " in message
    for expected in ("'title'", "'message'", "'retryable'", "/media_types", "/responses/0/status",
                     "'colour'"):  # fmt: skip
        assert expected in message, expected
    problems = message.split(": ", 2)[2].split("; ")
    assert len(problems) == 6
    assert all(p.startswith("at ") for p in problems), problems


def test_one_profile_problem_keeps_the_short_form(tmp_path: Path) -> None:
    def edit(profile: dict[str, Any]) -> None:
        profile["media_types"] = "application/json"

    message = _message(_folder(tmp_path, edit))
    assert re.search(r"profile\.yaml: invalid profile at /media_types: ", message)
    assert "problems" not in message


def test_profile_problems_are_capped_at_ten(tmp_path: Path) -> None:
    def edit(profile: dict[str, Any]) -> None:
        del profile["title"]
        profile["colour"] = "red"
        for response in profile["responses"]:  # 11 of them
            response["status"] = str(response["status"])

    message = _message(_folder(tmp_path, edit))
    assert "invalid profile, 13 problems: " in message
    shown = message.split(": ", 2)[2].split("; ")
    assert len(shown) == 11
    assert shown[-1] == "… and 3 more"
    # sorted by pointer, array indices as numbers
    statuses = [p for p in shown if p.startswith("at /responses/")]
    assert [p.split("/")[2] for p in statuses] == [str(i) for i in range(8)]
