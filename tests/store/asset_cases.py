"""Discovered assets: hosts, open ports and services stored with first and last seen, and read
by the drift baseline, the report's services table and the provider view.

Not collected directly: ``test_assets.py`` runs this module in a fresh process per backend
(SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set), like ``store_cases.py``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-assets-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402

from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.models import AssetOrigin, RunStatus  # noqa: E402
from canhgac.engine.observations import HostObservation, ObservedService  # noqa: E402
from canhgac.engine.results import CheckResult, Outcome, Provenance, not_applicable, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.inventory.loader import load_inventory  # noqa: E402
from canhgac.services import reporting  # noqa: E402
from canhgac.services.scan import agency_records  # noqa: E402

PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
PROVINCE = {"code": "KG", "name": "Tỉnh Kiên Giang"}
ALL = queries.ViewerScope.everything()
A, P = "SO-A", "VNPT"  # an agency, and the provider whose range hosts its server
HOSTED, OWN = "192.0.2.5", "198.51.100.7"
T1, T2 = datetime(2025, 1, 2, tzinfo=UTC), datetime(2025, 2, 3, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        services.sync_agencies([
            {"code": A, "name": "Sở A", "domains": ["a.gov.vn"], "ranges": [f"{OWN}/32"]},
            {"code": P, "name": "VNPT", "kind": "provider", "ranges": ["192.0.2.0/28"]},
        ])
        yield
        transaction.set_rollback(True)


def host(address: str, agency: str = A) -> Target:
    return Target(kind=TargetKind.HOST, name=address, agency=agency)


def seen(address: str, *found: ObservedService, at: datetime = T1, baseline: bool = False) -> CheckResult:
    """A host's ``net.ports.new`` result as the check writes it (the observation's transport)."""
    observation = HostObservation(address=address, agency=A, services=found)
    outcome: Outcome = (passed("pass", observation.to_evidence()) if baseline
                        else not_applicable("no-baseline", observation.to_evidence()))
    return CheckResult(check_id="net.ports.new", target=host(address), status=outcome.status,
                       message=outcome.message, evidence=outcome.evidence, observed_at=at)


def scan(*results: CheckResult) -> models.ScanRun:
    run = services.start_run(provenance=PROVENANCE,
                             filters=services.RunFilters(extra={"province": PROVINCE}))
    services.record_results(run, results)
    services.finish_run(run, RunStatus.FINISHED)
    return run


SSH = ObservedService(port=22, service="ssh", product="openssh", version="7.4")
HTTPS = ObservedService(port=443, service="http", product="nginx", tls="TLSv1.3")
REDIS = ObservedService(port=6379, service="redis")


def test_a_scan_stores_hosts_and_services_with_first_and_last_seen() -> None:
    first = scan(seen(HOSTED, SSH, HTTPS), seen(OWN, REDIS))
    second = scan(seen(HOSTED, HTTPS, REDIS, at=T2, baseline=True))
    stored = models.Asset.objects.get(kind="host", value=HOSTED)
    assert (stored.origin, stored.agency.code, stored.first_seen, stored.last_seen, stored.last_run_id) == (
        AssetOrigin.DISCOVERED, A, T1, T2, second.pk)
    rows = {s.port: (s.first_seen, s.last_seen, s.first_run_id, s.last_run_id)
            for s in models.Service.objects.filter(host=stored)}
    assert rows == {22: (T1, T1, first.pk, first.pk), 443: (T1, T2, first.pk, second.pk),
                    6379: (T2, T2, second.pk, second.pk)}
    # the drift baseline: each host's ports at the latest scan that looked at it
    assert queries.open_ports_baseline(ALL) == {f"host:{OWN}": (6379,), f"host:{HOSTED}": (443, 6379)}
    now = [(s.address, s.port, s.service, s.product, s.version, s.tls) for s in queries.host_services(ALL)]
    assert now == [(HOSTED, 443, "http", "nginx", "", "TLSv1.3"), (HOSTED, 6379, "redis", "", "", ""),
                   (OWN, 6379, "redis", "", "", "")]
    then = [(s.address, s.port) for s in queries.host_services(ALL, run=first)]
    assert then == [(HOSTED, 22), (HOSTED, 443), (OWN, 6379)]


def test_the_baseline_and_services_read_the_model_not_the_checks_evidence() -> None:
    scan(seen(HOSTED, SSH, HTTPS))
    models.Result.objects.update(evidence={})  # no check's evidence left to parse
    assert queries.open_ports_baseline(ALL) == {f"host:{HOSTED}": (22, 443)}
    report = reporting.report_input(lang="en")
    assert [(s.agency, s.address, s.port, s.service) for s in report.services] == [
        (A, HOSTED, 22, "ssh"), (A, HOSTED, 443, "http")]


def test_the_provider_view_lists_the_services_in_its_ranges_only() -> None:
    scan(seen(HOSTED, SSH), seen(OWN, REDIS))
    view = reporting.report_input(lang="en", provider=P)
    assert [(s.address, s.port) for s in view.services] == [(HOSTED, 22)]
    whole = reporting.report_input(lang="en")
    assert [(s.address, s.port) for s in whole.services] == [(HOSTED, 22), (OWN, 6379)]


def test_inventory_sync_keeps_discovered_hosts() -> None:
    scan(seen(HOSTED, SSH))
    services.sync_agencies([{"code": A, "name": "Sở A", "domains": ["a.gov.vn"]},
                            {"code": P, "name": "VNPT", "kind": "provider"}])
    assert models.Asset.objects.filter(kind="host", value=HOSTED, origin=AssetOrigin.DISCOVERED).exists()
    assert not models.Asset.objects.filter(kind="range").exists()


def test_a_new_target_kind_needs_no_migration() -> None:
    """Kinds are text validated in Python: no database choices to extend."""
    assert models.Result._meta.get_field("target_kind").choices is None
    assert models.Asset._meta.get_field("kind").choices is None
    agency = models.Agency.objects.get(code=A)
    models.Asset.objects.create(agency=agency, kind="log_source", value="syslog://192.0.2.9")
    assert models.Asset.objects.filter(kind="log_source").count() == 1


def test_agency_records_declare_mail_hosts_and_their_ports_as_services(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text("""version: 1
province: {code: KG, name: "Tỉnh Kiên Giang"}
scope: {public_suffixes: [gov.vn]}
agencies:
  - code: SO-A
    name: "Sở A"
    kind: department
    domains:
      - {name: a.gov.vn, mail_hosts: [{host: mx.a.gov.vn, ports: [25, 587]}]}
  - code: SO-B
    name: "Sở B"
    kind: department
    domains:
      - {name: b.gov.vn, mail_hosts: [{host: mx.a.gov.vn}, {host: mx.b.gov.vn}]}
