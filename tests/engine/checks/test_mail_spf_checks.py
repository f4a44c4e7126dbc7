"""mail.spf.* checks on hand-built SpfFacts: exact statuses and message keys, no network."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from canhgac.catalog.schema import CatalogFile
from canhgac.engine.checks import mail_spf
from canhgac.engine.collectors import mail_domain
from canhgac.engine.collectors import spf as spf_collector
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mail_domain import DmarcFacts, discover_dmarc
from canhgac.engine.facts.spf import Reach, SpfFacts, SpfNode, Stop, TermLookup
from canhgac.engine.mailauth.spf import parse_spf
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry
from canhgac.engine.results import ErrorReason, Outcome, Status

REGISTRY = build_registry([mail_spf, spf_collector, mail_domain])
CATALOG = CatalogFile.model_validate(
    yaml.safe_load(
        Path(str(resources.files("canhgac.catalog") / "data" / "checks" / "mail-spf.yaml")).read_text(
            encoding="utf-8"
        )
    )
)
ENTRIES = {entry.id: entry for entry in CATALOG.checks}
ALL_CHECKS = sorted(ENTRIES)
TREE_CHECKS = [c for c in ALL_CHECKS if c not in ("mail.spf.present", "mail.spf.single", "mail.spf.syntax")]
ORG = "example.gov.test"


def node(
    domain: str,
    *records: str,
    reach: Reach = Reach.INCLUDE,
    term: str = "",
    position: int = -1,
    status: DnsStatus = DnsStatus.OK,
    children: tuple[SpfNode, ...] = (),
    lookups: tuple[TermLookup, ...] = (),
    stop: Stop | None = None,
    registrable: str = "",
    registrable_status: DnsStatus | None = None,
) -> SpfNode:
    return SpfNode(
        domain,
        reach,
        term=term,
        position=position,
        status=status,
        records=tuple(parse_spf(r) for r in records),
        children=children,
        lookups=lookups,
        stop=stop,
        registrable=registrable or domain,
        registrable_status=registrable_status,
    )


def child(parent_record: str, term: str, domain: str, *records: str, **kw: object) -> SpfNode:
    """A child node reached by ``term`` of ``parent_record`` (position looked up)."""
    texts = [t.text for t in parse_spf(parent_record).terms]
    reach = Reach.REDIRECT if term.startswith("redirect=") else Reach.INCLUDE
    return node(domain, *records, reach=reach, term=term, position=texts.index(term), **kw)  # type: ignore[arg-type]


def facts(
    *records: str,
    children: tuple[SpfNode, ...] = (),
    lookups: tuple[TermLookup, ...] = (),
    status: DnsStatus = DnsStatus.OK,
    truncated: bool = False,
) -> SpfFacts:
    root = node(
        ORG, *records, reach=Reach.ROOT, status=status, children=children, lookups=lookups, registrable=ORG
    )
    return SpfFacts(ORG, root, truncated=truncated)


def dmarc_facts(*own: str, org: tuple[str, ...] | None = None, domain: str = ORG,
                own_status: DnsStatus | None = None) -> DmarcFacts:
    """DMARC facts of ``domain``; ``org`` is the organisational domain's records (a subdomain)."""
    status = own_status or (DnsStatus.OK if own else DnsStatus.NXDOMAIN)
    own_lk = Lookup(f"_dmarc.{domain}", "TXT", status, own)
    org_lk = None
    if org is not None:
        org_lk = Lookup(f"_dmarc.{ORG}", "TXT", DnsStatus.OK if org else DnsStatus.NXDOMAIN, org)
    return DmarcFacts(domain, ORG, own_lk, org_lk, discover_dmarc(own_lk, org_lk), ())


ENFORCING = dmarc_facts("v=DMARC1; p=reject")


