"""The exposed-services lab's HTTP services: Elasticsearch, the Docker API and an old Apache.

Each is a :data:`~canhgac.lab.web_server.Site` for a
:class:`~canhgac.lab.web_server.LabWebServer` on plain HTTP: reads answer as the real product
does (its version included), every request that would change state is refused. :data:`SITES`
maps each :class:`~canhgac.lab.services_plan.Plant` served this way to its site.
"""

from __future__ import annotations

import json

from canhgac.lab.services_plan import Plant
from canhgac.lab.web_server import Site, WebAnswer, WebRequest


def _json(status: int, document: object) -> WebAnswer:
    headers = (("Content-Type", "application/json; charset=UTF-8"),)
    return WebAnswer(status, headers, json.dumps(document).encode())


def _elasticsearch(req: WebRequest) -> WebAnswer:
    if req.method not in ("GET", "HEAD"):
        error = f"Incorrect HTTP method for uri [{req.path}], allowed: [GET]"
        return _json(405, {"error": error, "status": 405})
    if req.path == "/":
        version = {
            "number": "7.17.18",
            "build_flavor": "default",
            "build_type": "deb",
            "lucene_version": "8.11.1",
            "minimum_wire_compatibility_version": "6.8.0",
        }
        return _json(
            200,
            {
                "name": "es-log-01",
                "cluster_name": "vnptkg-nhatky",
                "cluster_uuid": "q1TgC5m2S3u0n6bZ8fH4Xw",
                "version": version,
                "tagline": "You Know, for Search",
            },
        )
    if req.path == "/_cat/indices":
        text = b"green open nhatky-2024.05 Xq1 1 0 1843211 0 1.2gb 1.2gb\n"
        return WebAnswer(200, (("Content-Type", "text/plain; charset=UTF-8"),), text)
    return _json(404, {"error": {"type": "index_not_found_exception"}, "status": 404})


def _docker(req: WebRequest) -> WebAnswer:
    path = req.path.split("/", 2)[-1] if req.path.startswith("/v1.") else req.path.lstrip("/")
    if req.method not in ("GET", "HEAD"):
        return _json(403, {"message": "lab server: requests that change state are refused"})
    if path == "_ping":
        return WebAnswer(200, (("Content-Type", "text/plain; charset=utf-8"), ("Api-Version", "1.41")), b"OK")
    if path == "version":
        return _json(
            200,
            {
                "Platform": {"Name": "Docker Engine - Community"},
                "Version": "20.10.7",
                "ApiVersion": "1.41",
                "MinAPIVersion": "1.12",
                "GitCommit": "b0f5bc3",
                "GoVersion": "go1.13.15",
                "Os": "linux",
                "Arch": "amd64",
                "KernelVersion": "5.4.0-150-generic",
            },
        )
    return _json(404, {"message": "page not found"})


def _old_apache(req: WebRequest) -> WebAnswer:
    body = (
        b"<!DOCTYPE html><html><head><title>Phan mem ke toan - Dang nhap</title></head><body>"
        b"<form method='post' action='/login.php'><input name='user'><input name='pass' type='password'>"
        b"</form></body></html>\n"
    )
    headers = (("Server", "Apache/2.4.49 (Unix)"), ("Content-Type", "text/html; charset=utf-8"))
    return WebAnswer(200 if req.path in ("/", "/login.php") else 404, headers, body)


SITES: dict[Plant, Site] = {
    Plant.ELASTICSEARCH: _elasticsearch,
    Plant.DOCKER: _docker,
    Plant.OLD_APACHE: _old_apache,
}
