"""Serve the web-portals benchmark's lab portals from a separate process.

Usage: python -m bench.web_lab_proc PLAN.json WORKDIR
PLAN.json is the list of portals written by bench/web_portals.py (host, address, the lab's
planted cases, the benchmark's extra cases, TLS profile, certificate). Each portal is the lab's
:class:`~canhgac.lab.web_lab.PortalSite` (the demo province's faultless portal with its planted
cases switched on) on ports 443 and 80 of its own loopback address. Writes the lab CA to
WORKDIR/ca.pem, prints ``READY <portals>`` once every portal listens, then serves until killed.
Runs under the loopback guard.

Two things the lab's ``portal_server()`` does not offer, added here without touching the lab:

- TLS profiles (TLS 1.0+, 1.1+, 1.2 only, 1.3 only): :class:`BenchPortalServer` starts its
  HTTPS listener with a context built for the profile, where ``LabHttpsServer.start`` always
  uses the modern default.
- A few more header and cookie cases than :class:`~canhgac.lab.web_plan.Plant` has (a short
  HSTS max-age, a CSP with 'unsafe-inline', X-Frame-Options without CSP frame-ancestors, no
  Referrer-Policy, a session cookie without HttpOnly): :class:`BenchPortalSite` edits the
  faultless portal's headers.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

from bench.lab_procs import serve_plan
from bench.lab_tls import tls_context
from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.pki import KeyKind
from canhgac.lab.web_lab import PortalSite
from canhgac.lab.web_plan import Plant, PortalPlan
from canhgac.lab.web_server import LabWebServer, WebRequest

HANDSHAKE_TIMEOUT = 10.0  # as the lab server's


class Extra:
    """The benchmark's own cases (names as in PLAN.json)."""

    HSTS_SHORT = "hsts-short"  # max-age=86400 (one day)
    CSP_UNSAFE_INLINE = "csp-unsafe-inline"  # script-src 'self' 'unsafe-inline', no nonce
    XFO_ONLY = "xfo-only"  # no frame-ancestors in the CSP; X-Frame-Options SAMEORIGIN only
    NO_REFERRER = "no-referrer-policy"
    COOKIE_NO_HTTPONLY = "cookie-no-httponly"  # session cookie Secure; SameSite=Lax, no HttpOnly


class BenchPortalSite(PortalSite):
    """The lab's portal, with the benchmark's extra cases applied to its answers."""

    def __init__(self, plan: PortalPlan, extras: list[str]) -> None:
        super().__init__(plan)
        self.extras = frozenset(extras)

    def _headers(self, req: WebRequest, nonce: str) -> list[tuple[str, str]]:
        out = []
        for name, value in super()._headers(req, nonce):
            key = name.lower()
            if key == "strict-transport-security" and Extra.HSTS_SHORT in self.extras:
                value = "max-age=86400"
            elif key == "content-security-policy":
                if Extra.CSP_UNSAFE_INLINE in self.extras:
                    value = re.sub(r"script-src [^;]*", "script-src 'self' 'unsafe-inline'", value)
                if Extra.XFO_ONLY in self.extras:
                    value = value.replace("; frame-ancestors 'none'", "")
            elif key == "x-frame-options" and Extra.XFO_ONLY in self.extras:
                value = "SAMEORIGIN"
            elif key == "referrer-policy" and Extra.NO_REFERRER in self.extras:
                continue
            out.append((name, value))
        return out

    def _cookie(self) -> str:
        cookie = super()._cookie()
        if Extra.COOKIE_NO_HTTPONLY in self.extras:
            cookie = cookie.replace("; HttpOnly", "")
        return cookie


class BenchPortalServer(LabWebServer):
    """A lab portal whose HTTPS listener uses the TLS profile's context (else as LabHttpsServer)."""

    def __init__(self, site: PortalSite, *, address: str, cert: tuple[str, str], profile: str) -> None:
        super().__init__(site, address=address, cert=cert, https_port=443, http_port=80, plan=site.plan)
        self.profile = profile

    async def start(self) -> None:
        assert self.cert is not None and self.http_port is not None
        context = tls_context(self.profile, self.cert)
        context.sni_callback = self._note_sni
        https = await asyncio.start_server(
            self._https, self.address, self.https_port, ssl=context, ssl_handshake_timeout=HANDSHAKE_TIMEOUT
        )
        http = await asyncio.start_server(self._http, self.address, self.http_port)
        self._servers += [https, http]


def portal(entry: dict[str, Any]) -> BenchPortalServer:
    plants = frozenset(Plant(p) for p in entry["plants"])
    plan = PortalPlan(
        entry["number"], entry["host"], entry["name"], plants, entry["address"], entry["cookie"]
    )
    spec = CertSpec(
        expired=Plant.CERT_EXPIRED in plants,
        self_signed=entry["cert"] == "self-signed",
        key=KeyKind(entry["key"]),
    )
    return BenchPortalServer(
        BenchPortalSite(plan, entry["extras"]),
        address=entry["address"],
        cert=certificate(entry["host"], spec),
        profile=entry["tls"],
    )


async def serve(plan: list[dict[str, Any]], work: Path) -> None:
    lab_ca().write_ca(work)
    servers = [portal(entry) for entry in plan]
    for server in servers:
        await server.start()
    print(f"READY {len(servers)}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        errors = sum(s.internal_errors for s in servers)
        if errors:
            print(f"lab web servers: {errors} internal errors", file=sys.stderr, flush=True)


def main() -> None:
    serve_plan(serve)


if __name__ == "__main__":
    main()