def run(check_id: str, f: SpfFacts, params: CheckParams | None = None,
        dmarc: DmarcFacts = ENFORCING) -> Outcome:
    spec = REGISTRY.checks[check_id]
    given = tuple(dmarc if need is DmarcFacts else f for need in spec.needs)
    outcome = spec.evaluate(given, params or CheckParams())
    if outcome.status is not Status.ERROR:
        text = ENTRIES[check_id].messages[outcome.message.key]  # every key is in the catalog
        for lang in ("vi", "en"):
            text.get(lang).format(**outcome.message.values)
    return outcome


def expect(
    check_id: str, f: SpfFacts, status: Status, key: str, params: CheckParams | None = None
) -> Outcome:
    outcome = run(check_id, f, params)
    assert (outcome.status, outcome.message.key) == (status, key), outcome
    return outcome


def test_registry_has_all_checks_and_catalog_matches() -> None:
    assert set(REGISTRY.checks) == set(ENTRIES)
    assert len(ENTRIES) == 12
    assert REGISTRY.collectors[SpfFacts].func is spf_collector.collect_spf


# -- gating ------------------------------------------------------------------------------


@pytest.mark.parametrize("check_id", [c for c in ALL_CHECKS if c != "mail.spf.present"])
def test_no_record_is_not_applicable(check_id: str) -> None:
    expect(check_id, facts(status=DnsStatus.NXDOMAIN), Status.NOT_APPLICABLE, "no-record")


@pytest.mark.parametrize("check_id", TREE_CHECKS)
def test_unparsable_and_multiple_are_not_applicable(check_id: str) -> None:
    expect(check_id, facts("v=spf1 ipv4:1.2.3.4 -all"), Status.NOT_APPLICABLE, "unparsable")
    outcome = expect(check_id, facts("v=spf1 -all", "v=spf1 mx -all"), Status.NOT_APPLICABLE, "multiple")
    assert outcome.message.values["count"] == 2


# -- present, single, syntax -------------------------------------------------------------


def test_present() -> None:
    expect("mail.spf.present", facts("v=spf1 -all"), Status.PASS, "pass")
    out = expect("mail.spf.present", facts(status=DnsStatus.NODATA), Status.FAIL, "missing")
    assert out.evidence["dns_status"] == "nodata"


def test_single() -> None:
    expect("mail.spf.single", facts("v=spf1 mx -all"), Status.PASS, "pass")
    out = expect(
        "mail.spf.single", facts("v=spf1 -all", "v=spf1 mx -all", "v=spf1 a ~all"), Status.FAIL, "multiple"
    )
    assert out.message.values["count"] == 3


def test_syntax_root_errors() -> None:
    expect("mail.spf.syntax", facts("v=spf1 mx -all"), Status.PASS, "pass")
    out = expect(
        "mail.spf.syntax", facts("v=spf1 ip4:10.0.0.0/33 ipv4:1.2.3.4 -all"), Status.FAIL, "invalid-cidr"
    )
    assert out.message.values == {"term": "ip4:10.0.0.0/33", "count": 2}
    errors = out.evidence["errors"]
    assert isinstance(errors, list)
    assert [e["problem"] for e in errors if isinstance(e, dict)] == ["invalid-cidr", "unknown-mechanism"]
    expect("mail.spf.syntax", facts("v=spf1 -all", "v=spf1 include: -all"), Status.FAIL, "missing-domain")


def test_syntax_in_included_record() -> None:
    root = "v=spf1 include:_spf.provider.test -all"
    bad = child(root, "include:_spf.provider.test", "_spf.provider.test", "v=spf1 ip4:1.2.3 ~all")
    out = expect("mail.spf.syntax", facts(root, children=(bad,)), Status.FAIL, "include-invalid")
    assert out.message.values == {"domain": "_spf.provider.test", "term": "ip4:1.2.3"}
    two = child(root, "include:_spf.provider.test", "_spf.provider.test", "v=spf1 -all", "v=spf1 ~all")
    out = expect("mail.spf.syntax", facts(root, children=(two,)), Status.FAIL, "include-invalid")
    assert out.evidence["problem"] == "multiple-records"


