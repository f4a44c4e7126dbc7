"""MTA-STS and TLS-RPT checks on hand-built facts: exact statuses and catalogued message keys."""

from __future__ import annotations

from canhgac.catalog import load_catalog
from canhgac.engine.checks.mail_transport import mta_sts_dangling, mta_sts_record, tlsrpt_record
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mail_domain import MtaStsFacts, MxFacts, MxHost, TlsRptFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.results import ErrorReason, Outcome, Status

CATALOG = load_catalog()
PARAMS = CheckParams()
OK, NX, NODATA, SERVFAIL = DnsStatus.OK, DnsStatus.NXDOMAIN, DnsStatus.NODATA, DnsStatus.SERVFAIL
D = "agency.gov.test"
MAIL = MxFacts(D, Lookup(D, "MX", OK), (MxHost(10, f"mail.{D}"),))
NULL = MxFacts(D, Lookup(D, "MX", OK), (MxHost(0, ""),))
MX_FAILED = MxFacts(D, Lookup(D, "MX", DnsStatus.TIMEOUT), ())


def sts(
    *records: str, status: DnsStatus | None = None, host: DnsStatus = OK, cnames: tuple[str, ...] = ()
) -> MtaStsFacts:
    record = Lookup(f"_mta-sts.{D}", "TXT", status or (OK if records else NX), records)
    name = f"mta-sts.{D}"
    v4 = Lookup(name, "A", host, ("192.0.2.8",) if host is OK else (), cnames)
    v6 = Lookup(name, "AAAA", host if host is not OK else NODATA, (), cnames)
    return MtaStsFacts(D, record, name, v4, v6)


def rpt(*records: str, status: DnsStatus | None = None) -> TlsRptFacts:
    return TlsRptFacts(D, Lookup(f"_smtp._tls.{D}", "TXT", status or (OK if records else NODATA), records))


def verdict(check_id: str, outcome: Outcome) -> tuple[Status, str]:
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome.status, outcome.message.key


def test_mta_sts_record() -> None:
    c = "mail.mta-sts.record"
    assert verdict(c, mta_sts_record(sts("v=STSv1; id=2025"), MAIL, PARAMS)) == (Status.PASS, "pass")
    assert verdict(c, mta_sts_record(sts("v=spf1 -all"), MAIL, PARAMS)) == (Status.FAIL, "missing")
    assert verdict(c, mta_sts_record(sts(), MAIL, PARAMS)) == (Status.FAIL, "missing")
    assert verdict(c, mta_sts_record(sts("v=STSv1; id=1", "v=STSv1; id=2"), MAIL, PARAMS)) == (
        Status.FAIL,
        "multiple",
    )
    assert verdict(c, mta_sts_record(sts("v=STSv1; id=2025-01-01"), MAIL, PARAMS)) == (Status.FAIL, "invalid")
    assert verdict(c, mta_sts_record(sts(), NULL, PARAMS)) == (Status.NOT_APPLICABLE, "null-mx")
    failed = mta_sts_record(sts(status=SERVFAIL), MAIL, PARAMS)
    assert (failed.status, failed.error_reason) == (Status.ERROR, ErrorReason.DNS_SERVFAIL)
    unknown_mx = mta_sts_record(sts(), MX_FAILED, PARAMS)
    assert (unknown_mx.status, unknown_mx.error_reason) == (Status.ERROR, ErrorReason.TIMEOUT)


def test_mta_sts_dangling() -> None:
    c = "mail.mta-sts.dangling"
    assert verdict(c, mta_sts_dangling(sts("v=STSv1; id=1"), PARAMS)) == (Status.PASS, "pass")
    assert verdict(c, mta_sts_dangling(sts("v=STSv1; id=1", host=NX), PARAMS)) == (Status.FAIL, "dangling")
    cname = mta_sts_dangling(sts("v=STSv1; id=1", host=NX, cnames=("agency.cdn.example",)), PARAMS)
    assert verdict(c, cname) == (Status.FAIL, "dangling-cname")
    assert cname.message.values["target"] == "agency.cdn.example"
    assert verdict(c, mta_sts_dangling(sts(host=NX), PARAMS)) == (Status.NOT_APPLICABLE, "no-record")
    assert mta_sts_dangling(sts("v=STSv1; id=1", host=SERVFAIL), PARAMS).status is Status.ERROR


def test_tlsrpt_record() -> None:
    c = "mail.tlsrpt.record"
    good = tlsrpt_record(rpt("v=TLSRPTv1; rua=mailto:tls@agency.gov.test"), MAIL, PARAMS)
    assert verdict(c, good) == (Status.PASS, "pass")
    assert verdict(c, tlsrpt_record(rpt(), MAIL, PARAMS)) == (Status.FAIL, "missing")
    assert verdict(c, tlsrpt_record(rpt("v=TLSRPTv1; rua=ftp://x"), MAIL, PARAMS)) == (Status.FAIL, "invalid")
    two = rpt("v=TLSRPTv1; rua=mailto:a@b.vn", "v=TLSRPTv1; rua=mailto:c@d.vn")
    assert verdict(c, tlsrpt_record(two, MAIL, PARAMS)) == (Status.FAIL, "multiple")
    assert verdict(c, tlsrpt_record(rpt(), NULL, PARAMS)) == (Status.NOT_APPLICABLE, "null-mx")
    assert tlsrpt_record(rpt(status=DnsStatus.REFUSED), MAIL, PARAMS).error_reason is ErrorReason.DNS_REFUSED
