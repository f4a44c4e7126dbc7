"""One error body for every API error: ``{"error": {"code": ..., "message": ..., "detail": ...}}``.

Handlers replace django-ninja's defaults (``{"detail": ...}``) for refused logins (401), refused
roles and CSRF (403), unknown rows and routes (404), invalid parameters (422) and anything
unexpected (500, logged, no trace in the body). ``ApiError`` is raised by the routes themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from canhgac.i18n import gettext as _
from canhgac.i18n.validation import describe, location

log = logging.getLogger("canhgac.api")

CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 422: "invalid", 429: "throttled", 500: "server_error"}


QUERY_SCHEMA_ARGUMENT = "params"  # the name every route gives its ``Query[...]`` schema argument


class ErrorContent(Schema):
    code: str
    message: str
    detail: list[dict[str, Any]] | None = None


class ErrorBody(Schema):
    error: ErrorContent


# the errors every operation may answer with, for the OpenAPI schema
COMMON_ERRORS: dict[int, type[Schema]] = {401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody,
                                           500: ErrorBody}


class ApiError(Exception):
    """A refusal a route raises: its status, message and (by default) the status's code."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        self.status, self.message, self.code = status, message, code or CODES.get(status, "error")
        super().__init__(message)


def error_response(status: int, message: str, code: str | None = None,
                   detail: list[dict[str, Any]] | None = None) -> HttpResponse:
    content: dict[str, Any] = {"code": code or CODES.get(status, "error"), "message": message}
    if detail is not None:
        content["detail"] = detail
    response = JsonResponse({"error": content}, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="canhgac"'
    return response


def _plain(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error as JSON: where, what (a sentence in the caller's language, not
    pydantic's English) and pydantic's stable type; the input itself is not echoed."""
    said = describe(error) if "type" in error else str(error.get("msg", ""))
    loc = [p if isinstance(p, int) else str(p) for p in error.get("loc", ())]
    if len(loc) > 2 and loc[1] == QUERY_SCHEMA_ARGUMENT:  # ninja names the routes' argument too
        del loc[1]
    return {"loc": loc, "msg": said,
            "type": str(error.get("type", ""))}


def _validation(request: HttpRequest, exc: Any) -> HttpResponse:  # ninja types it loosely
    assert isinstance(exc, ValidationError)
    detail = [_plain(e) for e in exc.errors]
    said = "; ".join(f"{location(d['loc'])}: {d['msg']}" for d in detail[:3])
    return error_response(422, _("invalid request: {fields}").format(fields=said), detail=detail)


def _http(request: HttpRequest, exc: Any) -> HttpResponse:  # ninja types it loosely
    assert isinstance(exc, HttpError)
    messages = {403: _("forbidden"), 404: _("not found"), 400: _("the request cannot be read")}
    return error_response(exc.status_code, messages.get(exc.status_code, str(exc.message)))


def _api_error(request: HttpRequest, exc: Any) -> HttpResponse:  # ninja types it loosely
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.code)


def _unexpected(request: HttpRequest, exc: Any) -> HttpResponse:  # ninja types it loosely
    log.error("API %s %s failed", request.method, request.path, exc_info=exc)
    return error_response(500, _("internal error: the failure is logged on the server"))


def install(api: NinjaAPI) -> None:
    """Route every error ``api`` meets to the one body."""
    fixed: dict[type[Exception], tuple[int, Callable[[], str]]] = {
        AuthenticationError: (401, lambda: _("authentication required: send a token "
                                             "(Authorization: Bearer cg_...) or log in")),
        AuthorizationError: (403, lambda: _("your role may not do this")),
        Http404: (404, lambda: _("not found")),
    }
    for kind, (status, message) in fixed.items():  # worded when answering, in the caller's language
        api.add_exception_handler(kind, partial(_fixed, status=status, message=message))
    api.add_exception_handler(ValidationError, _validation)
    api.add_exception_handler(HttpError, _http)
    api.add_exception_handler(ApiError, _api_error)
    api.add_exception_handler(Exception, _unexpected)


def _fixed(request: HttpRequest, exc: Exception, *, status: int, message: Callable[[], str]) -> HttpResponse:
    return error_response(status, message())