def test_syntax_errors_when_an_include_cannot_be_read() -> None:
    root = "v=spf1 include:_spf.provider.test -all"
    slow = child(root, "include:_spf.provider.test", "_spf.provider.test", status=DnsStatus.TIMEOUT)
    out = run("mail.spf.syntax", facts(root, children=(slow,)))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)


# -- policy and pass-all -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "status", "key"),
    [
        ("v=spf1 mx -all", Status.PASS, "pass"),
        ("v=spf1 mx ~all", Status.PASS, "pass"),
        ("v=spf1 mx ?all", Status.FAIL, "neutral"),
        ("v=spf1 mx +all", Status.NOT_APPLICABLE, "covered-by-pass-all"),
        ("v=spf1 mx all", Status.NOT_APPLICABLE, "covered-by-pass-all"),
        ("v=spf1 mx", Status.FAIL, "no-all"),
        ("v=spf1 -all redirect=other.test", Status.PASS, "pass"),
    ],
)
def test_policy_top_level(record: str, status: Status, key: str) -> None:
    expect("mail.spf.policy", facts(record), status, key)


def test_policy_follows_redirect_chain() -> None:
    root = "v=spf1 redirect=a.test"
    mid = "v=spf1 ip4:192.0.2.1 redirect=b.test"
    last = child(mid, "redirect=b.test", "b.test", "v=spf1 ~all")
    first = child(root, "redirect=a.test", "a.test", mid, children=(last,))
    out = expect("mail.spf.policy", facts(root, children=(first,)), Status.PASS, "pass")
    assert out.message.values == {"policy": "~all", "chain": f"{ORG} → a.test → b.test"}
    neutral = child(mid, "redirect=b.test", "b.test", "v=spf1 ?all")
    first = child(root, "redirect=a.test", "a.test", mid, children=(neutral,))
    expect("mail.spf.policy", facts(root, children=(first,)), Status.FAIL, "neutral")


@pytest.mark.parametrize(
    ("kw", "status", "key"),
    [
        ({"status": DnsStatus.NXDOMAIN}, Status.FAIL, "redirect-broken"),
        ({"status": DnsStatus.NODATA}, Status.FAIL, "redirect-broken"),
        ({"stop": Stop.LOOP}, Status.FAIL, "redirect-broken"),
        ({"status": DnsStatus.SERVFAIL}, Status.ERROR, "error"),
        ({"stop": Stop.MACRO}, Status.ERROR, "error"),
    ],
)
def test_policy_broken_redirect(kw: dict[str, object], status: Status, key: str) -> None:
    root = "v=spf1 redirect=gone.test"
    target = child(root, "redirect=gone.test", "gone.test", **kw)
    out = expect("mail.spf.policy", facts(root, children=(target,)), status, key)
    if status is Status.ERROR:
        assert out.error_reason in (ErrorReason.DNS_SERVFAIL, ErrorReason.PROTOCOL)


def test_policy_redirect_to_unparsable_record_is_broken() -> None:
    root = "v=spf1 redirect=bad.test"
    target = child(root, "redirect=bad.test", "bad.test", "v=spf1 foo -all")
    out = expect("mail.spf.policy", facts(root, children=(target,)), Status.FAIL, "redirect-broken")
    assert out.message.values["target"] == "bad.test"


@pytest.mark.parametrize(
    "record",
    ["v=spf1 +all", "v=spf1 mx all", "v=spf1 ip4:0.0.0.0/0 -all", "v=spf1 ip6:::/0 -all", "v=spf1 a/0 -all"],
)
def test_pass_all_top_level(record: str) -> None:
    expect("mail.spf.pass-all", facts(record), Status.FAIL, "pass-all")


def test_pass_all_absent() -> None:
    expect("mail.spf.pass-all", facts("v=spf1 mx ip4:10.0.0.0/8 -all +all"), Status.PASS, "pass")
    expect("mail.spf.pass-all", facts("v=spf1 -all"), Status.PASS, "pass")


