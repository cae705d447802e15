"""The Tasks API of ``examples/openapi.yaml``: a small Starlette app with one planted defect.

Its errors are sent by errspec's handlers (``errspec.contrib.fastapi.install``): the views
raise :class:`errspec.contrib.APIError` (or Starlette's ``HTTPException``), and routing's
404/405 and any crash are answered by the handlers too, all as RFC 9457 problem details.

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
is written by hand, bypassing errspec's handlers, and says ``"status": 400`` in its body
while the HTTP status is 404. Everything else about that response is right, and it fits the
spec's ``ProblemDetails`` schema, so schemathesis' own checks pass it; errspec's
``status-mismatch`` rule (RFC 9457 §3.1.2: the status member must be the HTTP status) is
what catches it. The fixed app raises ``APIError(404, …)`` like every other view:
``create_app(defect=False)``, or the environment variable ``TASKS_APP_DEFECT=0`` when
``create_app()`` is called without ``defect`` (as by ``python examples/tasks_app.py``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from errspec import FieldError
from errspec.contrib import APIError
from errspec.contrib.fastapi import install

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


def authorize(request: Request) -> None:
    """Raise a 401 unless the request carries ``Authorization: Bearer demo-token``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip() == DEMO_TOKEN:
        return
    if scheme.lower() == "bearer":
        challenge, detail = 'Bearer error="invalid_token"', "The bearer token is not valid."
    else:
        challenge, detail = "Bearer", "Send Authorization: Bearer demo-token."
    raise APIError(401, detail, headers={"WWW-Authenticate": challenge})


def validate_new_task(data: Any) -> list[FieldError]:
    """What is wrong with a NewTask body, one field error per problem (a JSON Pointer into
    the body, as RFC 9457 §3's ``errors`` have it)."""
    if not isinstance(data, dict):
        return [FieldError("#", "must be a JSON object")]
    errors = []
    title = data.get("title")
    if "title" not in data:
        errors.append(FieldError("#/title", "is required"))
    elif not isinstance(title, str) or not title:
        errors.append(FieldError("#/title", "must be a non-empty string"))
    if "priority" in data and data["priority"] not in PRIORITIES:
        errors.append(FieldError("#/priority", f"must be one of {', '.join(PRIORITIES)}"))
    return errors


def create_app(*, defect: bool | None = None) -> Starlette:
    """The app; ``defect=False`` fixes the 404 body's ``status`` member. Without
    ``defect``, ``TASKS_APP_DEFECT=0`` (or ``false``, ``no``) does."""
    if defect is None:
        defect = os.environ.get("TASKS_APP_DEFECT", "1").strip().lower() not in ("0", "false", "no")
    tasks: dict[str, dict[str, Any]] = {t["id"]: dict(t) for t in SEED}
    counter = iter(range(len(SEED) + 1, 10**9))

    async def tasks_collection(request: Request) -> Response:
        authorize(request)
        if request.method == "POST":
            return await create_task(request)
        return JSON(list(tasks.values()))

    async def create_task(request: Request) -> Response:
        body = await request.body()
        if not body:
            raise APIError(400, "The request needs a task as its JSON body.")
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise APIError(415, "Send the task as application/json.")
        try:
            data = json.loads(body)
        except ValueError:  # not UTF-8 or not JSON
            raise APIError(400, "The request body is not valid JSON.") from None
        if errors := validate_new_task(data):
            raise APIError(
                422,
                "The task does not fit the NewTask schema.",
                code=VALIDATION_ERROR,
                field_errors=errors,
            )
        task = {"id": f"t{next(counter)}", "title": data["title"]}
        if "priority" in data:
            task["priority"] = data["priority"]
        tasks[task["id"]] = task
        return JSON(task, status_code=201, headers={"Location": f"/tasks/{task['id']}"})

    async def get_task(request: Request) -> Response:
        authorize(request)
        task = tasks.get(request.path_params["id"])
        if task is not None:
            return JSON(task)
        if defect:
            # DELIBERATE DEFECT: a hand-written 404 that bypasses errspec's handlers and
            # says 400 in its body. It still fits the declared ProblemDetails schema; only
            # errspec's status-mismatch catches it. The fix is the `raise` below.
            return JSON(
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 400,
                    "detail": "There is no task with this id.",
                },
                status_code=404,
                media_type=PROBLEM_JSON,
            )
        raise APIError(404, "There is no task with this id.")

    async def spec_file(request: Request) -> Response:
        path = SPEC if request.url.path == "/openapi.yaml" else COMPONENTS
        return Response(path.read_bytes(), media_type="application/yaml")

    app = Starlette(
        routes=[
            Route("/tasks", tasks_collection, methods=["GET", "POST"]),
            Route("/tasks/{id}", get_task, methods=["GET"]),
            Route("/openapi.yaml", spec_file, methods=["GET"]),
            Route("/errspec/problem-details.openapi-3.1.yaml", spec_file, methods=["GET"]),
        ],
    )
    # "/tasks/" is an unknown route (404), not a redirect to "/tasks".
    app.router.redirect_slashes = False
    # Every error (the views' APIError and HTTPException, routing's 404 and 405 with Allow,
    # a crash as a 500 that leaks nothing) as an RFC 9457 problem.
    return install(app, "problem-details")


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(create_app(), host="127.0.0.1", port=8000)
