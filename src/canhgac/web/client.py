"""The client's address as the console records it (security log, login throttling)."""

from __future__ import annotations

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """``REMOTE_ADDR``: the peer, or, behind the documented TLS proxy, the address uvicorn read
    from the proxy's ``X-Forwarded-For`` (it trusts that header from the proxy's address only)."""
    return str(request.META.get("REMOTE_ADDR") or "")
