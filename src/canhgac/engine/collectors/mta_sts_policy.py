"""The MTA-STS policy file (RFC 8461 3.2, 3.3) of a domain: fetched as a sending MTA would.

When ``_mta-sts.DOMAIN`` holds exactly one valid STSv1 record, the policy is fetched from
``https://mta-sts.DOMAIN/.well-known/mta-sts.txt`` through the run's
:class:`~canhgac.engine.web.fetch.WebClient` (run's resolver, real server name in Host and SNI,
scope as for a host the domain names), strictly: the certificate must validate against the
trust anchors (no unverified retry), redirects are never followed, the body is capped at
64 KiB. A complete 200 answer is parsed with the total parser
(:func:`canhgac.engine.facts.mta_sts.parse_policy`) and set beside the domain's MX names. The
HTTPS port is 443; a domain target may declare another in the inventory (the lab outside a
network namespace serves its policy hosts on a high port).
"""

from __future__ import annotations

import asyncio

from dns.rdtypes.ANY.MX import MX

from canhgac.engine.context import CollectContext
from canhgac.engine.facts.dns import DnsStatus, Lookup
from canhgac.engine.facts.mta_sts import (
    MtaStsPolicyFacts,
    parse_policy,
)
from canhgac.engine.mailauth.mtasts import is_mta_sts_record, parse_mta_sts
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.web.fetch import WebClient

POLICY_PATH = "/.well-known/mta-sts.txt"
POLICY_BODY_CAP = 64 * 1024


def _mx_hosts(answer: Lookup, rdata: tuple[object, ...]) -> tuple[str, ...]:
    if answer.status is not DnsStatus.OK:
        return ()
    names = (r.exchange.to_text().rstrip(".").lower() for r in rdata if isinstance(r, MX))
    return tuple(sorted({n for n in names if n}))


def _policy_url(host: str, ports: tuple[int, ...]) -> str:
    port = f":{ports[0]}" if ports and ports[0] != 443 else ""
    return f"https://{host}{port}{POLICY_PATH}"


@collector(MtaStsPolicyFacts, target=TargetKind.DOMAIN)
async def collect_mta_sts_policy(target: Target, ctx: CollectContext) -> MtaStsPolicyFacts:
    domain = target.name.strip().rstrip(".").lower()
    host = f"mta-sts.{domain}"
    record_answer, ipv4, ipv6, mx_answer = await asyncio.gather(
        ctx.dns.query(f"_mta-sts.{domain}", "TXT"), ctx.dns.query(host, "A"),
        ctx.dns.query(host, "AAAA"), ctx.dns.query(domain, "MX"),
    )
    record = Lookup.of(record_answer)
    sts = [r for r in record.records if is_mta_sts_record(r)] if record.status is DnsStatus.OK else []
    valid = len(sts) == 1 and parse_mta_sts(sts[0]).valid
    mx = Lookup.of(mx_answer)
    facts = MtaStsPolicyFacts(domain, record, valid, host, Lookup.of(ipv4), Lookup.of(ipv6), mx,
                              _mx_hosts(mx, mx_answer.rdata))
    has_address = any(lk.status is DnsStatus.OK for lk in (facts.host_ipv4, facts.host_ipv6))
    if not valid or not has_address:
        return facts
    url = _policy_url(host, ctx.options_for(target.key).ports)
    client = WebClient.for_run(ctx)
    fetched = await client.hop(url, max_body=POLICY_BODY_CAP, strict_tls=True, served=(domain,))
    policy = None
    if fetched.ok and fetched.status == 200 and not fetched.truncated and fetched.tls_error is None:
        policy = parse_policy(fetched.body.decode("utf-8", errors="replace"))
    return MtaStsPolicyFacts(domain, record, valid, host, facts.host_ipv4, facts.host_ipv6, mx,
                             facts.mx_hosts, fetched, policy)
