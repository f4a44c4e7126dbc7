"""The API's URLs under ``/api/v1/``: django-ninja's routes, then every other path as a 404 in
the API's error body (not the console's HTML page), and a wrong method as a 405 likewise."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt

from canhgac.i18n import gettext as _
from canhgac.web.api.api import api
from canhgac.web.api.errors import error_response


def _with_error_body(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def answered(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(405, _("method not allowed; use {methods}").format(methods=allowed))
            response["Allow"] = allowed
        return response

    return answered


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, _("not found"))


def _patterns() -> list[URLPattern | URLResolver]:
    routes, _app, _namespace = api.urls
    wrapped: list[URLPattern | URLResolver] = []
    for route in routes:
        if isinstance(route, URLPattern):
            route.callback = _with_error_body(route.callback)
        wrapped.append(route)
    return wrapped


app_name = "api-v1"
urlpatterns = [*_patterns(), re_path(r"^(?P<rest>.*)$", not_found)]
