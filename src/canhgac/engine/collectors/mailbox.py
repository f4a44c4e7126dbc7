"""Mailbox access (MAIL_HOST): what IMAP on 143 and POP3 on 110 offer before any TLS.

For each address of the host (A/AAAA through the run's DNS client, scope checked first) the
collector reads the greeting and asks for capabilities (IMAP ``CAPABILITY``, POP3 ``CAPA``),
then says LOGOUT/QUIT. It never sends a user name or a password. Ports declared in the
inventory beyond the standard ones are probed too and recognised by their greeting (some
agencies run IMAP/POP3 on other ports). TLS on 993/995 and the STARTTLS upgrade itself are
the TLS collector's business.

Hand-written over asyncio streams rather than imaplib/poplib: those block, and neither bounds
a line or a whole reply the way ``ctx.net`` requires for hostile servers; two commands per
connection need no more.
"""

from __future__ import annotations

import asyncio

from canhgac.engine.collectors.host_addresses import resolve_host
from canhgac.engine.context import CollectContext
from canhgac.engine.facts.mailbox import (
    IMAP,
    POP3,
    EndpointState,
    MailboxEndpoint,
    MailboxFacts,
)
from canhgac.engine.registry import collector
from canhgac.engine.targets import Target, TargetKind

STANDARD_PORTS: dict[int, str] = {143: IMAP, 110: POP3}
# Declared ports that are never plaintext IMAP/POP3: skipped rather than probed for a greeting.
OTHER_SERVICE_PORTS = frozenset({25, 80, 443, 465, 587, 993, 995})
MAX_ADDRESSES = 16
MAX_TRANSCRIPT_LINES = 24
TRANSCRIPT_LINE_CHARS = 200


def _norm(name: str) -> str:
    return name.strip().rstrip(".").lower()


def scope_refusal(ctx: CollectContext, address: str, host: str, served: tuple[str, ...]) -> str | None:
    """Why ``address`` (resolved from ``host``) may not be contacted, or None when it may."""
    if ctx.scope.allows_host_address(address, host, served):
        return None
    return f"address {address} of {host} is outside the declared scope"


class _BrokenError(Exception):
    """The server broke the conversation; the message is the fact's detail."""


