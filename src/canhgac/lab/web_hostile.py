"""Misbehaving web sites for the scanner's robustness tests (not part of the demo).

:func:`hostile_server` serves one :class:`Hostile` behaviour for a host, the same on HTTPS
(lab-CA certificate) and plain HTTP: endless redirects, a redirect out of the scope, 1 MiB of
response headers, a slow endless body, silence, or a bogus charset with undecodable bytes.
"""

from __future__ import annotations

from enum import StrEnum

from canhgac.lab.certificates import CertSpec, certificate
from canhgac.lab.web_server import LabWebServer, WebAnswer, WebRequest

OUT_OF_SCOPE_URL = "https://portal.outside-province.invalid/"
DRIP_SIZE = 1 << 30  # what the slow body declares
FILLER_HEADERS, FILLER_BYTES = 1024, 1024  # 1 MiB of response headers
BOGUS_CHARSET = "x-lab-no-such-charset"
INVALID_BODY = (
    f'<html><head><meta charset="{BOGUS_CHARSET}"><title>C\xff\xfeng th\xc3\x28ng tin</title>'
    "</head><body>\x80\x81\xfe\xff \xed\xa0\x80</body></html>"
).encode("latin-1")


class Hostile(StrEnum):
    """Misbehaving sites for the scanner's robustness tests (not part of the demo)."""

    REDIRECT_LOOP = "redirect-loop"  # /r/N -> /r/N+1, for ever
    REDIRECT_OUT_OF_SCOPE = "redirect-out-of-scope"  # every path -> OUT_OF_SCOPE_URL
    HUGE_HEADERS = "huge-headers"  # 1 MiB of response headers
    SLOW_BODY = "slow-body"  # declares 1 GiB, trickles 16 KiB every 0.2 s
    NEVER_ANSWERS = "never-answers"  # reads the request, never answers
    INVALID_CHARSET = "invalid-charset"  # unknown charset declared, undecodable bytes


def _hostile_answer(kind: Hostile, req: WebRequest) -> WebAnswer:
    if kind is Hostile.REDIRECT_LOOP:
        step = req.path.removeprefix("/r/")
        following = int(step) + 1 if req.path.startswith("/r/") and step.isdigit() else 1
        return WebAnswer.redirect(f"/r/{following}", 302)
    if kind is Hostile.REDIRECT_OUT_OF_SCOPE:
        return WebAnswer.redirect(OUT_OF_SCOPE_URL, 302)
    if kind is Hostile.HUGE_HEADERS:
        filler = "a" * FILLER_BYTES
        headers = tuple((f"X-Filler-{i:04d}", filler) for i in range(FILLER_HEADERS))
        return WebAnswer(200, (("Content-Type", "text/plain"), *headers), b"ok\n")
    if kind is Hostile.SLOW_BODY:
        return WebAnswer(200, (("Content-Type", "text/html; charset=utf-8"),), drip_size=DRIP_SIZE)
    if kind is Hostile.NEVER_ANSWERS:
        return WebAnswer(200, stall=True)
    return WebAnswer(200, (("Content-Type", f"text/html; charset={BOGUS_CHARSET}"),), INVALID_BODY)


def hostile_server(
    kind: Hostile, *, host: str, address: str, https_port: int = 0, http_port: int | None = 0
) -> LabWebServer:
    """A misbehaving site for ``host`` (lab-CA certificate), the same on HTTPS and plain HTTP."""

    def site(req: WebRequest) -> WebAnswer:
        return _hostile_answer(kind, req)

    return LabWebServer(
        site, address=address, cert=certificate(host, CertSpec()), https_port=https_port, http_port=http_port
    )
