"""``services.findings`` and ``services.finding_filters`` on a small real store, once per backend:
every filter, sort and output format of ``findings list``, and one finding's history.

Not collected directly: ``test_finding_list.py`` runs this module in a fresh process per backend
(SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set), because Django is
configured once per process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-findings-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import transaction  # noqa: E402

from canhgac.catalog import load_catalog  # noqa: E402
from canhgac.console.store import models, queries, services  # noqa: E402
from canhgac.console.store.models import Triage  # noqa: E402
from canhgac.engine.results import CheckResult, Outcome, Provenance, failed, passed  # noqa: E402
from canhgac.engine.targets import Target, TargetKind  # noqa: E402
from canhgac.i18n import set_language  # noqa: E402
from canhgac.reports.exports import CSV_COLUMNS  # noqa: E402
from canhgac.services.finding_filters import (  # noqa: E402
    TRIAGE_STATES,
    FilterError,
    FindingQuery,
    UnknownValueError,
    split_values,
)
from canhgac.services.findings import (  # noqa: E402
    ROW_FIELDS,
    FindingRow,
    detail_json,
    finding_detail,
    finding_rows,
    rows_csv,
    rows_json,
)

CATALOG = load_catalog()
set_language("en")  # messages are asserted in English
PROVENANCE = Provenance(canhgac_version="0.1.0", catalog_version="sha256:test")
SPF, CAA, HSTS = "mail.spf.present", "dns.caa.present", "web.hsts"
RELAY, GONE = "mail.smtp.open-relay", "x.gone"
A, B = "SO-A", "SO-B"
dom_a = Target(kind=TargetKind.DOMAIN, name="a.example.vn", agency=A)
url_a = Target(kind=TargetKind.URL, name="https://a.example.vn/", agency=A)
dom_b = Target(kind=TargetKind.DOMAIN, name="b.example.vn", agency=B)
mx_b = Target(kind=TargetKind.MAIL_HOST, name="mx.b.example.vn", agency=B)


def result(check_id: str, target: Target, outcome: Outcome) -> CheckResult:
    return CheckResult(check_id=check_id, target=target, status=outcome.status, message=outcome.message,
                       evidence=outcome.evidence, observed_at=datetime(2025, 1, 2, tzinfo=UTC))


SPF_A = result(SPF, dom_a, failed("missing"))
CAA_A = result(CAA, dom_a, failed("missing", domain="a.example.vn"))
HSTS_A = result(HSTS, url_a, failed("missing", {"header": "max-age=0", "server": "Máy chủ Sở A"},
                                    url="https://a.example.vn/"))
SPF_B = result(SPF, dom_b, failed("missing"))
RELAY_B = result(RELAY, mx_b, failed("open", endpoints="mx.b.example.vn:25", detail="RCPT 250"))
GONE_B = result(GONE, dom_b, failed("old"))  # a check the catalog no longer has


def scan(*results: CheckResult) -> models.ScanRun:
    run = services.start_run(provenance=PROVENANCE)
    services.record_results(run, results)
    services.finish_run(run)
    return run


@dataclass(frozen=True)
class Store:
    first: models.ScanRun
    second: models.ScanRun


@pytest.fixture(autouse=True)
def store() -> Iterator[Store]:
    """Run 1 fails SPF (A, B), CAA (A), the relay (B) and a check since removed (B); run 2 fixes
    B's SPF and finds A's HSTS; the others fail again."""
    with transaction.atomic():
        services.sync_agencies([
            {"code": A, "name": "Sở A", "domains": ("a.example.vn",), "urls": ("https://a.example.vn/",)},
            {"code": B, "name": "Sở B", "domains": ("b.example.vn",), "mail_hosts": ("mx.b.example.vn",)},
        ])
        first = scan(SPF_A, CAA_A, SPF_B, RELAY_B, GONE_B)
        second = scan(SPF_A, CAA_A, HSTS_A, result(SPF, dom_b, passed("pass", record="v=spf1 -all")),
                      RELAY_B, GONE_B)
        yield Store(first, second)
        transaction.set_rollback(True)


def rows(**options: object) -> list[FindingRow]:
    return finding_rows(FindingQuery(**options), CATALOG, "en")  # type: ignore[arg-type]


def fps(**options: object) -> list[str]:
    return [r.fingerprint for r in rows(**options)]


def ids(*found: CheckResult) -> set[str]:
    return {r.fingerprint for r in found}


# filters


def test_open_findings_by_default_and_every_state_with_all() -> None:
    assert set(fps()) == ids(SPF_A, CAA_A, HSTS_A, RELAY_B, GONE_B)
    assert set(fps(include_fixed=True)) == ids(SPF_A, CAA_A, HSTS_A, RELAY_B, GONE_B, SPF_B)
    assert fps(lifecycles=("fixed",)) == [SPF_B.fingerprint]
    assert set(fps(lifecycles=("new",))) == ids(HSTS_A)
    assert set(fps(lifecycles=("open", "fixed"))) == ids(SPF_A, CAA_A, RELAY_B, GONE_B, SPF_B)


def test_triage_filter() -> None:
    services.triage(RELAY_B.fingerprint, triage=Triage.ACCEPTED_RISK, actor="csirt")
    assert fps(triage=("accepted_risk",)) == [RELAY_B.fingerprint]
    assert fps(triage=("Accepted-Risk",)) == [RELAY_B.fingerprint]  # as typed with a hyphen
    assert set(fps(triage=("untriaged",))) == ids(SPF_A, CAA_A, HSTS_A, GONE_B)
    assert fps(triage=("false_positive",)) == []


def test_severity_exact_and_minimum() -> None:
    assert set(fps(severities=("high",))) == ids(SPF_A)
    assert set(fps(severities=("low", "critical"))) == ids(CAA_A, RELAY_B)
    assert set(fps(min_severity="medium")) == ids(SPF_A, HSTS_A, RELAY_B)
    assert set(fps(min_severity="high", severities=("high", "low"))) == ids(SPF_A)
    assert set(fps(min_severity="info")) == ids(SPF_A, CAA_A, HSTS_A, RELAY_B)  # not the unknown check


def test_family_filter_takes_the_families_under_a_group() -> None:
    assert set(fps(families=("mail",))) == ids(SPF_A, RELAY_B)
    assert set(fps(families=("mail.spf", "web.transport"))) == ids(SPF_A, HSTS_A)
    assert set(fps(families=("mail-smtp",))) == ids(RELAY_B)  # the hyphenated alias


def test_clause_filter_by_clause_or_framework() -> None:
    assert set(fps(clauses=("CV430:3",))) == ids(SPF_A)
    assert set(fps(clauses=("CV430 1",))) == ids(RELAY_B)  # as reports print it
    assert set(fps(clauses=("cv430",))) == ids(SPF_A, RELAY_B)
    assert set(fps(clauses=("CV2132:2",))) == ids(CAA_A, HSTS_A)
    assert set(fps(clauses=("KG20",))) == ids(SPF_A, CAA_A, HSTS_A, RELAY_B)


def test_text_matches_target_title_and_evidence_ignoring_case() -> None:
    assert set(fps(text="MX.B.EXAMPLE")) == ids(RELAY_B)  # target
    assert set(fps(text="strict-transport")) == set()  # a message word, not a title
    assert set(fps(text="sends hsts")) == ids(HSTS_A)  # English title
    assert set(fps(text="TÊN MIỀN có bản ghi spf")) == ids(SPF_A)  # Vietnamese title
    assert set(fps(text="MAX-AGE=0")) == ids(HSTS_A)  # evidence
    assert set(fps(text="máy chủ sở a")) == ids(HSTS_A)  # non-ASCII evidence
    assert set(fps(text="x.gone")) == ids(GONE_B)  # check id
    assert set(fps(text="example.vn", families=("dns",))) == ids(CAA_A)
    assert fps(text="nothing like it") == []


def test_agency_filter() -> None:
    assert set(fps(agencies=(B,))) == ids(RELAY_B, GONE_B)
    assert set(fps(agencies=(A, B))) == set(fps())


def test_filters_combine() -> None:
    assert set(fps(agencies=(A,), min_severity="medium", clauses=("KG20",))) == ids(SPF_A, HSTS_A)
    assert fps(severities=("critical",), families=("web",)) == []


@pytest.mark.parametrize(("options", "said"), [
    ({"severities": ("hgh",)}, "--severity: unknown value hgh — did you mean: high?"),
    ({"min_severity": "severe"},
     "--min-severity: unknown value severe — known values: info, low, medium, high, critical"),
    ({"lifecycles": ("closed",)},
     "--lifecycle: unknown value closed — known values: new, open, fixed, reopened"),
    ({"triage": ("accepted",)}, "--triage: unknown value accepted — did you mean: accepted_risk?"),
    ({"triage": ("fixed",)},
     "--triage: unknown value fixed — known values: untriaged, confirmed, accepted_risk, false_positive"),
    ({"families": ("mail.spff",)}, "--family: unknown value mail.spff — did you mean: mail.spf"),
    ({"clauses": ("CV431:3",)}, "--clause: unknown value CV431:3 — did you mean: CV430:3"),
    ({"clauses": ("CV430:99",)},
     "--clause: unknown value CV430:99 — known values: CV430:1, CV430:2, CV430:3"),
    ({"agencies": ("SO-C",)}, "--agency: unknown value SO-C — did you mean: SO-"),
    ({"agencies": ("so-a",)}, "--agency: unknown value so-a — did you mean: SO-A?"),
    ({"sort": "newest"},
     "--sort: unknown value newest — known values: severity, first-seen, last-seen, agency, check"),
])
def test_unknown_values_are_refused_with_the_closest_names(options: dict[str, object], said: str) -> None:
    with pytest.raises(UnknownValueError) as raised:
        rows(**options)
    assert str(raised.value).startswith(said)
    assert "\n" not in str(raised.value)


def test_all_and_lifecycle_together_are_refused() -> None:
    with pytest.raises(FilterError, match="--all and --lifecycle"):
        rows(include_fixed=True, lifecycles=("fixed",))


def test_comma_lists_and_repeated_options_are_one_list() -> None:
    assert split_values(["high,critical", " low ", "", "medium,"]) == ("high", "critical", "low", "medium")
    assert split_values(None) == ()


def test_triage_states_are_the_stores() -> None:
    assert list(TRIAGE_STATES) == list(Triage.values)


# sorts


def test_sort_by_severity_worst_first_unknown_checks_last() -> None:
    found = rows(sort="severity")
    assert [r.check for r in found] == [RELAY, SPF, HSTS, CAA, GONE]
    assert [r.severity for r in found] == ["critical", "high", "medium", "low", ""]


def test_reverse_is_the_exact_reverse_of_every_sort() -> None:
    for sort in ("severity", "first-seen", "last-seen", "agency", "check"):
        forward = fps(sort=sort, include_fixed=True)
        assert fps(sort=sort, include_fixed=True, reverse=True) == forward[::-1], sort


def test_sort_by_first_and_last_seen_oldest_first(store: Store) -> None:
    by_first = rows(sort="first-seen", include_fixed=True)
    assert by_first[-1].fingerprint == HSTS_A.fingerprint  # first seen in the second run
    assert [r.first_seen_run for r in by_first] == sorted(r.first_seen_run for r in by_first)
    by_last = rows(sort="last-seen", include_fixed=True)
    assert by_last[0].fingerprint == SPF_B.fingerprint  # fixed since the second run
    assert (by_last[0].last_seen_run, by_last[0].fixed_in_run) == (store.first.pk, store.second.pk)


def test_sort_by_agency_and_by_check() -> None:
    by_agency = rows(sort="agency")
    assert [(r.agency, r.check) for r in by_agency] == [(A, CAA), (A, SPF), (A, HSTS), (B, RELAY), (B, GONE)]
    assert [r.check for r in rows(sort="check")] == [CAA, RELAY, SPF, HSTS, GONE]


# formats


def test_json_is_a_list_of_the_documented_objects(store: Store) -> None:
    services.triage(SPF_A.fingerprint, triage=Triage.CONFIRMED, actor="csirt", assignee="an.nv")
    data = json.loads(rows_json(rows(sort="severity")))
    assert [list(obj) for obj in data] == [list(ROW_FIELDS)] * 5
    spf = next(obj for obj in data if obj["fingerprint"] == SPF_A.fingerprint)
    assert spf["check"] == SPF and spf["severity"] == "high" and spf["agency_name"] == "Sở A"
    assert spf["target"] == "domain:a.example.vn" and spf["lifecycle"] == "open"
    assert (spf["triage"], spf["assignee"], spf["triaged_by"]) == ("confirmed", "an.nv", "csirt")
    assert spf["clauses"] == ["CV430:3", "KG20:1", "KG20:3"]
    assert spf["message"] == "The domain has no SPF record (no TXT record starts with v=spf1)"
    runs = (spf["first_seen_run"], spf["last_seen_run"], spf["fixed_in_run"])
    assert runs == (store.first.pk, store.second.pk, None)
    assert datetime.fromisoformat(spf["first_seen"]) == store.first.started_at.replace(microsecond=0)
    gone = next(obj for obj in data if obj["check"] == GONE)
    assert (gone["severity"], gone["title"], gone["message"]) == ("", GONE, "old")
    assert json.loads(rows_json([])) == []


def test_csv_has_the_reports_columns_and_cells_are_inert(store: Store) -> None:
    services.triage(RELAY_B.fingerprint, triage=Triage.CONFIRMED, actor="csirt", assignee="=HYPERLINK(1)")
    data = rows_csv(rows(sort="severity", include_fixed=True), CATALOG)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as the report's CSV
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(table[0]) == list(CSV_COLUMNS)
    assert [r["check"] for r in table] == [RELAY, SPF, SPF, HSTS, CAA, GONE]
    relay = table[0]
    assert relay["assignee"] == "'=HYPERLINK(1)"
    assert relay["clause"] == "CV430 1; KG20 1; KG20 3" and relay["agency_name"] == "Sở B"
    assert relay["message"].startswith("mx.b.example.vn:25 is an open relay")
    fixed = next(r for r in table if r["fingerprint"] == SPF_B.fingerprint)
    assert (fixed["status"], fixed["lifecycle"]) == ("pass", "fixed")
    assert datetime.fromisoformat(fixed["last_seen"]) == store.first.started_at.replace(microsecond=0)


# one finding and its history


def test_history_shows_seen_lifecycle_and_each_triage_change(store: Store) -> None:
    fp = SPF_B.fingerprint
    services.triage(fp, triage=Triage.ACCEPTED_RISK, actor="lan", assignee="an.nv", note="Máy chủ cũ")
    services.triage(fp[:8], triage=Triage.CONFIRMED, actor="minh", note="Đã xác nhận")
    third = scan(SPF_B)  # fails again: reopened
    detail = finding_detail(fp[:10], CATALOG, "en")
    assert detail.row.lifecycle == "reopened" and detail.row.triage == "confirmed"
    assert detail.row.first_seen == store.first.started_at and detail.row.last_seen == third.started_at
    lifecycle = [(e.run, e.before, e.after) for e in detail.history if e.kind == "lifecycle"]
    assert lifecycle == [(store.first.pk, "", "new"), (store.second.pk, "new", "fixed"),
                         (third.pk, "fixed", "reopened")]
    triage = [(e.actor, e.field, e.before, e.after) for e in detail.history if e.kind == "triage"]
    assert triage == [
        ("lan", "triage", "untriaged", "accepted_risk"), ("lan", "assignee", "", "an.nv"),
        ("lan", "note", "", "Máy chủ cũ"),
        ("minh", "triage", "accepted_risk", "confirmed"), ("minh", "note", "Máy chủ cũ", "Đã xác nhận"),
    ]
    assert [e.at for e in detail.history] == sorted(e.at for e in detail.history)
    assert [e.kind for e in detail.history][-1] == "lifecycle"  # the reopening came last
    document = json.loads(detail_json(detail))
    assert list(document) == [*ROW_FIELDS, "evidence", "history"]
    assert document["history"][0] == {"at": document["history"][0]["at"], "kind": "lifecycle",
                                      "field": "lifecycle", "before": "", "after": "new",
                                      "run": store.first.pk, "actor": ""}
    assert document["history"][3]["actor"] == "lan"


def test_a_finding_that_never_changed_state_has_one_lifecycle_entry(store: Store) -> None:
    detail = finding_detail(RELAY_B.fingerprint, CATALOG, "vi")
    assert [(e.kind, e.before, e.after) for e in detail.history] == [("lifecycle", "", "new"),
                                                                      ("lifecycle", "new", "open")]
    assert detail.evidence == {} and detail.row.title.startswith("Máy chủ thư")


def test_show_of_an_unknown_or_hidden_finding_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="no finding"):
        finding_detail("abcdef12", CATALOG, "en")
    with pytest.raises(LookupError, match="no finding"):
        finding_detail(RELAY_B.fingerprint, CATALOG, "en", queries.ViewerScope.agencies({A}))
