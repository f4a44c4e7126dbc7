"""Family net.database: database servers reachable from outside, administrator accounts without
a password (MySQL/MariaDB ``root``, PostgreSQL ``postgres``, MSSQL ``sa``), and the stores that
answer without credentials (Redis, MongoDB, Elasticsearch, memcached over TCP or UDP).

A reachable database port is judged by one of two checks: ``net.database.exposed`` (high) when
it did not show that it demands credentials (it let the probe in, or the probe could not tell, or
no login was tried), ``net.database.reachable-authenticated`` (medium) when it refused the probe
for want of credentials (Redis ``-NOAUTH``, MySQL ERR 1045, a PostgreSQL password request...),
the refusal being the evidence.
"""

from __future__ import annotations

from canhgac.engine.checks.net_services import (
    HOST,
    SILENT_UDP,
    could_not_tell,
    evidence,
    judge_access,
    judge_udp,
    ports_text,
    precheck,
    unidentified,
)
from canhgac.engine.facts.services import Access, HostServiceFacts, Service, ServiceReading
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import Outcome, failed, not_applicable, passed

DATABASE_ORDER = (
    Service.MYSQL,
    Service.POSTGRESQL,
    Service.MSSQL,
    Service.MONGODB,
    Service.REDIS,
)  # = DATABASES
ADMIN_LOGINS = (Service.MYSQL, Service.POSTGRESQL, Service.MSSQL)
_ACCOUNTS = {Service.MYSQL: "root", Service.POSTGRESQL: "postgres", Service.MSSQL: "sa"}


def _refusals(readings: list[ServiceReading]) -> str:
    return "; ".join(f"{r.port}: {r.access_detail}" for r in readings)[:300]


@check("net.database.exposed", target=HOST, needs=HostServiceFacts)
def database_exposed(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    """Databases reachable without having shown that they demand credentials."""
    early = precheck(facts)
    if early is not None:
        return early
    readings = list(facts.of(*DATABASE_ORDER))
    unproven = [r for r in readings if r.access is not Access.PROTECTED]
    if unproven:
        return failed("exposed", evidence(facts, unproven), ports=ports_text(unproven))
    unknown = unidentified(facts, DATABASE_ORDER)
    if unknown:
        return could_not_tell(facts, unknown, "unidentified")
    if readings:  # every one asks for credentials: net.database.reachable-authenticated's finding
        return passed("authenticated-only", evidence(facts, readings), ports=ports_text(readings))
    return passed("pass", {"address": facts.address, "open_ports": list(facts.open_ports)})


@check("net.database.reachable-authenticated", target=HOST, needs=HostServiceFacts)
def database_reachable_authenticated(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    """Databases that demand credentials, still reachable from outside: password guessing (Redis
    answers AUTH as fast as the network allows) and pre-authentication flaws stay open."""
    early = precheck(facts)
    if early is not None:
        return early
    readings = list(facts.of(*DATABASE_ORDER))
    refusing = [r for r in readings if r.access is Access.PROTECTED]
    if refusing:
        ev = evidence(facts, refusing)
        return failed("reachable", ev, ports=ports_text(refusing), detail=_refusals(refusing))
    unknown = unidentified(facts, DATABASE_ORDER)
    if unknown:
        return could_not_tell(facts, unknown, "unidentified")
    if readings:  # reachable without credentials shown to be needed: net.database.exposed's finding
        return not_applicable("unauthenticated", evidence(facts, readings), ports=ports_text(readings))
    return passed("pass", {"address": facts.address, "open_ports": list(facts.open_ports)})


@check("net.database.empty-password", target=HOST, needs=HostServiceFacts)
def database_empty_password(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    early = precheck(facts)
    if early is not None:
        return early
    readings = facts.of(*ADMIN_LOGINS)
    opened = [r for r in readings if r.access is Access.OPEN]
    if opened:
        accounts = ", ".join(
            f"{r.port} ({r.product or r.service.value}: {_ACCOUNTS[r.service]})" for r in opened
        )
        return failed("empty-password", evidence(facts, readings), accounts=accounts)
    unknown = unidentified(facts, ADMIN_LOGINS)
    if not readings and not unknown:
        return not_applicable("no-service", {"address": facts.address}, service="mysql/postgresql/mssql")
    if not facts.empty_passwords:  # the agency's choice, not a failure to test (as open relay)
        return not_applicable("opt-out", evidence(facts, readings))
    unsure = [r for r in readings if r.access is not Access.PROTECTED] + unknown
    if unsure:
        return could_not_tell(facts, unsure, "login not completed")
    return passed("pass", evidence(facts, readings), ports=ports_text(readings))


# --- stores without credentials -------------------------------------------------------------------


@check("net.redis.noauth", target=HOST, needs=HostServiceFacts)
def redis_noauth(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_access(facts, Service.REDIS)


@check("net.mongodb.noauth", target=HOST, needs=HostServiceFacts)
def mongodb_noauth(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_access(facts, Service.MONGODB)


@check("net.elasticsearch.noauth", target=HOST, needs=HostServiceFacts)
def elasticsearch_noauth(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_access(facts, Service.ELASTICSEARCH)


@check("net.memcached.exposed", target=HOST, needs=HostServiceFacts)
def memcached_exposed(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    early = precheck(facts)
    if early is not None:
        return early
    tcp = list(facts.of(Service.MEMCACHED))
    udp = facts.udp.memcached if facts.udp else None
    if tcp or (udp is not None and udp.answered):
        where = [f"{r.port}/tcp" for r in tcp] + (
            [f"{udp.port}/udp"] if udp is not None and udp.answered else []
        )
        ev = evidence(facts, tcp, udp=udp.summary if udp is not None else "")
        return failed("exposed", ev, ports=", ".join(where))
    unknown = unidentified(facts, (Service.MEMCACHED,))
    if unknown:
        return could_not_tell(facts, unknown, "unidentified")
    return judge_udp(facts, udp, False if udp is not None and udp.outcome in SILENT_UDP else None, "exposed")
