"""errspec.contrib.django with the real Django and Django REST framework: the middleware
and DRF's exception handler answer every error path in the configured envelope."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import configure_django

# Django is configured once per process (conftest); what this module needs is applied per
# test with override_settings.
configure_django(__name__)

from django.core.exceptions import PermissionDenied, SuspiciousOperation  # noqa: E402
from django.http import Http404, HttpRequest, JsonResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.http import require_http_methods  # noqa: E402
from rest_framework import exceptions, serializers  # noqa: E402
from rest_framework.authentication import BaseAuthentication  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

import errspec  # noqa: E402
from errspec.contrib import APIError  # noqa: E402

ENVELOPES = ("problem-details", "google-rpc", "code-message", "errors-array")
SECRET = "db password hunter2 at /srv/app/settings.py"


class User:
    is_authenticated = True


class TokenAuth(BaseAuthentication):
    def authenticate(self, request: Request) -> Any:
        if request.headers.get("Authorization") == "Bearer good":
            return (User(), "good")
        return None

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="tasks"'


class NewTask(serializers.Serializer[Any]):
    title = serializers.CharField()
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("title") == "forbidden":
            raise serializers.ValidationError("This title is taken.")
        return attrs


class Tasks(APIView):
    def get(self, request: Request) -> Response:
        return Response([])

    def post(self, request: Request) -> Response:
        task = NewTask(data=request.data)
        task.is_valid(raise_exception=True)
        return Response(task.data, status=201)


class Private(APIView):
    authentication_classes = (TokenAuth,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class Throttled(APIView):
    def get(self, request: Request) -> Response:
        raise exceptions.Throttled(wait=12)


class MissingTask(APIView):
    def get(self, request: Request) -> Response:
        raise Http404("There is no task t9.")


class DrfCrash(APIView):
    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET)


class Conflict(APIView):
    def get(self, request: Request) -> Response:
        raise APIError(409, "The task changed meanwhile.")


def plain_crash(request: HttpRequest) -> JsonResponse:
    raise RuntimeError(SECRET)


def plain_404(request: HttpRequest) -> JsonResponse:
    raise Http404("There is no note n4.")


def plain_403(request: HttpRequest) -> JsonResponse:
    raise PermissionDenied


def suspicious(request: HttpRequest) -> JsonResponse:
    raise SuspiciousOperation(f"tampered cookie {SECRET}")


def plain_api_error(request: HttpRequest) -> JsonResponse:
    raise APIError(503, "Down for maintenance.", retry_after=60)


@require_http_methods(["GET"])
def only_get(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def own_json_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"mine": True}, status=404)


urlpatterns = [
    path("api/tasks", Tasks.as_view()),
    path("api/private", Private.as_view()),
    path("api/throttled", Throttled.as_view()),
    path("api/missing", MissingTask.as_view()),
    path("api/crash", DrfCrash.as_view()),
    path("api/conflict", Conflict.as_view()),
    path("crash", plain_crash),
    path("notes/4", plain_404),
    path("forbidden", plain_403),
    path("suspicious", suspicious),
    path("maintenance", plain_api_error),
    path("only-get", only_get),
    path("own", own_json_error),
]


@pytest.fixture(params=ENVELOPES)
def envelope(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(envelope: str) -> Iterator[Client]:
    with override_settings(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
        ERRSPEC_ENVELOPE=envelope,
        MIDDLEWARE=["errspec.contrib.django.ErrorMiddleware"],
        REST_FRAMEWORK={
            "EXCEPTION_HANDLER": "errspec.contrib.django.exception_handler",
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": [],
            "UNAUTHENTICATED_USER": None,
        },
    ):
        yield Client(raise_request_exception=False)


def conforms(response: Any, envelope: str) -> errspec.ErrorInfo:
    report = errspec.check_response(response, envelope=envelope)
    assert [(f.rule, f.pointer, f.message) for f in report.findings] == []
    return errspec.parse(response, envelope)


def closed_without(envelope: str, status: int) -> bool:
    """Whether the envelope's closed catalogue has no code for ``status``."""
    code = errspec.get_envelope(envelope).profile.code
    return code is not None and not code.open and status not in code.catalogue.values()


# --- Django REST framework ----------------------------------------------------------------


def test_drf_validation_error_becomes_field_errors(client: Client, envelope: str) -> None:
    response = client.post("/api/tasks", {"tags": [1, "x"]}, content_type="application/json")
    status = 400 if envelope == "google-rpc" else 422
    assert response.status_code == status
    info = conforms(response, envelope)
    fields = {e.field: e.message for e in info.field_errors}
    title = "#/title" if envelope == "problem-details" else "title"
    tag = "#/tags/1" if envelope == "problem-details" else "tags[1]"
    if envelope == "code-message":  # keyed by field: one error per field
        assert fields == {
            "title": "This field is required.",
            "tags[1]": "A valid integer is required.",
        }
    else:
        assert fields == {title: "This field is required.", tag: "A valid integer is required."}


