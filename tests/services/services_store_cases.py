"""``services.reporting`` and ``services.retest`` on a small real store, once per backend.

Not collected directly: ``test_services_store.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set), like the store's
own ``*_cases.py`` modules, because Django is configured once per process.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac import i18n
from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-services-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402

from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.models import RunStatus  # noqa: E402
from canhgac.engine.results import CheckResult, Outcome, Provenance, failed, passed  # noqa: E402
from canhgac.engine.settings import ScanSettings  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.inventory.model import Inventory  # noqa: E402
from canhgac.services import reporting  # noqa: E402
from canhgac.services.retest import retest_target  # noqa: E402

ALL = queries.ViewerScope.everything()
PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
PROVINCE = {"code": "KG", "name": "Tỉnh Kiên Giang"}
SPF, DMARC = "mail.spf.present", "mail.dmarc.policy"
A, B = "SO-A", "SO-B"
a = Target(kind=TargetKind.DOMAIN, name="a.example.vn", agency=A)
b = Target(kind=TargetKind.DOMAIN, name="b.example.vn", agency=B)


@pytest.fixture(autouse=True)
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        services.sync_agencies([
            {"code": A, "name": "Sở A", "domains": ("a.example.vn",)},
            {"code": B, "name": "Sở B", "domains": ("b.example.vn",)},
            {"code": "VNPT", "name": "VNPT Kiên Giang", "kind": "provider", "ranges": ("192.0.2.0/28",)},
        ])
        yield
        transaction.set_rollback(True)


def result(check_id: str, target: Target, outcome: Outcome) -> CheckResult:
    return CheckResult(
        check_id=check_id, target=target, status=outcome.status, message=outcome.message,
        evidence=outcome.evidence, discriminator=outcome.discriminator,
        observed_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), duration_ms=1.0,
    )


def spf_fail(target: Target) -> CheckResult:
    return result(SPF, target, failed("missing"))


def spf_ok(target: Target) -> CheckResult:
    return result(SPF, target, passed("pass", record="v=spf1 -all"))


def dmarc_ok(target: Target) -> CheckResult:
    return result(DMARC, target, passed("pass", policy="reject", source="_dmarc"))


def run(*results: CheckResult, settings: ScanSettings | None = None,
        status: RunStatus = RunStatus.FINISHED) -> models.ScanRun:
    started = services.start_run(
        provenance=PROVENANCE,
        filters=services.RunFilters(extra={"province": PROVINCE}),
        parameters=(settings or ScanSettings()).model_dump(mode="json"),
        target_count=len({r.target.key for r in results}),
    )
    services.record_results(started, results)
    services.finish_run(started, status)
    return started


# reporting.report_input


def test_report_of_an_empty_store_says_to_scan_first() -> None:
    with pytest.raises(reporting.NoRunError, match="canhgac scan"):
        reporting.report_input(lang="en")


def test_report_for_an_unknown_agency_names_the_known_ones() -> None:
    run(spf_fail(a))
    with pytest.raises(reporting.UnknownAgencyError) as raised:
        reporting.report_input(lang="en", agency="SO-X")
    assert "SO-X" in str(raised.value) and "SO-A" in str(raised.value) and "SO-B" in str(raised.value)


def test_report_of_one_run_holds_its_results_lifecycle_and_province() -> None:
    first = run(spf_fail(a), dmarc_ok(a), spf_ok(b))
    report = reporting.report_input(first.pk, lang="en")
    assert report.scope == "run"
    assert report.province.name == PROVINCE["name"]
    assert {(r.check_id, r.target.key, r.status.value) for r in report.results} == {
        (SPF, a.key, "fail"), (DMARC, a.key, "pass"), (SPF, b.key, "pass")}
    # a finding first seen in the run it reports is "new" there
    assert {fp: str(v) for fp, v in report.lifecycle.items()} == {spf_fail(a).fingerprint: "new"}
    assert {x.code for x in report.agencies} >= {A, B}


def test_current_state_report_shows_the_fix_of_a_later_run() -> None:
    run(spf_fail(a), spf_ok(b))
    latest = run(spf_ok(a))
    report = reporting.report_input(lang="en")
    assert report.scope == "state"
    assert {(r.target.key, r.status.value) for r in report.results if r.check_id == SPF} == {
        (a.key, "pass"), (b.key, "pass")}
    assert {fp: str(v) for fp, v in report.lifecycle.items()} == {spf_fail(a).fingerprint: "fixed"}
    assert report.changes.fixed == (spf_fail(a).fingerprint,)
    assert report.run.id == str(latest.pk)


def test_report_limited_to_a_viewer_scope_shows_that_agency_alone() -> None:
    run(spf_fail(a), spf_fail(b))
    report = reporting.report_input(lang="en", scope=queries.ViewerScope.agencies({B}))
    assert {r.agency for r in report.results} == {B}
    assert set(report.lifecycle) == {spf_fail(b).fingerprint}


def test_provider_ranges_are_read_for_a_provider_only() -> None:
    assert [str(r) for r in reporting.provider_ranges(ALL, "VNPT")] == ["192.0.2.0/28"]
    with i18n.language("en"), pytest.raises(reporting.UnknownProviderError, match="SO-A is not a provider"):
        reporting.provider_ranges(ALL, A)


# retest.retest_target


def test_retest_uses_the_latest_run_that_evaluated_the_finding_not_the_latest_run() -> None:
    failing = run(spf_fail(a), settings=ScanSettings(dns_timeout=1.0))
    evaluated = run(spf_fail(a), settings=ScanSettings(dns_timeout=3.0))
    run(dmarc_ok(a), spf_ok(b), settings=ScanSettings(dns_timeout=5.0))  # not this finding's check
    target = retest_target(spf_fail(a).fingerprint)
    assert target.settings_run == evaluated.pk != failing.pk
    assert target.settings.dns_timeout == 3.0
    assert (target.check_id, target.target_key, target.agency) == (SPF, a.key, A)
    assert target.lifecycle == "open" and target.fixed_in_run is None


def test_retest_of_a_finding_outside_the_viewer_scope_is_not_found() -> None:
    run(spf_fail(a))
    with pytest.raises(LookupError):
        retest_target(spf_fail(a).fingerprint, scope=queries.ViewerScope.agencies({B}))
    with pytest.raises(LookupError):
        retest_target("abcdef0123")


def test_retest_with_an_inventory_takes_its_scope_and_keeps_the_stored_options() -> None:
    run(spf_fail(a), settings=ScanSettings(ca_file="/lab/ca.pem"))
    inventory = Inventory.model_validate({
        "version": 1, "province": PROVINCE,
        "scope": {"public_suffixes": ["example.vn"]},
        "agencies": [{"code": A, "name": "Sở A", "kind": "department",
                      "domains": [{"name": "a.example.vn", "dkim_selectors": ["s2025"]}]}],
    })
    target = retest_target(spf_fail(a).fingerprint, inventory=inventory)
    assert target.settings.ca_file == "/lab/ca.pem"
    assert target.settings.public_suffixes == ("example.vn",)
    assert target.settings.target_options[a.key].dkim_selectors == ("s2025",)
    assert target.settings.scope.build().allows_name("mail.a.example.vn")


def test_retest_zones_come_from_the_command_line_then_a_given_inventory_then_the_stored_run() -> None:
    """``retest --dnsbl-zone`` used to be ignored (the stored group won over the flat override)."""
    stored = ScanSettings.model_validate(
        {"mail": {"dnsbl_zones": ["bl.stored.example"], "ehlo_name": "old.example"}})
    run(spf_fail(a), settings=stored)
    finding = spf_fail(a).fingerprint
    assert retest_target(finding).settings.mail.dnsbl_zones == ("bl.stored.example",)
    given = {"dnsbl_zones": ("bl.given.example",), "ehlo_name": "new.example"}
    overridden = retest_target(finding, overrides=given)
    assert (overridden.settings.mail.dnsbl_zones, overridden.settings.mail.ehlo_name) == (
        ("bl.given.example",), "new.example")
    assert retest_target(finding, overrides={"dnsbl_zones": ()}).settings.mail.dnsbl_zones == ()
    declaring = Inventory.model_validate({
        "version": 1, "province": PROVINCE, "mail": {"dnsbl_zones": ["bl.inventory.example"]},
        "agencies": [{"code": A, "name": "Sở A", "kind": "department", "domains": ["a.example.vn"]}],
    })
    assert retest_target(finding, declaring).settings.mail.dnsbl_zones == ("bl.inventory.example",)
    both = retest_target(finding, declaring, {"dnsbl_zones": ("bl.given.example",)})
    assert both.settings.mail.dnsbl_zones == ("bl.given.example",)
    silent = declaring.model_copy(update={"mail": type(declaring.mail)()})  # declares no zones
    kept = retest_target(finding, silent).settings.mail
    assert (kept.dnsbl_zones, kept.ehlo_name) == (("bl.stored.example",), "old.example")
    with pytest.raises(ValueError, match="is not a DNS blocklist zone"):
        retest_target(finding, overrides={"dnsbl_zones": ("not a zone",)})
