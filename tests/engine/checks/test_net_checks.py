"""net.* checks on hand-built facts: exact statuses and message keys, and every message rendered
from the catalog in both languages (so code and catalog agree on keys and values).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from canhgac.catalog.loader import load_catalog
from canhgac.engine.checks import net_database as db
from canhgac.engine.checks import net_drift as drift
from canhgac.engine.checks import net_services as ns
from canhgac.engine.checks import net_ssh as ssh
from canhgac.engine.checks import net_vulns as vulns
from canhgac.engine.facts.services import (
    Access,
    HostServiceFacts,
    ProbeFailure,
    RdpInfo,
    Service,
    ServiceReading,
    ServiceVuln,
    SmbInfo,
    SshInfo,
)
from canhgac.engine.facts.udp import (
    DnsRecursionFact,
    MemcachedFact,
    NtpFact,
    SnmpFact,
    UdpOutcome,
    UdpServiceFacts,
)
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import build_registry
from canhgac.engine.results import ErrorReason, Outcome, Status

ADDRESS = "127.60.0.5"
CATALOG = load_catalog()
PARAMS = CheckParams()
SILENT = UdpOutcome.NO_ANSWER


def udp(
    snmp: SnmpFact | None = None, dns: DnsRecursionFact | None = None, mc: MemcachedFact | None = None
) -> UdpServiceFacts:
    return UdpServiceFacts(
        ADDRESS,
        dns or DnsRecursionFact(address=ADDRESS, port=53, outcome=SILENT),
        NtpFact(address=ADDRESS, port=123, outcome=SILENT),
        snmp or SnmpFact(address=ADDRESS, port=161, outcome=SILENT),
        mc or MemcachedFact(address=ADDRESS, port=11211, outcome=SILENT),
    )


def host(*readings: ServiceReading, known: tuple[int, ...] | None = None, **extra: Any) -> HostServiceFacts:
    ports = tuple(sorted(r.port for r in readings))
    base = HostServiceFacts(ADDRESS, "", ports, readings, (), udp(), known, True)
    return replace(base, **extra)


def run(check_id: str, facts: HostServiceFacts, params: CheckParams = PARAMS) -> Outcome:
    spec = REGISTRY.checks[check_id]
    outcome = spec.evaluate((facts,), params)
    for lang in ("vi", "en"):
        CATALOG.message(check_id, outcome.message.key, dict(outcome.message.values), lang)
    return outcome


REGISTRY = build_registry(
    [ns, db, ssh, vulns, drift, __import__("canhgac.engine.collectors.services", fromlist=["x"])]
)


def expect(outcome: Outcome, status: Status, key: str) -> None:
    assert (outcome.status, outcome.message.key) == (status, key), outcome


def test_every_net_check_is_in_the_catalog() -> None:
    ids = set(REGISTRY.checks)
    assert len(ids) == 23
    assert ids <= set(CATALOG.checks)
    for check_id in ids:
        assert CATALOG.checks[check_id].target == "host"


SMB_OLD = ServiceReading(
    445,
    Service.SMB,
    "smb",
    smb=SmbInfo(smb1=True, signing_required=False, shares=("ADMIN$", "KeToan"), share_access=Access.OPEN),
)
SMB_GOOD = ServiceReading(
    445,
    Service.SMB,
    "smb",
    smb=SmbInfo(smb1=False, smb2_dialect="3.0.2", signing_required=True, share_access=Access.PROTECTED),
)
SMB_UNSURE = ServiceReading(
    445, Service.SMB, "smb", smb=SmbInfo(smb1=None, signing_required=None, share_access=Access.UNKNOWN)
)
WEB = ServiceReading(443, Service.UNKNOWN)


@pytest.mark.parametrize(
    ("check_id", "reading", "status", "key"),
    [
        ("net.smb.v1", SMB_OLD, Status.FAIL, "smb1"),
        ("net.smb.v1", SMB_GOOD, Status.PASS, "pass"),
        ("net.smb.v1", SMB_UNSURE, Status.ERROR, "error"),
        ("net.smb.v1", WEB, Status.NOT_APPLICABLE, "no-service"),
        ("net.smb.signing", SMB_OLD, Status.FAIL, "not-required"),
        ("net.smb.signing", SMB_GOOD, Status.PASS, "pass"),
        ("net.smb.signing", SMB_UNSURE, Status.ERROR, "error"),
        ("net.smb.anonymous-shares", SMB_OLD, Status.FAIL, "listed"),
        ("net.smb.anonymous-shares", SMB_GOOD, Status.PASS, "pass"),
        ("net.smb.anonymous-shares", SMB_UNSURE, Status.ERROR, "error"),
        ("net.smb.exposed", SMB_GOOD, Status.FAIL, "exposed"),
        ("net.smb.exposed", WEB, Status.PASS, "pass"),
    ],
)
def test_smb(check_id: str, reading: ServiceReading, status: Status, key: str) -> None:
    expect(run(check_id, host(reading)), status, key)


def test_smb_shares_listed_in_message() -> None:
    outcome = run("net.smb.anonymous-shares", host(SMB_OLD))
    assert outcome.message.values["shares"] == "ADMIN$, KeToan"


def test_smb_port_open_but_unidentified() -> None:
    silent = ServiceReading(445, failure=ProbeFailure.TIMEOUT, detail="no reply")
    expect(run("net.smb.exposed", host(silent)), Status.FAIL, "exposed")  # 445 open is the finding
    outcome = run("net.smb.v1", host(silent))
    expect(outcome, Status.ERROR, "error")
    assert outcome.error_reason is ErrorReason.TIMEOUT


def test_rdp() -> None:
    no_nla = ServiceReading(3389, Service.RDP, "rdp", rdp=RdpInfo(selected="ssl", nla_required=False))
    nla = ServiceReading(3390, Service.RDP, "rdp", rdp=RdpInfo(failure_code=5, nla_required=True))
    expect(run("net.rdp.exposed", host(nla)), Status.FAIL, "exposed")
    expect(run("net.rdp.exposed", host(WEB)), Status.PASS, "pass")
    expect(run("net.rdp.nla", host(no_nla, nla)), Status.FAIL, "no-nla")
    expect(run("net.rdp.nla", host(nla)), Status.PASS, "pass")
    expect(run("net.rdp.nla", host(WEB)), Status.NOT_APPLICABLE, "no-service")
    unclear = ServiceReading(3389, Service.RDP, "rdp", rdp=RdpInfo(failure_code=3))
    expect(run("net.rdp.nla", host(unclear)), Status.ERROR, "error")


def test_telnet_and_ftp() -> None:
    expect(
        run("net.telnet.exposed", host(ServiceReading(23, Service.TELNET, banner="login:"))),
        Status.FAIL,
        "exposed",
    )
    expect(
        run("net.telnet.exposed", host(ServiceReading(23, failure=ProbeFailure.GARBAGE))),
        Status.ERROR,
        "error",
    )
    expect(run("net.telnet.exposed", host(WEB)), Status.PASS, "pass")
    anon = ServiceReading(
        21, Service.FTP, "vsftpd", "3.0.3", access=Access.OPEN, access_detail="230 Login successful."
    )
    expect(run("net.ftp.anonymous", host(anon)), Status.FAIL, "open")
    expect(run("net.ftp.anonymous", host(replace(anon, access=Access.PROTECTED))), Status.PASS, "pass")
    expect(run("net.ftp.anonymous", host(replace(anon, access=Access.UNKNOWN))), Status.ERROR, "error")
    expect(run("net.ftp.anonymous", host(WEB)), Status.NOT_APPLICABLE, "no-service")


@pytest.mark.parametrize(
    ("check_id", "service"),
    [
        ("net.redis.noauth", Service.REDIS),
        ("net.mongodb.noauth", Service.MONGODB),
        ("net.elasticsearch.noauth", Service.ELASTICSEARCH),
        ("net.docker.noauth", Service.DOCKER),
        ("net.vnc.noauth", Service.VNC),
    ],
)
def test_no_auth_family(check_id: str, service: Service) -> None:
    reading = ServiceReading(7000, service, service.value, access=Access.OPEN, access_detail="answered")
    expect(run(check_id, host(reading)), Status.FAIL, "open")
    expect(run(check_id, host(replace(reading, access=Access.PROTECTED))), Status.PASS, "pass")
    expect(
        run(check_id, host(replace(reading, access=Access.UNKNOWN, failure=ProbeFailure.TIMEOUT))),
        Status.ERROR,
        "error",
    )
    expect(run(check_id, host(WEB)), Status.NOT_APPLICABLE, "no-service")
    out_of_scope = host(reading, refused="address 127.60.0.5 is outside the declared scope")
    assert run(check_id, out_of_scope).error_reason is ErrorReason.OUT_OF_SCOPE


def test_memcached_tcp_and_udp() -> None:
    tcp = ServiceReading(11211, Service.MEMCACHED, "memcached", "1.6.9", access=Access.OPEN)
    expect(run("net.memcached.exposed", host(tcp)), Status.FAIL, "exposed")
    answered = MemcachedFact(
        address=ADDRESS, port=11211, outcome=UdpOutcome.ANSWERED, stats={"version": "1.4"}
    )
    outcome = run("net.memcached.exposed", host(WEB, udp=udp(mc=answered)))
    expect(outcome, Status.FAIL, "exposed")
    assert outcome.message.values["ports"] == "11211/udp"
    expect(run("net.memcached.exposed", host(WEB)), Status.PASS, "pass")
    broken = MemcachedFact(address=ADDRESS, port=11211, outcome=UdpOutcome.MALFORMED)
    expect(run("net.memcached.exposed", host(WEB, udp=udp(mc=broken))), Status.ERROR, "error")


def test_snmp_public() -> None:
    answered = SnmpFact(
        address=ADDRESS, port=161, outcome=UdpOutcome.ANSWERED, error_status=0, sys_descr="Cisco IOS"
    )
    expect(run("net.snmp.public", host(WEB, udp=udp(snmp=answered))), Status.FAIL, "public")
    denied = replace(answered, error_status=16, sys_descr="")
    expect(run("net.snmp.public", host(WEB, udp=udp(snmp=denied))), Status.PASS, "pass")
    expect(run("net.snmp.public", host(WEB)), Status.PASS, "pass")
    failed = SnmpFact(address=ADDRESS, port=161, outcome=UdpOutcome.ERROR, detail="socket")
    expect(run("net.snmp.public", host(WEB, udp=udp(snmp=failed))), Status.ERROR, "error")
    expect(run("net.snmp.public", host(WEB, udp=None)), Status.ERROR, "error")


def test_dns_open_resolver() -> None:
    def dns(**kw: Any) -> DnsRecursionFact:
        return DnsRecursionFact(address=ADDRESS, port=53, outcome=UdpOutcome.ANSWERED, **kw)

    recursing = dns(
        rcode="NOERROR", recursion_available=True, answers=("www.example.com. 300 IN A 93.184.215.14",)
    )
    expect(run("net.dns.open-resolver", host(WEB, udp=udp(dns=recursing))), Status.FAIL, "open")
    nx = dns(rcode="NXDOMAIN", recursion_available=True)
    expect(run("net.dns.open-resolver", host(WEB, udp=udp(dns=nx))), Status.FAIL, "open")
    refused = dns(rcode="REFUSED")
    expect(run("net.dns.open-resolver", host(WEB, udp=udp(dns=refused))), Status.PASS, "pass")
    authoritative = dns(rcode="NOERROR", authoritative=True, recursion_available=True, answers=("x",))
    expect(run("net.dns.open-resolver", host(WEB, udp=udp(dns=authoritative))), Status.ERROR, "error")
    expect(run("net.dns.open-resolver", host(WEB)), Status.PASS, "pass")


def test_databases() -> None:
    mysql = ServiceReading(3306, Service.MYSQL, "mariadb", "10.3.39", access=Access.OPEN)
    pg = ServiceReading(5432, Service.POSTGRESQL, "postgresql", access=Access.PROTECTED)
    expect(run("net.database.exposed", host(mysql)), Status.FAIL, "exposed")
    expect(run("net.database.exposed", host(pg)), Status.PASS, "authenticated-only")
    expect(run("net.database.exposed", host(WEB)), Status.PASS, "pass")
    expect(
        run("net.database.exposed", host(ServiceReading(27017, failure=ProbeFailure.TIMEOUT))),
        Status.ERROR,
        "error",
    )
    outcome = run("net.database.empty-password", host(mysql, pg))
    expect(outcome, Status.FAIL, "empty-password")
    assert outcome.message.values["accounts"] == "3306 (mariadb: root)"
    expect(run("net.database.empty-password", host(pg)), Status.PASS, "pass")
    polite = run("net.database.empty-password", host(replace(pg, access=None), empty_passwords=False))
    expect(polite, Status.NOT_APPLICABLE, "opt-out")
    redis = ServiceReading(6379, Service.REDIS, "redis", access=Access.OPEN)
    expect(run("net.database.empty-password", host(redis)), Status.NOT_APPLICABLE, "no-service")


def test_empty_password_opt_out_is_not_applicable_not_an_error() -> None:
    """Issue 11 item 9: an agency that opted out of intrusive probes chose not to be tested; that
    was an error ("could not be tested"), as if the probe had failed. Like mail.smtp.open-relay's
    opt-out it is not applicable, and an administrator login that nobody tried is no pass either."""
    untried = ServiceReading(3306, Service.MYSQL, "mysql", "8.0.36")
    outcome = run("net.database.empty-password", host(untried, empty_passwords=False))
    expect(outcome, Status.NOT_APPLICABLE, "opt-out")
    assert outcome.evidence["ports"] == [untried.as_evidence()]
    # the port is still reported as reachable without credentials shown to be needed
    expect(run("net.database.exposed", host(untried, empty_passwords=False)), Status.FAIL, "exposed")


def test_ssh_password_auth() -> None:
    def reading(methods: tuple[str, ...] | None, none: bool = False) -> ServiceReading:
        return ServiceReading(
            22,
            Service.SSH,
            "openssh",
            "9.8p1",
            "SSH-2.0-OpenSSH_9.8",
            ssh=SshInfo(auth_methods=methods, none_accepted=none),
        )

    outcome = run("net.ssh.password-auth", host(reading(("publickey", "password"))))
    expect(outcome, Status.FAIL, "password")
    assert outcome.message.values["methods"] == "password, publickey"
    expect(
        run("net.ssh.password-auth", host(reading(("publickey", "keyboard-interactive")))),
        Status.FAIL,
        "password",
    )
    expect(run("net.ssh.password-auth", host(reading((), none=True))), Status.FAIL, "no-auth")
    expect(run("net.ssh.password-auth", host(reading(("publickey",)))), Status.PASS, "pass")
    expect(run("net.ssh.password-auth", host(reading(None))), Status.ERROR, "error")
    expect(run("net.ssh.password-auth", host(WEB)), Status.NOT_APPLICABLE, "no-service")


def test_ssh_outdated() -> None:
    old = ServiceReading(22, Service.SSH, "openssh", "7.4", "SSH-2.0-OpenSSH_7.4")
    expect(run("net.ssh.outdated", host(old)), Status.FAIL, "outdated")
    debian = ServiceReading(22, Service.SSH, "openssh", "9.2p1", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")
    expect(run("net.ssh.outdated", host(debian)), Status.FAIL, "outdated-packaged")
    current = ServiceReading(22, Service.SSH, "openssh", "9.9p1", "SSH-2.0-OpenSSH_9.9")
    expect(run("net.ssh.outdated", host(current)), Status.PASS, "pass")
    flawed = ServiceVuln(
        22, "openssh", "9.9p1", "CVE-2099-0001", ("CVE-2099-0001",), "high", 8.1, "10.0", "x"
    )
    outcome = run("net.ssh.outdated", host(current, vulns=(flawed,)))
    expect(outcome, Status.FAIL, "outdated")
    assert outcome.message.values["advisories"] == "CVE-2099-0001"
    expect(
        run("net.ssh.outdated", host(ServiceReading(22, Service.SSH, banner="SSH-2.0-Go"))),
        Status.ERROR,
        "error",
    )
    expect(run("net.ssh.outdated", host(WEB)), Status.NOT_APPLICABLE, "no-service")


def test_service_vulnerable() -> None:
    redis = ServiceReading(6379, Service.REDIS, "redis", "6.0.9", access=Access.OPEN)
    vuln = ServiceVuln(
        6379, "redis", "6.0.9", "CVE-2021-32675", ("CVE-2021-32675",), "high", 7.5, "6.0.16", "DoS"
    )
    outcome = run("net.service.vulnerable", host(redis, vulns=(vuln,), vuln_source="bundled"))
    expect(outcome, Status.FAIL, "vulnerable")
    assert outcome.message.values["count"] == 1
    expect(run("net.service.vulnerable", host(redis, vuln_source="bundled")), Status.PASS, "pass")
    expect(run("net.service.vulnerable", host(redis, vuln_error="damaged index")), Status.ERROR, "error")
    expect(run("net.service.vulnerable", host(WEB)), Status.NOT_APPLICABLE, "no-version")


def test_issue11_service_version_unknown_is_never_a_pass() -> None:
    """Issue 11 item 3: a product whose version could not be read is not judged, so not a pass."""
    redis = ServiceReading(6379, Service.REDIS, "redis", "6.0.9", access=Access.OPEN)
    locked = ServiceReading(6380, Service.REDIS, "redis", "", access=Access.PROTECTED)
    nginx = ServiceReading(443, Service.HTTP, "nginx", "", "nginx")
    outcome = run("net.service.vulnerable", host(redis, locked, nginx, vuln_source="bundled"))
    expect(outcome, Status.NOT_APPLICABLE, "version-unknown")
    assert outcome.message.values == {"products": "6380 redis, 443 nginx", "judged": "6379 redis 6.0.9"}
    assert [p["port"] for p in outcome.evidence["ports"]] == [6379, 6380, 443]  # type: ignore[index,union-attr]
    alone = run("net.service.vulnerable", host(nginx, vuln_source="bundled"))
    expect(alone, Status.NOT_APPLICABLE, "version-unknown")
    assert alone.message.values["judged"] == "—"


def test_ports_new() -> None:
    facts = host(WEB, ServiceReading(6379, Service.REDIS), known=(443,))
    outcome = run("net.ports.new", facts)
    expect(outcome, Status.FAIL, "new")
    assert outcome.message.values["ports"] == "6379 (redis)"
    expect(run("net.ports.new", host(WEB, known=(443, 22))), Status.PASS, "pass")
    expect(run("net.ports.new", host(WEB, known=None)), Status.NOT_APPLICABLE, "no-baseline")


def test_ports_new_lists_every_open_port_with_what_answers_there() -> None:
    https = ServiceReading(443, Service.HTTP, "nginx", "1.18.0", tls="TLSv1.3")
    outcome = run("net.ports.new", host(https, ServiceReading(6379, Service.REDIS), known=None))
    assert outcome.evidence["open_ports"] == [443, 6379]
    assert outcome.evidence["listening"] == [
        {"port": 443, "service": "http", "product": "nginx", "version": "1.18.0", "tls": "TLSv1.3"},
        {"port": 6379, "service": "redis"},
    ]


# -- issue 11 item 7: an authenticated database is not an unauthenticated one ----------------------

NOAUTH = ServiceReading(6379, Service.REDIS, "redis", access=Access.PROTECTED,
                        access_detail="-NOAUTH Authentication required.")
OPEN_REDIS = ServiceReading(6379, Service.REDIS, "redis", "7.0.15", access=Access.OPEN,
                            access_detail="PING and INFO answered without credentials")
AUTH_REFUSALS = (
    NOAUTH,
    ServiceReading(6380, Service.REDIS, "redis", access=Access.PROTECTED,
                   access_detail="-NOPERM this user has no permissions to run the 'ping' command"),
    ServiceReading(3306, Service.MYSQL, "mysql", "8.0.36", access=Access.PROTECTED,
                   access_detail="ERR 1045: Access denied for user 'root'@'192.0.2.7' (using password: NO)"),
    ServiceReading(5432, Service.POSTGRESQL, "postgresql", access=Access.PROTECTED,
                   access_detail="the server asks for sasl (scram)"),
    ServiceReading(5433, Service.POSTGRESQL, "postgresql", access=Access.PROTECTED,
                   access_detail='28000 no pg_hba.conf entry for host "192.0.2.7", user "postgres"'),
    ServiceReading(27017, Service.MONGODB, "mongodb", "4.4.6", access=Access.PROTECTED,
                   access_detail="listDatabases refused: command listDatabases requires authentication"),
    ServiceReading(1433, Service.MSSQL, "mssql", "15.0.2000", access=Access.PROTECTED,
                   access_detail="login for sa refused: error 18456: Login failed for user 'sa'."),
)


@pytest.mark.parametrize("refusal", AUTH_REFUSALS, ids=lambda r: f"{r.service.value}-{r.port}")
def test_authenticated_database_is_reachable_authenticated_not_exposed(refusal: ServiceReading) -> None:
    """A database that refused the probe for want of credentials: the medium finding, with the
    refusal as evidence; the high "exposed" finding and its no-auth check pass."""
    outcome = run("net.database.reachable-authenticated", host(refusal))
    expect(outcome, Status.FAIL, "reachable")
    assert outcome.message.values == {"ports": f"{refusal.port} ({refusal.service.value})",
                                      "detail": f"{refusal.port}: {refusal.access_detail}"}
    assert outcome.evidence["ports"] == [refusal.as_evidence()]
    assert outcome.evidence["ports"][0]["access"] == "protected"  # type: ignore[index]
    expect(run("net.database.exposed", host(refusal)), Status.PASS, "authenticated-only")
    if refusal.service is Service.REDIS:
        expect(run("net.redis.noauth", host(refusal)), Status.PASS, "pass")


def test_unauthenticated_database_stays_exposed_high_and_not_reachable_authenticated() -> None:
    expect(run("net.database.exposed", host(OPEN_REDIS)), Status.FAIL, "exposed")
    expect(run("net.redis.noauth", host(OPEN_REDIS)), Status.FAIL, "open")
    expect(run("net.database.reachable-authenticated", host(OPEN_REDIS)), Status.NOT_APPLICABLE,
           "unauthenticated")
    severities = {c: CATALOG.checks[c].severity for c in
                  ("net.redis.noauth", "net.database.exposed", "net.database.reachable-authenticated")}
    assert severities == {"net.redis.noauth": "critical", "net.database.exposed": "high",
                          "net.database.reachable-authenticated": "medium"}


def test_database_whose_authentication_is_not_established_stays_exposed() -> None:
    """No login tried (the agency opted out), or the probe could not tell: exposed, not authenticated."""
    untried = ServiceReading(3306, Service.MYSQL, "mysql", "8.0.36")
    unknown = ServiceReading(5432, Service.POSTGRESQL, "postgresql", access=Access.UNKNOWN,
                             access_detail="53300 sorry, too many clients already")
    for reading in (untried, unknown):
        expect(run("net.database.exposed", host(reading)), Status.FAIL, "exposed")
        expect(run("net.database.reachable-authenticated", host(reading)), Status.NOT_APPLICABLE,
               "unauthenticated")


def test_mixed_host_reports_each_port_under_its_own_check() -> None:
    facts = host(OPEN_REDIS, replace(NOAUTH, port=6380))
    exposed = run("net.database.exposed", facts)
    expect(exposed, Status.FAIL, "exposed")
    assert exposed.message.values["ports"] == "6379 (redis)"
    reachable = run("net.database.reachable-authenticated", facts)
    expect(reachable, Status.FAIL, "reachable")
    assert reachable.message.values["ports"] == "6380 (redis)"


def test_reachable_authenticated_without_databases_or_with_unreadable_ports() -> None:
    expect(run("net.database.reachable-authenticated", host(WEB)), Status.PASS, "pass")
    timeout = host(ServiceReading(27017, failure=ProbeFailure.TIMEOUT))
    expect(run("net.database.reachable-authenticated", timeout), Status.ERROR, "error")
    out_of_scope = host(NOAUTH, refused="address 127.60.0.5 is outside the declared scope")
    assert run("net.database.reachable-authenticated", out_of_scope).error_reason is ErrorReason.OUT_OF_SCOPE
