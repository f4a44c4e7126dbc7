"""Where a portal is reached over plain HTTP, shared by the portal collectors (pure URL arithmetic)."""

from __future__ import annotations

import httpx


def http_twin(url: httpx.URL, declared_ports: tuple[int, ...]) -> str:
    """The plain-HTTP entry of a URL: itself when http://, else port 80 or the declared other port."""
    if url.scheme == "http":
        return str(url)
    port = next((p for p in declared_ports if p != (url.port or 443)), None)
    return str(url.copy_with(scheme="http", port=None if port in (None, 80) else port))

