"""HTTP services: one bounded ``GET`` over plain HTTP/1.0, and what plain web servers, the Docker
API and Elasticsearch say to it.

Docker (``GET /version``) and Elasticsearch (``GET /``) answer JSON; a 401 means they ask for
credentials. Nothing but ``GET`` is ever sent.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any

from canhgac.engine.facts.services import Access, ProbeError, ProbeFailure, Service, ServiceReading
from canhgac.engine.service_probes.base import Conn, text_of
from canhgac.engine.vulns.identify import from_headers

MAX_HEAD = 16384
MAX_BODY = 65536
_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)? (\d{3})")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")

    def json(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.body.decode("utf-8", errors="replace"))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


async def http_get(conn: Conn, host: str, path: str, user_agent: str) -> HttpReply | None:
    """``GET path``; None when the reply is not HTTP."""
    name = f"[{host}]" if ":" in host else host
    request = f"GET {path} HTTP/1.0\r\nHost: {name}\r\nUser-Agent: {user_agent}\r\nAccept: */*\r\n"
    await conn.send((request + "Connection: close\r\n\r\n").encode("ascii", errors="replace"))
    first = await conn.read_until(b"\n", 1024)
    match = _STATUS.match(first)
    if match is None:
        return None
    head = await conn.read_until(b"\r\n\r\n", MAX_HEAD) if not first.endswith(b"\r\n\r\n") else b""
    headers: list[tuple[str, str]] = []
    for line in head.split(b"\r\n")[:100]:
        key, sep, value = line.partition(b":")
        if sep:
            headers.append((text_of(key, 64), text_of(value, 300)))
    body = b""
    with contextlib.suppress(ProbeError):
        body = await conn.read_available(conn.limits.read_timeout)
    return HttpReply(int(match.group(1)), tuple(headers), body[:MAX_BODY])


def _title(body: bytes) -> str:
    match = _TITLE.search(body[:MAX_BODY])
    return text_of(match.group(1), 120) if match else ""


def _plain(reply: HttpReply, port: int) -> ServiceReading:
    server = reply.header("Server")
    found = from_headers(reply.headers)
    best = next((c for c in found if c.version), found[0] if found else None)
    info = [("status", str(reply.status))]
    if title := _title(reply.body):
        info.append(("title", title))
    if api := reply.header("Api-Version"):
        info.append(("api_version", api[:20]))
    return ServiceReading(
        port,
        Service.HTTP,
        best.name if best else "",
        best.version if best else "",
        text_of(server.encode(), 120),
        info=tuple(info),
    )


def _elasticsearch(reply: HttpReply, port: int) -> ServiceReading | None:
    if reply.status in (401, 403):
        realm = reply.header("WWW-Authenticate")
        if "security" in realm.lower() or "elastic" in reply.body[:2048].decode("utf-8", "replace").lower():
            return ServiceReading(
                port,
                Service.ELASTICSEARCH,
                "elasticsearch",
                access=Access.PROTECTED,
                access_detail=f"HTTP {reply.status} {realm}"[:200],
            )
        return None
    data = reply.json()
    if data is None or "cluster_name" not in data or not isinstance(data.get("version"), dict):
        return None
    version = data["version"]
    product = (
        "opensearch" if str(version.get("distribution", "")).lower() == "opensearch" else "elasticsearch"
    )
    return ServiceReading(
        port,
        Service.ELASTICSEARCH,
        product,
        str(version.get("number", ""))[:40],
        access=Access.OPEN,
        access_detail=f"GET / answered HTTP {reply.status} without credentials",
        info=(("cluster_name", str(data.get("cluster_name", ""))[:100]),),
    )


async def probe_web(conn: Conn, port: int, host: str, user_agent: str) -> ServiceReading | None:
    """``GET /``: Elasticsearch (open or asking for credentials), else a plain web server."""
    reply = await http_get(conn, host, "/", user_agent)
    if reply is None:
        return None
    return _elasticsearch(reply, port) or _plain(reply, port)


async def probe_docker(conn: Conn, port: int, host: str, user_agent: str) -> ServiceReading | None:
    reply = await http_get(conn, host, "/version", user_agent)
    if reply is None:
        return None
    data = reply.json()
    if reply.status != 200 or data is None or "ApiVersion" not in data:
        return None
    info = [("api_version", str(data.get("ApiVersion", ""))[:20]), ("os", str(data.get("Os", ""))[:40])]
    return ServiceReading(
        port,
        Service.DOCKER,
        "docker",
        str(data.get("Version", ""))[:40],
        access=Access.OPEN,
        access_detail="GET /version answered without credentials",
        info=tuple(info),
    )


def not_http(exc: ProbeError) -> bool:
    return exc.failure in (ProbeFailure.GARBAGE, ProbeFailure.CLOSED)
