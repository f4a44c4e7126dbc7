"""The TLS endpoints of one mail host: every address, every mail port, one analysis each.

Ports: the inventory's declared ports for the host, else the standard set (SMTP 25 and 587
with STARTTLS, 465 implicit TLS; IMAP 143 STARTTLS, 993 implicit; POP3 110 STLS, 995
implicit). A declared non-standard port is recognised by its greeting (220: SMTP, ``* OK``:
IMAP, ``+OK``: POP3); silence until the read timeout means a TLS port waiting for our
ClientHello. Closed ports and servers without STARTTLS are facts, listed apart from the
endpoints the mail.tls.* checks judge.
"""

from __future__ import annotations

import asyncio
import contextlib

from canhgac.engine.collectors.host_addresses import addresses_or_error
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.tls import MailTlsFacts, StartTls, TlsFailure
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind
from canhgac.engine.tls.analysis import analyze_tls
from canhgac.engine.tls.starttls import Endpoint, LineReader, PreambleError, open_socket

STANDARD_PORTS: dict[int, StartTls] = {
    25: StartTls.SMTP,
    465: StartTls.NONE,
    587: StartTls.SMTP,
    143: StartTls.IMAP,
    993: StartTls.NONE,
    110: StartTls.POP3,
    995: StartTls.NONE,
}
MAX_ADDRESSES = 8


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _service_of(greeting: str) -> StartTls | None:
    if greeting[:3] == "220":
        return StartTls.SMTP
    if greeting.upper().startswith(("* OK", "* PREAUTH")):
        return StartTls.IMAP
    if greeting.startswith("+OK"):
        return StartTls.POP3
    return None


async def detect_service(
    ctx: CollectContext, host: str, address: str, port: int
) -> StartTls | TlsFailure | None:
    """What a non-standard port speaks: a STARTTLS mode, NONE (silent: TLS), CLOSED, or None."""
    endpoint = Endpoint(host, address, port, StartTls.NONE, ctx.mail.ehlo_name, ctx.net)
    try:
        sock = await open_socket(endpoint)
    except PreambleError as exc:
        return exc.failure
    try:
        greeting = await LineReader(sock, ctx.net).line()
    except PreambleError as exc:
        return StartTls.NONE if exc.failure is TlsFailure.TIMEOUT else None
    finally:
        with contextlib.suppress(OSError):
            sock.close()
    return _service_of(greeting)


async def _plan(ctx: CollectContext, host: str, address: str, ports: tuple[int, ...]) -> tuple[
        list[tuple[int, StartTls]], list[str], list[str]]:
    """(port, mode) pairs to analyse, plus closed and unrecognised declared ports."""
    plan: list[tuple[int, StartTls]] = []
    closed: list[str] = []
    unknown: list[str] = []
    odd = [p for p in ports if p not in STANDARD_PORTS]
    detected = await asyncio.gather(*(detect_service(ctx, host, address, p) for p in odd))
    for port in ports:
        mode = STANDARD_PORTS.get(port) if port in STANDARD_PORTS else detected[odd.index(port)]
        if isinstance(mode, StartTls):
            plan.append((port, mode))
        elif mode is TlsFailure.CLOSED:
            closed.append(_where(address, port))
        else:
            unknown.append(_where(address, port))
    return plan, closed, unknown


@collector(MailTlsFacts, target=TargetKind.MAIL_HOST)
async def collect_mail_tls(target: Target, ctx: CollectContext) -> MailTlsFacts:
    host = target.name.strip().rstrip(".").lower()
    options = ctx.options_for(target.key)
    addresses = await addresses_or_error(ctx, host, MAX_ADDRESSES)
    if not addresses:
        return MailTlsFacts(host=host, addresses=(), endpoints=())
    ports = tuple(dict.fromkeys(options.ports)) or tuple(STANDARD_PORTS)
    allowed = [a for a in addresses if ctx.scope.allows_host_address(a, host, options.served_domains)]
    refused = tuple(a for a in addresses if a not in allowed)
    plans = await asyncio.gather(*(_plan(ctx, host, a, ports) for a in allowed))
    jobs = [(a, port, mode) for a, (plan, _, _) in zip(allowed, plans, strict=True) for port, mode in plan]
    results = await asyncio.gather(
        *(analyze_tls(ctx, host=host, address=a, port=port, starttls=mode) for a, port, mode in jobs)
    )
    closed = [c for _, cl, _ in plans for c in cl]
    closed += [_where(f.address, f.port) for f in results if f.failure is TlsFailure.CLOSED]
    no_starttls = [_where(f.address, f.port) for f in results if f.failure is TlsFailure.NO_STARTTLS]
    endpoints = tuple(f for f in results if f.failure not in (TlsFailure.CLOSED, TlsFailure.NO_STARTTLS))
    return MailTlsFacts(
        host=host,
        addresses=addresses,
        endpoints=endpoints,
        closed=tuple(closed),
        no_starttls=tuple(no_starttls),
        unrecognised=tuple(u for _, _, un in plans for u in un),
        out_of_scope=refused,
    )

