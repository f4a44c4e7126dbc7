"""``/.well-known/security.txt``: the console's own vulnerability contact (RFC 9116), for anyone,
without a login; "page not found" when no contact is configured (docs/console.md)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from canhgac.services import security_txt


@require_GET
def security_txt_file(request: HttpRequest) -> HttpResponse:
    try:
        contact = security_txt.checked_contact(settings.SECURITY_CONTACT)
    except security_txt.SecurityContactError:  # none configured (serve refuses a malformed one)
        raise Http404 from None
    canonical = security_txt.canonical_urls(settings.ALLOWED_HOSTS, settings.SESSION_COOKIE_SECURE)
    return HttpResponse(security_txt.render(contact, timezone.now(), canonical),
                        content_type="text/plain; charset=utf-8")