def test_pass_all_through_include_and_redirect() -> None:
    root = "v=spf1 include:open.test -all"
    inc = child(root, "include:open.test", "open.test", "v=spf1 +all")
    out = expect("mail.spf.pass-all", facts(root, children=(inc,)), Status.FAIL, "pass-all")
    assert out.evidence["chain"] == [f"{ORG}: include:open.test", "open.test: +all"]
    negated = "v=spf1 -include:open.test ~all"
    inc = child(negated, "-include:open.test", "open.test", "v=spf1 +all")
    expect("mail.spf.pass-all", facts(negated, children=(inc,)), Status.PASS, "pass")
    redirect = "v=spf1 redirect=open.test"
    target = child(redirect, "redirect=open.test", "open.test", "v=spf1 ip4:1.2.3.4 all")
    expect("mail.spf.pass-all", facts(redirect, children=(target,)), Status.FAIL, "pass-all")


def test_pass_all_errors_when_an_include_timed_out() -> None:
    root = "v=spf1 include:slow.test -all"
    slow = child(root, "include:slow.test", "slow.test", status=DnsStatus.TIMEOUT)
    out = run("mail.spf.pass-all", facts(root, children=(slow,)))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)


# -- lookup limit, void lookups ----------------------------------------------------------


def _includes(n: int) -> tuple[str, tuple[SpfNode, ...]]:
    root = "v=spf1 " + " ".join(f"include:p{i}.test" for i in range(n)) + " -all"
    kids = tuple(
        child(root, f"include:p{i}.test", f"p{i}.test", "v=spf1 ip4:192.0.2.1 -all") for i in range(n)
    )
    return root, kids


def test_lookup_limit_counts_nested_terms() -> None:
    root = "v=spf1 mx a include:p.test -all"
    nested = "v=spf1 include:q.test exists:x.test ptr ~all"
    q_record = "v=spf1 a:h.test mx:m.test redirect=r.test"
    r = child(q_record, "redirect=r.test", "r.test", "v=spf1 mx -all")
    q = child(nested, "include:q.test", "q.test", q_record, children=(r,))
    p = child(root, "include:p.test", "p.test", nested, children=(q,))
    out = expect("mail.spf.lookup-limit", facts(root, children=(p,)), Status.PASS, "pass")
    assert out.message.values == {"count": 10, "limit": 10}
    lookups = out.evidence["lookups"]
    assert isinstance(lookups, list)
    assert lookups[:3] == [f"{ORG}: mx", f"{ORG}: a", f"{ORG}: include:p.test"]
    out = expect(
        "mail.spf.lookup-limit",
        facts(root, children=(p,)),
        Status.FAIL,
        "too-many",
        CheckParams(spf_max_dns_lookups=9),
    )
    assert out.message.values == {"count": 10, "limit": 9}


def test_lookup_limit_eleven_includes_fail() -> None:
    root, kids = _includes(11)
    expect("mail.spf.lookup-limit", facts(root, children=kids), Status.FAIL, "too-many")
    root, kids = _includes(10)
    expect("mail.spf.lookup-limit", facts(root, children=kids), Status.PASS, "pass")


def test_lookup_limit_ignores_terms_after_all() -> None:
    expect("mail.spf.lookup-limit", facts("v=spf1 -all " + "a " * 20), Status.PASS, "pass")


def test_lookup_limit_mx_with_too_many_hosts() -> None:
    lk = TermLookup("mx", ORG, "MX", DnsStatus.OK, answers=12)
    out = expect("mail.spf.lookup-limit", facts("v=spf1 mx -all", lookups=(lk,)), Status.FAIL, "mx-too-many")
    assert out.message.values == {"term": f"{ORG}: mx", "count": 12}


def test_lookup_limit_failure_deep_in_an_include_is_error_unless_already_over() -> None:
    root = "v=spf1 include:slow.test -all"
    slow = child(root, "include:slow.test", "slow.test", status=DnsStatus.TIMEOUT)
    out = run("mail.spf.lookup-limit", facts(root, children=(slow,)))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
    root, kids = _includes(11)
    kids = (*kids[:-1], child(root, "include:p10.test", "p10.test", status=DnsStatus.TIMEOUT))
    expect("mail.spf.lookup-limit", facts(root, children=kids), Status.FAIL, "too-many")


