"""``--ca-file`` adds to the system's trust store; ``--ca-only`` replaces it.

A province mixes portals with public certificates and portals signed by its own CA: a scan told
about the private CA must still trust the public ones. "The system's store" is made a CA of the
test's own (``SSL_CERT_FILE``, which OpenSSL reads when loading its default paths), so both TLS
paths — the TLS analysis (mail and web TLS checks) and the web client (HTTPS fetches) — are
judged against real servers with two real CAs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_tls_support import FAST, TlsTestServer
from test_web_fetch_support import context as web_context
from test_web_fetch_support import lab_dns, loopback

from canhgac.engine.context import CollectContext
from canhgac.engine.dns import DnsClient, ServerAddress
from canhgac.engine.facts.tls import StartTls, TrustVerdict
from canhgac.engine.scope import Scope
from canhgac.engine.settings import ScanSettings
from canhgac.engine.tls import analysis
from canhgac.engine.web.fetch import WebClient
from canhgac.lab.https_server import LabHttpsServer, Route
from canhgac.lab.pki import LabCA, server_context

HOST = "portal.agency.gov.test"
PUBLIC = LabCA("a public CA (the system's store)")
PRIVATE = LabCA("the province's private CA")


@pytest.fixture
def system_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The system's trust store is ``PUBLIC`` alone; built contexts are forgotten before and after."""
    store = tmp_path / "system"
    store.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(PUBLIC.write_ca(store)))
    monkeypatch.setenv("SSL_CERT_DIR", str(store / "no-such-dir"))
    analysis._context.cache_clear()
    yield
    analysis._context.cache_clear()


def private_ca_file(tmp_path: Path) -> str:
    folder = tmp_path / "private"
    folder.mkdir(exist_ok=True)
    return str(PRIVATE.write_ca(folder))


def tls_context(settings: ScanSettings) -> CollectContext:
    return CollectContext(
        dns=DnsClient((ServerAddress("127.0.0.1", 53),), timeout=0.5, attempts=1),
        scope=Scope.build(loopback_only=True),
        settings=settings.model_copy(update={"net": FAST}),
    )


async def trust_of(ca: LabCA, settings: ScanSettings) -> TrustVerdict:
    async with TlsTestServer(server_context(ca.issue([HOST]))) as server:
        facts = await analysis.analyze_tls(tls_context(settings), host=HOST, address=server.address,
                                           port=server.port, starttls=StartTls.NONE)
    assert facts.certificate is not None, facts
    return facts.trust


@pytest.mark.usefixtures("system_store")
async def test_tls_analysis_trusts_the_system_store_and_the_ca_file(tmp_path: Path) -> None:
    both = ScanSettings(ca_file=private_ca_file(tmp_path))
    assert both.trusts_system
    assert await trust_of(PUBLIC, both) is TrustVerdict.TRUSTED
    assert await trust_of(PRIVATE, both) is TrustVerdict.TRUSTED


@pytest.mark.usefixtures("system_store")
async def test_tls_analysis_with_ca_only_trusts_the_file_alone(tmp_path: Path) -> None:
    only = ScanSettings(ca_file=private_ca_file(tmp_path), ca_only=True)
    assert not only.trusts_system
    assert await trust_of(PUBLIC, only) is TrustVerdict.UNTRUSTED_ISSUER
    assert await trust_of(PRIVATE, only) is TrustVerdict.TRUSTED


def test_ca_only_without_a_file_still_trusts_the_system() -> None:
    assert ScanSettings(ca_only=True).trusts_system  # nothing to replace it with


async def fetch_error(ca: LabCA, tmp_path: Path, *, ca_only: bool) -> str | None:
    address = loopback()
    page = Route(body=b"<html><title>portal</title></html>", headers={"Content-Type": "text/html"})
    async with LabHttpsServer(address=address, cert=ca.issue([HOST]), routes={"/": page}) as server, \
            lab_dns({"portal.agency": address}) as dns:
        given = web_context(dns, ca_file=private_ca_file(tmp_path))
        ctx = CollectContext(dns=given.dns, scope=given.scope,
                             settings=given.settings.model_copy(update={"ca_only": ca_only}))
        response = await WebClient.for_run(ctx).get(f"https://{HOST}:{server.https_port}/")
        await ctx.aclose()
    assert response.ok and response.status == 200  # unverified retry: the page is read either way
    return response.tls_error


@pytest.mark.usefixtures("system_store")
async def test_web_client_trusts_the_system_store_and_the_ca_file(tmp_path: Path) -> None:
    assert await fetch_error(PUBLIC, tmp_path, ca_only=False) is None
    assert await fetch_error(PRIVATE, tmp_path, ca_only=False) is None


@pytest.mark.usefixtures("system_store")
async def test_web_client_with_ca_only_refuses_the_system_store(tmp_path: Path) -> None:
    refused = await fetch_error(PUBLIC, tmp_path, ca_only=True)
    assert refused == "certificate: unable to get local issuer certificate"
    assert await fetch_error(PRIVATE, tmp_path, ca_only=True) is None