def test_drf_non_field_error_is_the_message(client: Client, envelope: str) -> None:
    response = client.post("/api/tasks", {"title": "forbidden"}, content_type="application/json")
    info = conforms(response, envelope)
    assert (info.message, info.field_errors) == ("This title is taken.", ())


def test_drf_not_authenticated_is_401_with_the_challenge(client: Client, envelope: str) -> None:
    response = client.get("/api/private")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="tasks"'
    info = conforms(response, envelope)
    assert info.message == "Authentication credentials were not provided."
    assert client.get("/api/private", HTTP_AUTHORIZATION="Bearer good").status_code == 200


def test_drf_method_not_allowed_keeps_allow(client: Client, envelope: str) -> None:
    response = client.delete("/api/tasks")
    assert response.status_code == (400 if closed_without(envelope, 405) else 405)
    assert set(response["Allow"].split(", ")) == {"GET", "POST", "HEAD", "OPTIONS"}
    conforms(response, envelope)


def test_drf_throttled_says_when(client: Client, envelope: str) -> None:
    response = client.get("/api/throttled")
    assert (response.status_code, response["Retry-After"]) == (429, "12")
    conforms(response, envelope)
    assert errspec.parse(response, envelope).retry_after == 12.0


def test_drf_django_404_and_api_error(client: Client, envelope: str) -> None:
    missing = client.get("/api/missing")
    assert missing.status_code == 404
    assert conforms(missing, envelope).message == "There is no task t9."
    conflict = client.get("/api/conflict")
    assert conflict.status_code == 409
    assert conforms(conflict, envelope).message == "The task changed meanwhile."


def test_drf_unhandled_exception_reaches_the_middleware(
    client: Client, envelope: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="errspec.contrib"):
        response = client.get("/api/crash")
    assert response.status_code == 500
    assert "hunter2" not in response.content.decode()
    assert conforms(response, envelope).message == "The server could not handle the request."
    [record] = [r for r in caplog.records if r.name == "errspec.contrib"]
    assert record.exc_info is not None
    assert record.exc_info[0] is RuntimeError


# --- plain Django: the middleware ---------------------------------------------------------


def test_unknown_url_replaces_djangos_html_page(client: Client, envelope: str) -> None:
    response = client.get("/no/such/url")
    assert response.status_code == 404
    assert conforms(response, envelope).message == "Not Found"


def test_view_exceptions(client: Client, envelope: str) -> None:
    missing = client.get("/notes/4")
    assert (missing.status_code, conforms(missing, envelope).message) == (
        404,
        "There is no note n4.",
    )
    forbidden = client.get("/forbidden")
    assert (forbidden.status_code, conforms(forbidden, envelope).message) == (403, "Forbidden")
    suspicious = client.get("/suspicious")
    assert suspicious.status_code == 400
    assert "hunter2" not in suspicious.content.decode()
    assert conforms(suspicious, envelope).message == "Bad Request"


def test_not_allowed_response_keeps_allow(client: Client, envelope: str) -> None:
    response = client.post("/only-get")
    assert response.status_code == (400 if closed_without(envelope, 405) else 405)
    assert response["Allow"] == "GET"
    conforms(response, envelope)


def test_unhandled_exception_is_a_500_that_leaks_nothing(client: Client, envelope: str) -> None:
    response = client.get("/crash")
    assert response.status_code == 500
    body = response.content.decode()
    for leak in ("hunter2", "settings.py", "RuntimeError", "Traceback"):
        assert leak not in body
    conforms(response, envelope)


def test_api_error_from_a_plain_view(client: Client, envelope: str) -> None:
    response = client.get("/maintenance", HTTP_X_REQUEST_ID="req-5")
    assert (response.status_code, response["Retry-After"]) == (503, "60")
    info = conforms(response, envelope)
    assert info.message == "Down for maintenance."
    if errspec.get_envelope(envelope).profile.request_id_pointer is not None:
        assert info.request_id == "req-5"


def test_the_apps_own_json_errors_pass_untouched(client: Client) -> None:
    response = client.get("/own")
    assert (response.status_code, response.json()) == (404, {"mine": True})


def test_a_bad_envelope_setting_fails_at_start_up() -> None:
    from errspec.contrib.django import ErrorMiddleware

    with (
        override_settings(ERRSPEC_ENVELOPE="no-such-envelope"),
        pytest.raises(errspec.ErrspecError, match="no-such-envelope"),
    ):
        ErrorMiddleware(lambda request: None)
