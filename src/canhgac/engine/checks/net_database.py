"""Family net.database: database servers reachable from outside, administrator accounts without
a password (MySQL/MariaDB ``root``, PostgreSQL ``postgres``, MSSQL ``sa``), and the stores that
answer without credentials (Redis, MongoDB, Elasticsearch, memcached over TCP or UDP).
"""

from __future__ import annotations

from canhgac.engine.checks.net_services import (
    HOST,
    SILENT_UDP,
    could_not_tell,
    evidence,
    judge_access,
    judge_exposed,
    judge_udp,
    ports_text,
    precheck,
    unidentified,
)
from canhgac.engine.facts.services import Access, HostServiceFacts, Service
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed

DATABASE_ORDER = (
    Service.MYSQL,
    Service.POSTGRESQL,
    Service.MSSQL,
    Service.MONGODB,
    Service.REDIS,
)  # = DATABASES
ADMIN_LOGINS = (Service.MYSQL, Service.POSTGRESQL, Service.MSSQL)
_ACCOUNTS = {Service.MYSQL: "root", Service.POSTGRESQL: "postgres", Service.MSSQL: "sa"}


@check("net.database.exposed", target=HOST, needs=HostServiceFacts)
def database_exposed(facts: HostServiceFacts, params: CheckParams) -> Outcome:
    return judge_exposed(facts, DATABASE_ORDER)


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
    if not facts.empty_passwords:
        return errored(
            ErrorReason.POLICY,
            "the agency opted out of intrusive probes: no empty-password login was tried",
            evidence(facts, readings),
        )
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
