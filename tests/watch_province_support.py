"""The small loopback province the watch's end-to-end tests watch, in one place: a resolver on a
random 127.x address holding ``gov.test``, SO-A's portal served over HTTPS (a lab-CA certificate),
SO-B's portal at an address where nothing listens (down, no certificate readable). The daemon
sees 4 monitors: an HTTP and a certificate monitor per portal.

``province`` is a module-scoped fixture: import it into the test module (``test_watch_cli``,
``test_watch_run_delivers``, ``test_serve_watch``). :class:`BackgroundLoop` runs servers while a
test blocks on a subprocess.

Not a test module: imported by name (pyproject's pytest ``pythonpath`` has ``tests``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import pytest
from loopback_support import random_loopback

from canhgac.lab.certificates import CertSpec, certificate, lab_ca
from canhgac.lab.dns_server import LabDnsServer
from canhgac.lab.https_server import LabHttpsServer, Route

T = TypeVar("T")
PAGE = (
    "<html><title>Sở A</title><body><p>Cổng thông tin điện tử Sở A</p>"
    "<a href='/tin-tuc'>Tin</a></body></html>"
)
INVENTORY = """version: 1
province: {{code: LAB, name: "Tỉnh thử nghiệm"}}
scope: {{public_suffixes: [gov.test], loopback_only: true}}
mail: {{dnsbl_zones: []}}  # no blocklist monitors: the portals' availability and certificates only
agencies:
  - code: SO-A
    name: "Sở A"
    kind: department
    portals: ["https://www.so-a.gov.test:{port}/"]
  - code: SO-B
    name: "Sở B"
    kind: department
    portals: ["https://www.so-b.gov.test:{port}/"]
"""
MONITORS = 4


class WatchProvince(NamedTuple):
    inventory: Path
    resolver: str  # "address:port", for --resolver
    ca_file: Path  # the lab CA, for --ca-file


class BackgroundLoop:
    """An asyncio loop on a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="watch-province", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@contextmanager
def watch_province(folder: Path) -> Iterator[WatchProvince]:
    """The province's servers running for the block; its inventory and CA written in ``folder``."""
    web, dead = random_loopback(), random_loopback()
    background = BackgroundLoop()
    site = LabHttpsServer(address=web, cert=certificate("www.so-a.gov.test", CertSpec()),
                          routes={"/": Route.text(PAGE, content_type="text/html; charset=utf-8")})
    dns: LabDnsServer | None = None
    try:
        background.run(site.start())
        zone = (f"$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 127.0.0.53\n"
                f"www.so-a IN A {web}\nwww.so-b IN A {dead}\n")
        dns = LabDnsServer(zones={"gov.test": zone}, address=random_loopback())
        background.run(dns.start())
        inventory = folder / "inventory.yaml"
        inventory.write_text(INVENTORY.format(port=site.port), encoding="utf-8")
        yield WatchProvince(inventory, f"{dns.address}:{dns.port}", lab_ca().write_ca(folder))
    finally:
        if dns is not None:
            background.run(dns.stop())
        background.run(site.stop())
        background.close()


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WatchProvince]:
    with watch_province(tmp_path_factory.mktemp("watch-province")) as running:
        yield running