def test_lookup_limit_depth_stop_with_high_limit_is_error() -> None:
    root = "v=spf1 include:deep.test -all"
    deep = child(root, "include:deep.test", "deep.test", stop=Stop.DEPTH)
    out = run("mail.spf.lookup-limit", facts(root, children=(deep,)), CheckParams(spf_max_dns_lookups=50))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.POLICY)


def _void(term: str, name: str, status: DnsStatus = DnsStatus.NXDOMAIN) -> TermLookup:
    return TermLookup(term, name, "A", status)


def test_void_lookups() -> None:
    root = "v=spf1 a:a.test a:b.test a:c.test include:gone.test -all"
    two = (
        _void("a:a.test", "a.test"),
        _void("a:b.test", "b.test", DnsStatus.NODATA),
        TermLookup("a:c.test", "c.test", "A", DnsStatus.OK, answers=1),
    )
    inc_ok = child(root, "include:gone.test", "gone.test", "v=spf1 -all")
    out = expect("mail.spf.void-lookups", facts(root, children=(inc_ok,), lookups=two), Status.PASS, "pass")
    assert out.message.values == {"count": 2, "limit": 2}
    gone = child(root, "include:gone.test", "gone.test", status=DnsStatus.NXDOMAIN)
    out = expect("mail.spf.void-lookups", facts(root, children=(gone,), lookups=two), Status.FAIL, "too-many")
    assert out.message.values == {"count": 3, "limit": 2}


def test_void_lookups_error_on_failed_lookup_or_cap() -> None:
    failed = (TermLookup("a:x.test", "x.test", "A", DnsStatus.SERVFAIL),)
    out = run("mail.spf.void-lookups", facts("v=spf1 a:x.test -all", lookups=failed))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)
    out = run("mail.spf.void-lookups", facts("v=spf1 -all", truncated=True))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.POLICY)


# -- ptr, loop, broad range, dangling ----------------------------------------------------


def test_ptr() -> None:
    expect("mail.spf.ptr", facts("v=spf1 mx -all"), Status.PASS, "pass")
    expect("mail.spf.ptr", facts("v=spf1 ptr -all"), Status.FAIL, "used")
    expect("mail.spf.ptr", facts("v=spf1 -all ptr"), Status.PASS, "pass")
    root = "v=spf1 include:p.test -all"
    inc = child(root, "include:p.test", "p.test", "v=spf1 ptr:p.test ~all")
    out = expect("mail.spf.ptr", facts(root, children=(inc,)), Status.FAIL, "used")
    assert out.message.values == {"term": "p.test: ptr:p.test"}


def test_loop() -> None:
    root = "v=spf1 include:a.test -all"
    back = child("v=spf1 include:example.gov.test", "include:example.gov.test", ORG, stop=Stop.LOOP)
    a = child(root, "include:a.test", "a.test", "v=spf1 include:example.gov.test", children=(back,))
    out = expect("mail.spf.loop", facts(root, children=(a,)), Status.FAIL, "loop")
    assert out.message.values == {"domain": ORG, "chain": f"{ORG} → a.test → {ORG}"}
    a = child(root, "include:a.test", "a.test", "v=spf1 -all")
    expect("mail.spf.loop", facts(root, children=(a,)), Status.PASS, "pass")


