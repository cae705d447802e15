"""The Tasks API of ``examples/openapi.yaml``: a small Starlette app with one planted defect.

Run it with ``python examples/tasks_app.py`` (uvicorn, http://127.0.0.1:8000; or
``uvicorn --factory --app-dir examples tasks_app:create_app``); the spec is served at
``/openapi.yaml``. Point schemathesis at it with errspec's check, as
``docs/schemathesis.md`` shows.

* Every operation needs ``Authorization: Bearer demo-token`` (:data:`DEMO_TOKEN`); anything
  else is a 401 with ``WWW-Authenticate: Bearer``. Only the spec files are public.
* Every error is an RFC 9457 problem details object (``application/problem+json``): 400 for
  a body that is not JSON, 415 for one that is not ``application/json``, 422 for one that
  does not fit ``NewTask`` (with the ``errors`` extension of RFC 9457 §3), 404 and 405 for
  unknown routes and methods (405 with ``Allow``), 500 without internals.
* The store lives in memory, per app, seeded with two tasks.

THE DEFECT (on purpose, the one thing wrong with this app): the 404 for an unknown task id
says ``"status": 400`` in its body while the HTTP status is 404. Everything else about that
response is right, and it fits the spec's ``ProblemDetails`` schema, so schemathesis' own
checks pass it; errspec's ``status-mismatch`` rule (RFC 9457 §3.1.2: the status member must
be the HTTP status) is what catches it. ``create_app(defect=False)``, or the environment
variable ``TASKS_APP_DEFECT=0`` when ``create_app()`` is called without ``defect`` (as by
``python examples/tasks_app.py``), gives the fixed app.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

HERE = Path(__file__).resolve().parent
SPEC = HERE / "openapi.yaml"
#: The spec ``$ref``s this file by relative path; it is served beside it.
COMPONENTS = HERE / "errspec" / "problem-details.openapi-3.1.yaml"

#: The one bearer token the app accepts (documented in the spec's security scheme).
DEMO_TOKEN = "demo-token"
PROBLEM_JSON = "application/problem+json"
VALIDATION_ERROR = "https://errspec.dev/examples/tasks/problems/validation-error"
PRIORITIES = ("low", "medium", "high", "urgent")
SEED = (
    {"id": "t1", "title": "Write the spec", "priority": "high"},
    {"id": "t2", "title": "Implement it"},
)


class JSON(JSONResponse):
    """JSON with non-ASCII escaped, so any string a client sent renders (lone surrogates too)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


def problem(
    status: int,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    title: str | None = None,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    body_status: int | None = None,
    **extensions: Any,
) -> Response:
    """An RFC 9457 problem details response; ``body_status`` overrides the ``status`` member."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status if body_status is None else body_status,
    }
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update(extensions)
    return JSON(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def instance_of(request: Request) -> str:
    """The request path as a URI reference (percent-encoded), for the ``instance`` member."""
    return quote(request.url.path, safe="/")


def unauthorized(request: Request) -> Response | None:
    """A 401 unless the request carries ``Authorization: Bearer demo-token``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip() == DEMO_TOKEN:
        return None
    if scheme.lower() == "bearer":
        challenge, detail = 'Bearer error="invalid_token"', "The bearer token is not valid."
    else:
        challenge, detail = "Bearer", "Send Authorization: Bearer demo-token."
    return problem(
        401, detail, instance=instance_of(request), headers={"WWW-Authenticate": challenge}
    )


def validate_new_task(data: Any) -> list[dict[str, str]]:
    """What is wrong with a NewTask body, as RFC 9457 §3 ``errors`` (detail + JSON Pointer)."""
    if not isinstance(data, dict):
        return [{"detail": "must be a JSON object", "pointer": "#"}]
    errors = []
    title = data.get("title")
    if "title" not in data:
        errors.append({"detail": "is required", "pointer": "#/title"})
    elif not isinstance(title, str) or not title:
        errors.append({"detail": "must be a non-empty string", "pointer": "#/title"})
    if "priority" in data and data["priority"] not in PRIORITIES:
        errors.append(
            {"detail": f"must be one of {', '.join(PRIORITIES)}", "pointer": "#/priority"}
        )
    return errors


def create_app(*, defect: bool | None = None) -> Starlette:
    """The app; ``defect=False`` fixes the 404 body's ``status`` member. Without
    ``defect``, ``TASKS_APP_DEFECT=0`` (or ``false``, ``no``) does."""
    if defect is None:
        defect = os.environ.get("TASKS_APP_DEFECT", "1").strip().lower() not in ("0", "false", "no")
    tasks: dict[str, dict[str, Any]] = {t["id"]: dict(t) for t in SEED}
    counter = iter(range(len(SEED) + 1, 10**9))

    async def tasks_collection(request: Request) -> Response:
        if denied := unauthorized(request):
            return denied
        if request.method == "POST":
            return await create_task(request)
        return JSON(list(tasks.values()))

    async def create_task(request: Request) -> Response:
        instance = instance_of(request)
        body = await request.body()
        if not body:
            return problem(400, "The request needs a task as its JSON body.", instance=instance)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return problem(415, "Send the task as application/json.", instance=instance)
        try:
            data = json.loads(body)
        except ValueError:  # not UTF-8 or not JSON
            return problem(400, "The request body is not valid JSON.", instance=instance)
        if errors := validate_new_task(data):
            return problem(
                422,
                "The task does not fit the NewTask schema.",
                type_=VALIDATION_ERROR,
                title="Your request is not valid.",
                instance=instance,
                errors=errors,
            )
        task = {"id": f"t{next(counter)}", "title": data["title"]}
        if "priority" in data:
            task["priority"] = data["priority"]
        tasks[task["id"]] = task
        return JSON(task, status_code=201, headers={"Location": f"/tasks/{task['id']}"})

    async def get_task(request: Request) -> Response:
        if denied := unauthorized(request):
            return denied
        task = tasks.get(request.path_params["id"])
        if task is not None:
            return JSON(task)
        return problem(
            404,
            "There is no task with this id.",
            instance=instance_of(request),
            # DELIBERATE DEFECT: the body says 400 while the HTTP status is 404. It still fits
            # the declared ProblemDetails schema; only errspec's status-mismatch catches it.
            body_status=400 if defect else None,
        )

    async def spec_file(request: Request) -> Response:
        path = SPEC if request.url.path == "/openapi.yaml" else COMPONENTS
        return Response(path.read_bytes(), media_type="application/yaml")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return problem(exc.status_code, instance=instance_of(request), headers=exc.headers)

    async def server_error(request: Request, exc: Exception) -> Response:
        return problem(500, "The server could not handle the request.")

    app = Starlette(
        routes=[
            # One route per path, so that a 405 lists every method in Allow.
            Route("/tasks", tasks_collection, methods=["GET", "POST"]),
            Route("/tasks/{id}", get_task, methods=["GET"]),
            Route("/openapi.yaml", spec_file, methods=["GET"]),
            Route("/errspec/problem-details.openapi-3.1.yaml", spec_file, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    # "/tasks/" is an unknown route (404), not a redirect to "/tasks".
    app.router.redirect_slashes = False
    return app


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(create_app(), host="127.0.0.1", port=8000)