""", encoding="utf-8")
    records = {r["code"]: r for r in agency_records(load_inventory(inventory))}
    assert records["SO-A"]["mail_hosts"] == ("mx.a.gov.vn",)
    assert records["SO-A"]["services"] == ("mx.a.gov.vn:25", "mx.a.gov.vn:587")
    assert records["SO-B"]["mail_hosts"] == ("mx.b.gov.vn",)  # mx.a has one owner: the first
    assert records["SO-B"]["services"] == ("mx.b.gov.vn:25",)
    services.sync_agencies(records.values())
    declared = set(models.Asset.objects.filter(kind__in=["mail_host", "service"]).values_list(
        "agency__code", "kind", "value"))
    assert declared == {("SO-A", "mail_host", "mx.a.gov.vn"), ("SO-A", "service", "mx.a.gov.vn:25"),
                        ("SO-A", "service", "mx.a.gov.vn:587"), ("SO-B", "mail_host", "mx.b.gov.vn"),
                        ("SO-B", "service", "mx.b.gov.vn:25")}


def test_a_malformed_host_inventory_stores_no_asset_and_loses_no_result() -> None:
    bad = CheckResult(check_id="net.ports.new", target=host(HOSTED), status=passed("x").status,
                      message=passed("x").message, evidence={"open_ports": ["22", None]}, observed_at=T1)
    run = scan(bad)
    assert models.Result.objects.filter(run=run).count() == 1
    assert not models.Asset.objects.filter(kind="host").exists()