class _Conversation:
    """Bounded line I/O: each line within max_line_bytes and read_timeout, all within max_reply_bytes."""

    def __init__(
        self, ctx: CollectContext, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.ctx, self.reader, self.writer = ctx, reader, writer
        self.received = 0
        self.transcript: list[str] = []

    def _note(self, prefix: str, text: str) -> None:
        if len(self.transcript) < MAX_TRANSCRIPT_LINES:
            self.transcript.append(prefix + text[:TRANSCRIPT_LINE_CHARS])

    async def send(self, line: str) -> None:
        self._note("C: ", line)
        self.writer.write(line.encode() + b"\r\n")
        async with asyncio.timeout(self.ctx.net.read_timeout):
            await self.writer.drain()

    async def line(self) -> str:
        try:
            async with asyncio.timeout(self.ctx.net.read_timeout):
                raw = await self.reader.readuntil(b"\n")
        except asyncio.LimitOverrunError:
            raise _BrokenError(f"line longer than {self.ctx.net.max_line_bytes} bytes") from None
        except asyncio.IncompleteReadError:
            raise _BrokenError("connection closed by the server") from None
        self.received += len(raw)
        if self.received > self.ctx.net.max_reply_bytes:
            raise _BrokenError(f"more than {self.ctx.net.max_reply_bytes} bytes received")
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        self._note("S: ", text)
        return text


def _identify(greeting: str) -> str:
    upper = greeting.upper()
    if upper.startswith(("* OK", "* PREAUTH", "* BYE")):
        return IMAP
    if upper.startswith(("+OK", "-ERR")):
        return POP3
    return ""


def _imap_capabilities(text: str) -> tuple[str, ...]:
    return tuple(t.upper() for t in text.split())


async def _imap(conv: _Conversation, greeting: str) -> tuple[tuple[str, ...], bool]:
    if not greeting.upper().startswith(("* OK", "* PREAUTH")):
        raise _BrokenError("the server refused the session")
    await conv.send("a1 CAPABILITY")
    caps: tuple[str, ...] = ()
    while not (line := await conv.line()).lower().startswith("a1 "):
        if line.upper().startswith("* CAPABILITY "):
            caps = _imap_capabilities(line[len("* CAPABILITY "):])
    if not line[3:].upper().startswith("OK") or not caps:
        raise _BrokenError("CAPABILITY was not answered")
    await conv.send("a2 LOGOUT")
    return caps, True


async def _pop3(conv: _Conversation, greeting: str) -> tuple[tuple[str, ...], bool]:
    if not greeting.upper().startswith("+OK"):
        raise _BrokenError("the server refused the session")
    await conv.send("CAPA")
    first = await conv.line()
    caps: list[str] = []
    if first.upper().startswith("+OK"):
        while (line := await conv.line()) != ".":
            caps.append(" ".join(line.upper().split()))
    elif not first.upper().startswith("-ERR"):
        raise _BrokenError("CAPA answered neither +OK nor -ERR")
    await conv.send("QUIT")
    return tuple(caps), first.upper().startswith("+OK")


async def _converse(
    ctx: CollectContext, address: str, port: int, expected: str
) -> MailboxEndpoint:
    try:
        async with asyncio.timeout(ctx.net.connect_timeout):
            reader, writer = await asyncio.open_connection(address, port, limit=ctx.net.max_line_bytes)
    except ConnectionRefusedError:
        return MailboxEndpoint(expected, address, port, EndpointState.CLOSED)
    except TimeoutError:
        return MailboxEndpoint(expected, address, port, EndpointState.FILTERED,
                               detail=f"no TCP answer within {ctx.net.connect_timeout:g}s")
    except OSError as exc:
        return MailboxEndpoint(expected, address, port, EndpointState.CLOSED, detail=str(exc))
    conv = _Conversation(ctx, reader, writer)
    protocol, state, greeting, detail = expected, EndpointState.OPEN, "", ""
    caps: tuple[str, ...] = ()
    capa = True
    try:
        greeting = await conv.line()
        found = _identify(greeting)
        if expected and found != expected:
            raise _BrokenError(f"not a {expected.upper()} greeting")
        protocol = found
        if protocol == IMAP:
            caps, capa = await _imap(conv, greeting)
        elif protocol == POP3:
            caps, capa = await _pop3(conv, greeting)
        else:
            state = EndpointState.OTHER
    except _BrokenError as exc:
        state, detail = EndpointState.ERROR, str(exc)
    except TimeoutError:
        state, detail = EndpointState.TIMEOUT, f"no reply within {ctx.net.read_timeout:g}s"
    except OSError as exc:
        state, detail = EndpointState.ERROR, f"{type(exc).__name__}: {exc}"
    finally:
        writer.close()
    return MailboxEndpoint(protocol, address, port, state, greeting[:TRANSCRIPT_LINE_CHARS], caps, capa,
                           detail, tuple(conv.transcript))


async def probe_endpoint(
    ctx: CollectContext, host: str, served: tuple[str, ...], address: str, port: int, expected: str
) -> MailboxEndpoint:
    """One address:port; ``expected`` "" means "recognise the protocol by its greeting"."""
    refusal = scope_refusal(ctx, address, host, served)
    if refusal is not None:
        return MailboxEndpoint(expected, address, port, EndpointState.OUT_OF_SCOPE, detail=refusal)
    deadline = ctx.net.connect_timeout + 6 * ctx.net.read_timeout
    try:
        async with asyncio.timeout(deadline):
            return await _converse(ctx, address, port, expected)
    except TimeoutError:
        return MailboxEndpoint(expected, address, port, EndpointState.TIMEOUT,
                               detail=f"exchange not finished within {deadline:g}s")


def mailbox_ports(declared: tuple[int, ...]) -> list[tuple[int, str]]:
    """The standard ports always, plus declared ports that may be plaintext IMAP/POP3."""
    extra = [(p, "") for p in declared if p not in STANDARD_PORTS and p not in OTHER_SERVICE_PORTS]
    return [*STANDARD_PORTS.items(), *extra]


@collector(MailboxFacts, target=TargetKind.MAIL_HOST)
async def collect_mailbox(target: Target, ctx: CollectContext) -> MailboxFacts:
    host = _norm(target.name)
    options = ctx.options_for(target.key)
    addresses = await resolve_host(ctx, host, MAX_ADDRESSES)
    probes = [
        probe_endpoint(ctx, host, options.served_domains, address, port, expected)
        for address in addresses.addresses
        for port, expected in mailbox_ports(options.ports)
    ]
    endpoints = await asyncio.gather(*probes)
    # a declared port that turned out to speak something else (or nothing known) is not ours
    return MailboxFacts(host, addresses, tuple(e for e in endpoints if e.protocol))