def test_broad_range() -> None:
    expect(
        "mail.spf.broad-range", facts("v=spf1 ip4:203.0.113.0/24 ip6:2001:db8::/48 -all"), Status.PASS, "pass"
    )
    out = expect(
        "mail.spf.broad-range", facts("v=spf1 ip4:10.0.0.0/8 ip6:2001::/16 -all"), Status.FAIL, "broad"
    )
    assert out.message.values == {"term": f"{ORG}: ip4:10.0.0.0/8", "count": 2}
    expect("mail.spf.broad-range", facts("v=spf1 -ip4:10.0.0.0/8 ~ip4:11.0.0.0/8 -all"), Status.PASS, "pass")
    expect(
        "mail.spf.broad-range",
        facts("v=spf1 ip4:10.0.0.0/20 -all"),
        Status.FAIL,
        "broad",
        CheckParams(spf_broadest_ipv4_prefix=24),
    )


def test_broad_range_judges_own_records_only() -> None:
    root = "v=spf1 include:spf.protection.outlook.test include:_spf.example.gov.test -all"
    provider = child(
        root,
        "include:spf.protection.outlook.test",
        "spf.protection.outlook.test",
        "v=spf1 ip4:40.92.0.0/15 -all",
        registrable="outlook.test",
    )
    expect("mail.spf.broad-range", facts(root, children=(provider,)), Status.PASS, "pass")
    own = child(
        root,
        "include:_spf.example.gov.test",
        "_spf.example.gov.test",
        "v=spf1 ip4:10.0.0.0/12 -all",
        registrable=ORG,
    )
    expect("mail.spf.broad-range", facts(root, children=(provider, own)), Status.FAIL, "broad")


def test_dangling() -> None:
    root = "v=spf1 include:_spf.gone.gov.test a:old.example.gov.test -all"
    fine = child(root, "include:_spf.gone.gov.test", "_spf.gone.gov.test", "v=spf1 -all")
    expect("mail.spf.dangling", facts(root, children=(fine,)), Status.PASS, "pass")
    freed = child(
        root,
        "include:_spf.gone.gov.test",
        "_spf.gone.gov.test",
        status=DnsStatus.NXDOMAIN,
        registrable="gone.gov.test",
        registrable_status=DnsStatus.NXDOMAIN,
    )
    out = expect("mail.spf.dangling", facts(root, children=(freed,)), Status.FAIL, "unregistered")
    assert out.message.values == {"name": "_spf.gone.gov.test", "registrable": "gone.gov.test"}
    nospf = child(
        root,
        "include:_spf.gone.gov.test",
        "_spf.gone.gov.test",
        status=DnsStatus.NODATA,
        registrable="gone.gov.test",
    )
    expect("mail.spf.dangling", facts(root, children=(nospf,)), Status.FAIL, "dangling")
    old = TermLookup(
        "a:old.example.gov.test", "old.example.gov.test", "A", DnsStatus.NXDOMAIN, registrable=ORG
    )
    out = expect("mail.spf.dangling", facts(root, children=(fine,), lookups=(old,)), Status.FAIL, "dangling")
    assert out.message.values == {"name": "old.example.gov.test", "count": 1}


def test_dangling_error_on_failed_lookup() -> None:
    root = "v=spf1 include:slow.test -all"
    slow = child(root, "include:slow.test", "slow.test", status=DnsStatus.TIMEOUT)
    out = run("mail.spf.dangling", facts(root, children=(slow,)))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)


def test_evidence_is_bounded_for_hostile_trees() -> None:
    root = "v=spf1 " + " ".join(f"ptr:h{i}.test" for i in range(500)) + " -all"
    out = expect("mail.spf.ptr", facts(root), Status.FAIL, "used")
    terms = out.evidence["terms"]
    assert isinstance(terms, list) and len(terms) == mail_spf.MAX_LISTED


# -- softfail-unenforced (issue 11 item 5) -----------------------------------------------------

SOFTFAIL = "mail.spf.softfail-unenforced"
SUB = f"portal.{ORG}"


def softfail(f: SpfFacts, dmarc: DmarcFacts, status: Status, key: str) -> Outcome:
    outcome = run(SOFTFAIL, f, dmarc=dmarc)
    assert (outcome.status, outcome.message.key) == (status, key), outcome
    return outcome


