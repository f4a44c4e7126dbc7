"""Async DNS client on dnspython: configurable resolvers, timeouts, TCP fallback, per-run cache.

Every DNS outcome (NXDOMAIN, SERVFAIL, timeout, malformed answer...) is returned as a typed
:class:`DnsAnswer`; nothing here raises for what a DNS server says or fails to say.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import secrets
from dataclasses import dataclass, field, replace

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from canhgac.engine.dns_transport import Question, Reply, UdpPool, query_message
from canhgac.engine.facts.dns import DnsAnswer, DnsStatus
from canhgac.i18n import gettext


class ResolverError(ValueError):
    """A resolver or server given as text that is not ``ADDRESS[:PORT]`` (one translated line)."""


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int = 53

    @classmethod
    def parse(cls, text: str, default_port: int = 53) -> ServerAddress:
        """Parse ``ADDRESS``, ``ADDRESS:PORT``, ``[V6]:PORT`` or a bare IPv6 address.

        Raises :class:`ResolverError` naming what is wrong: servers are given by address (a
        name would need a resolver to find the resolver), ports are 1-65535.
        """
        value = text.strip()
        port_text: str | None = None
        if value.startswith("["):
            host, closed, rest = value[1:].partition("]")
            if not closed or (rest and not rest.startswith(":")):
                raise ResolverError(_bad_server(text))
            port_text = rest[1:] if rest else None
        elif value.count(":") == 1:
            host, _colon, port_text = value.partition(":")
        else:
            host = value
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            raise ResolverError(_bad_server(text)) from None
        port = default_port
        if port_text is not None:
            if not port_text.isascii() or not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise ResolverError(
                    gettext("'{value}': the port must be a number from 1 to 65535").format(value=text)
                )
            port = int(port_text)
        return cls(str(address), port)

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _bad_server(text: str) -> str:
    return gettext(
        "'{value}' is not a server address; give an IP address with an optional port, "
        "like 127.0.0.1, 127.0.0.1:5353 or [::1]:53 (not a name)"
    ).format(value=text)


@functools.lru_cache(maxsize=65536)
def _question(name: str, rdtype: str) -> Question:
    """The question for a name and type as given (raises for a bad name or type)."""
    return Question.build(dns.name.from_text(name.rstrip(".") + "."), dns.rdatatype.from_text(rdtype))


@dataclass
class DnsClient:
    """Resolves through configured recursive resolvers and queries servers directly.

    One client lives for one run: its cache makes each (name, type) cost one round trip
    however many checks ask, and concurrent asks wait for the first.
    """

    resolvers: tuple[ServerAddress, ...]
    timeout: float = 3.0
    attempts: int = 2
    max_in_flight: int = 256
    _cache: dict[tuple[str, ...], asyncio.Future[DnsAnswer]] = field(
        default_factory=dict, repr=False
    )
    _sem: asyncio.Semaphore | None = field(default=None, repr=False)
    _pool: UdpPool | None = field(default=None, repr=False)
    queries_sent: int = 0
    _owns_pool: bool = field(default=True, repr=False)

    def _semaphore(self) -> asyncio.Semaphore:
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.max_in_flight)
        return self._sem

    def _udp(self) -> UdpPool:
        loop = asyncio.get_running_loop()
        if self._pool is None or self._pool.loop is not loop:
            self._pool = UdpPool(loop, max_idle=self.max_in_flight)
        return self._pool

    def close(self) -> None:
        """Close the sockets kept open between questions (they also close after idling); a
        client made by :meth:`fresh` leaves them to the client it came from."""
        if self._pool is not None and self._owns_pool:
            self._pool.close()

    def fresh(self) -> DnsClient:
        """A client that knows no answer yet but shares this one's UDP sockets and in-flight
        limit (call inside the running loop): the watch asks again at every check, and the
        sockets and the limit hold no answer. Closing it leaves the sockets open; close this
        client when done."""
        return replace(self, _cache={}, _sem=self._semaphore(), _pool=self._udp(), queries_sent=0,
                       _owns_pool=False)

    async def query(self, name: str, rdtype: str, *, dnssec: bool = False) -> DnsAnswer:
        """Ask the resolvers (recursion desired). Cached for the life of the client."""
        key = ("r", name.lower().rstrip("."), rdtype.upper(), "1" if dnssec else "0")
        return await self._cached(key, lambda: self._resolve(name, rdtype, dnssec))

    async def query_server(
        self,
        server: ServerAddress,
        name: str,
        rdtype: str,
        *,
        tcp: bool = False,
        dnssec: bool = False,
    ) -> DnsAnswer:
        """Ask one server directly, without recursion (for authoritative checks). Cached."""
        key = (
            "s",
            str(server),
            name.lower().rstrip("."),
            rdtype.upper(),
            "t" if tcp else "u",
            "1" if dnssec else "0",
        )
        return await self._cached(
            key, lambda: self._ask(server, name, rdtype, recursion=False, tcp=tcp, dnssec=dnssec)
        )

    async def _cached(self, key: tuple[str, ...], make: object) -> DnsAnswer:
        fut = self._cache.get(key)
        if fut is None:
            loop = asyncio.get_running_loop()
            fut = loop.create_future()
            self._cache[key] = fut
            try:
                fut.set_result(await make())  # type: ignore[operator]
            except BaseException as exc:  # pragma: no cover - cancellation / internal error
                del self._cache[key]
                fut.set_exception(exc)
                fut.exception()  # mark retrieved so asyncio does not warn
                raise
        return await asyncio.shield(fut)

    async def _resolve(self, name: str, rdtype: str, dnssec: bool) -> DnsAnswer:
        last: DnsAnswer | None = None
        for _ in range(max(1, self.attempts)):
            for server in self.resolvers:
                answer = await self._ask(
                    server, name, rdtype, recursion=True, tcp=False, dnssec=dnssec
                )
                if not answer.status.is_failure:
                    return answer
                last = answer
        assert last is not None, "DnsClient needs at least one resolver"
        return last

    async def _ask(
        self,
        server: ServerAddress,
        name: str,
        rdtype: str,
        *,
        recursion: bool,
        tcp: bool,
        dnssec: bool,
    ) -> DnsAnswer:
        base = DnsAnswer(
            name=name.rstrip(".").lower(),
            rdtype=rdtype.upper(),
            status=DnsStatus.OK,
            server=str(server),
        )
        try:
            question = _question(name, rdtype)
        except (dns.exception.DNSException, ValueError) as exc:
            return replace(base, status=DnsStatus.MALFORMED, detail=f"bad question: {exc}")
        async with self._semaphore():
            self.queries_sent += 1
            try:
                if not tcp:
                    qid, reply = await self._udp().exchange(
                        server.host,
                        server.port,
                        question,
                        recursion=recursion,
                        dnssec=dnssec,
                        timeout=self.timeout,
                    )
                    if not reply.truncated:
                        return _interpret_reply(reply, question, base)
                else:
                    qid = secrets.randbits(16)
                query = query_message(question, qid, recursion=recursion, dnssec=dnssec)
                response = await dns.asyncquery.tcp(
                    query, server.host, timeout=self.timeout, port=server.port
                )
            except dns.exception.Timeout:
                return replace(
                    base, status=DnsStatus.TIMEOUT, detail=f"no answer in {self.timeout}s"
                )
            except (ConnectionError, OSError) as exc:
                return replace(base, status=DnsStatus.TIMEOUT, detail=f"connection failed: {exc}")
            except (dns.exception.DNSException, ValueError, EOFError, UnicodeError) as exc:
                return replace(
                    base, status=DnsStatus.MALFORMED, detail=f"{type(exc).__name__}: {exc}"
                )
        return _interpret(response, question.name, question.rdtype, True, base)


def _failed_rcode(rcode: dns.rcode.Rcode, base: DnsAnswer) -> DnsAnswer | None:
    """The answer for an rcode that says nothing about the name, else None."""
    if rcode == dns.rcode.SERVFAIL:
        return replace(base, status=DnsStatus.SERVFAIL, detail="SERVFAIL")
    if rcode == dns.rcode.REFUSED:
        return replace(base, status=DnsStatus.REFUSED, detail="REFUSED")
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        text = dns.rcode.to_text(rcode)
        return replace(base, status=DnsStatus.MALFORMED, detail=f"rcode {text}")
    return None


def _interpret_reply(reply: Reply, question: Question, template: DnsAnswer) -> DnsAnswer:
    """A UDP reply: a full message, or the header of an answer without answer records."""
    if reply.message is not None:
        return _interpret(reply.message, question.name, question.rdtype, False, template)
    base = replace(
        template,
        authenticated=bool(reply.flags & dns.flags.AD),
        authoritative=bool(reply.flags & dns.flags.AA),
        status=DnsStatus.NXDOMAIN if reply.rcode == dns.rcode.NXDOMAIN else DnsStatus.NODATA,
    )
    return _failed_rcode(reply.rcode, base) or base


def _interpret(
    response: dns.message.Message,
    qname: dns.name.Name,
    qtype: dns.rdatatype.RdataType,
    used_tcp: bool,
    template: DnsAnswer,
) -> DnsAnswer:
    base = replace(
        template,
        authenticated=bool(response.flags & dns.flags.AD),
        authoritative=bool(response.flags & dns.flags.AA),
        used_tcp=used_tcp,
    )
    rcode = response.rcode()
    failed = _failed_rcode(rcode, base)
    if failed is not None:
        return failed
    # Follow the CNAME chain inside the answer section.
    cnames: list[str] = []
    current = qname
    for _ in range(16):
        rrset = response.get_rrset(response.answer, current, dns.rdataclass.IN, qtype)
        if rrset is not None or qtype == dns.rdatatype.CNAME:
            break
        cname = response.get_rrset(response.answer, current, dns.rdataclass.IN, dns.rdatatype.CNAME)
        if cname is None:
            break
        current = cname[0].target
        cnames.append(current.to_text().rstrip(".").lower())
    else:
        return replace(base, status=DnsStatus.MALFORMED, detail="CNAME chain too long")
    if rcode == dns.rcode.NXDOMAIN:
        return replace(base, status=DnsStatus.NXDOMAIN, cnames=tuple(cnames))
    rrset = response.get_rrset(response.answer, current, dns.rdataclass.IN, qtype)
    if rrset is None or len(rrset) == 0:
        return replace(base, status=DnsStatus.NODATA, cnames=tuple(cnames))
    sigs = response.get_rrset(
        response.answer, current, dns.rdataclass.IN, dns.rdatatype.RRSIG, covers=qtype
    )
    return replace(
        base,
        status=DnsStatus.OK,
        rdata=tuple(rrset),
        ttl=rrset.ttl,
        cnames=tuple(cnames),
        signatures=tuple(sigs) if sigs is not None else (),
    )