@pytest.mark.parametrize("policy", ["quarantine", "reject"])
def test_softfail_with_enforcing_dmarc_passes(policy: str) -> None:
    out = softfail(facts("v=spf1 mx ~all"), dmarc_facts(f"v=DMARC1; p={policy}"), Status.PASS, "pass")
    assert out.message.values == {"dmarc_policy": policy, "source": ORG}


def test_softfail_with_p_none_is_reported_with_both_records() -> None:
    out = softfail(facts("v=spf1 mx ~all"), dmarc_facts("v=DMARC1; p=none; rua=mailto:d@example.gov.test"),
                   Status.FAIL, "dmarc-none")
    assert out.evidence["records"] == ["v=spf1 mx ~all"]
    assert out.evidence["dmarc_record"] == "v=DMARC1; p=none; rua=mailto:d@example.gov.test"
    assert (out.evidence["policy"], out.evidence["dmarc_policy"]) == ("~all", "none")


def test_softfail_without_any_dmarc_is_reported() -> None:
    out = softfail(facts("v=spf1 mx ~all"), dmarc_facts(), Status.FAIL, "no-dmarc")
    assert out.evidence["dmarc_record"] is None
    assert out.message.values == {"domain": ORG}


def test_softfail_with_dmarc_receivers_ignore_is_reported() -> None:
    two = dmarc_facts("v=DMARC1; p=reject", "v=DMARC1; p=quarantine")
    softfail(facts("v=spf1 mx ~all"), two, Status.FAIL, "dmarc-ignored")
    broken = dmarc_facts("v=DMARC1; p=bogus")  # invalid p and no rua: DMARC not applied at all
    softfail(facts("v=spf1 mx ~all"), broken, Status.FAIL, "dmarc-ignored")


def test_softfail_judges_the_dmarc_policy_inherited_from_the_org_domain() -> None:
    """A subdomain without a record of its own gets the org record's sp, else its p (RFC 7489 6.6.3)."""
    spf = SpfFacts(SUB, node(SUB, "v=spf1 mx ~all", reach=Reach.ROOT, registrable=ORG))
    inherited_none = dmarc_facts(domain=SUB, org=("v=DMARC1; p=reject; sp=none",))
    out = softfail(spf, inherited_none, Status.FAIL, "dmarc-none")
    assert (out.evidence["dmarc_source"], out.evidence["dmarc_inherited"]) == (ORG, True)
    softfail(spf, dmarc_facts(domain=SUB, org=("v=DMARC1; p=none; sp=quarantine",)), Status.PASS, "pass")
    softfail(spf, dmarc_facts(domain=SUB, org=("v=DMARC1; p=reject",)), Status.PASS, "pass")
    softfail(spf, dmarc_facts(domain=SUB, org=()), Status.FAIL, "no-dmarc")


def test_softfail_follows_the_redirect_chain() -> None:
    root = "v=spf1 redirect=b.test"
    last = child(root, "redirect=b.test", "b.test", "v=spf1 ~all")
    softfail(facts(root, children=(last,)), dmarc_facts("v=DMARC1; p=none"), Status.FAIL, "dmarc-none")


@pytest.mark.parametrize("record", ["v=spf1 mx -all", "v=spf1 mx ?all", "v=spf1 mx", "v=spf1 +all"])
def test_other_endings_are_not_applicable(record: str) -> None:
    softfail(facts(record), dmarc_facts("v=DMARC1; p=none"), Status.NOT_APPLICABLE, "not-softfail")


def test_softfail_errors_when_dmarc_or_the_spf_ending_cannot_be_read() -> None:
    out = run(SOFTFAIL, facts("v=spf1 mx ~all"), dmarc=dmarc_facts(own_status=DnsStatus.SERVFAIL))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)
    root = "v=spf1 redirect=b.test"
    slow = child(root, "redirect=b.test", "b.test", status=DnsStatus.TIMEOUT)
    out = run(SOFTFAIL, facts(root, children=(slow,)), dmarc=dmarc_facts("v=DMARC1; p=none"))
    assert (out.status, out.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)
