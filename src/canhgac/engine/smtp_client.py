"""A bounded SMTP line-protocol client for probing servers, and the probe's transcript.

Hand-written rather than aiosmtplib (or the blocking smtplib): the probe must see every reply
raw whatever its shape (a 554 greeting, a garbled continuation line), bound each reply by the
run's :class:`NetworkLimits` (time, line length, reply size), keep a short transcript as
evidence, and be unable to send message content — this client has no DATA or BDAT at all and
refuses them if asked. Whatever the server does ends the exchange with an :class:`SmtpProbeError`
carrying a typed :class:`StopReason`; nothing else is raised for server behaviour.
"""

from __future__ import annotations

import asyncio
import functools
import re
import ssl
from dataclasses import dataclass, field, replace
from typing import Any

from canhgac.engine.context import NetworkLimits
from canhgac.engine.facts.smtp import MAX_REPLY_TEXT_CHARS, Reply, SmtpSession, StopReason

MAX_TRANSCRIPT_LINES = 80
MAX_TRANSCRIPT_CHARS = 200
_REPLY_LINE = re.compile(r"^([2-5]\d\d)(?:([ -])(.*))?$", re.DOTALL)
_FORBIDDEN_VERBS = frozenset({"DATA", "BDAT"})


class SmtpProbeError(Exception):
    """The exchange cannot go on; ``reason`` says why (a fact about the server)."""

    def __init__(self, reason: StopReason, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Transcript:
    """The first lines of an exchange (``C:`` sent, ``S:`` received), each truncated."""

    lines: list[str] = field(default_factory=list)
    dropped: int = 0

    def add(self, prefix: str, text: str) -> None:
        if len(self.lines) >= MAX_TRANSCRIPT_LINES:
            self.dropped += 1
            return
        clipped = text if len(text) <= MAX_TRANSCRIPT_CHARS else text[:MAX_TRANSCRIPT_CHARS] + "…"
        self.lines.append(f"{prefix}: {clipped}")

    def snapshot(self) -> tuple[str, ...]:
        extra = (f"… {self.dropped} more lines",) if self.dropped else ()
        return (*self.lines, *extra)


def _decode(raw: bytes) -> str:
    return raw.rstrip(b"\r\n").decode("utf-8", errors="replace")


class SmtpConnection:
    """One client connection; every read bounded, every line recorded in the transcript."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: NetworkLimits,
        transcript: Transcript,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._limits = limits
        self.transcript = transcript

    @classmethod
    async def open(
        cls,
        address: str,
        port: int,
        limits: NetworkLimits,
        transcript: Transcript,
        *,
        tls: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
    ) -> SmtpConnection:
        """Connect (implicit TLS when ``tls`` is given), bounded by ``connect_timeout``."""
        try:
            async with asyncio.timeout(limits.connect_timeout):
                reader, writer = await asyncio.open_connection(
                    address,
                    port,
                    limit=limits.max_line_bytes,
                    ssl=tls,
                    server_hostname=server_hostname if tls is not None else None,
                )
        except TimeoutError as exc:
            raise SmtpProbeError(
                StopReason.CONNECT_TIMEOUT, f"no connection within {limits.connect_timeout:g}s"
            ) from exc
        except ssl.SSLError as exc:
            raise SmtpProbeError(StopReason.TLS_FAILED, f"{type(exc).__name__}: {exc}") from exc
        except OSError as exc:
            raise SmtpProbeError(StopReason.REFUSED, f"{type(exc).__name__}: {exc}") from exc
        return cls(reader, writer, limits, transcript)

    async def reply(self) -> Reply:
        """Read one (possibly multi-line) reply within ``read_timeout``."""
        try:
            async with asyncio.timeout(self._limits.read_timeout):
                return await self._read_reply()
        except TimeoutError as exc:
            raise SmtpProbeError(
                StopReason.TIMEOUT, f"no complete reply within {self._limits.read_timeout:g}s"
            ) from exc

    async def _read_reply(self) -> Reply:
        code: str | None = None
        texts: list[str] = []
        total = 0
        while True:
            raw = await self._read_line()
            total += len(raw)
            if total > self._limits.max_reply_bytes:
                raise SmtpProbeError(
                    StopReason.REPLY_TOO_LARGE, f"reply over {self._limits.max_reply_bytes} bytes"
                )
            line = _decode(raw)
            self.transcript.add("S", line)
            match = _REPLY_LINE.match(line)
            if match is None or (code is not None and match.group(1) != code):
                raise SmtpProbeError(StopReason.GARBAGE, f"not an SMTP reply line: {line[:80]!r}")
            code = match.group(1)
            if len(texts) < 64:
                texts.append((match.group(3) or "")[:MAX_REPLY_TEXT_CHARS])
            if match.group(2) != "-":
                return Reply(int(code), tuple(texts))

    async def _read_line(self) -> bytes:
        try:
            return await self._reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as exc:
            raise SmtpProbeError(
                StopReason.LINE_TOO_LONG, f"no line end within {self._limits.max_line_bytes} bytes"
            ) from exc
        except asyncio.IncompleteReadError as exc:
            if exc.partial:
                self.transcript.add("S", _decode(exc.partial))
            raise SmtpProbeError(StopReason.CLOSED, "connection closed by the server") from exc
        except ssl.SSLError as exc:
            raise SmtpProbeError(StopReason.TLS_FAILED, f"{type(exc).__name__}: {exc}") from exc
        except (ConnectionError, OSError) as exc:
            raise SmtpProbeError(StopReason.CLOSED, f"{type(exc).__name__}: {exc}") from exc

    async def command(self, text: str) -> Reply:
        """Send one command line and read its reply. Message content can never be sent."""
        verb = text.split(" ", 1)[0].upper()
        if verb in _FORBIDDEN_VERBS or "\r" in text or "\n" in text:
            raise ValueError(f"the probe never sends {verb!r} or embedded line breaks")
        self.transcript.add("C", text)
        try:
            self._writer.write(text.encode("ascii") + b"\r\n")
            async with asyncio.timeout(self._limits.read_timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise SmtpProbeError(StopReason.TIMEOUT, "the server does not read what is sent") from exc
        except (ConnectionError, OSError) as exc:
            raise SmtpProbeError(StopReason.CLOSED, f"{type(exc).__name__}: {exc}") from exc
        return await self.reply()

    async def quit(self) -> None:
        """QUIT politely (best effort, short wait), then close."""
        try:
            async with asyncio.timeout(min(2.0, self._limits.read_timeout)):
                await self.command("QUIT")
        except (SmtpProbeError, TimeoutError):
            pass
        self.abort()

    async def upgrade(self, tls: ssl.SSLContext) -> None:
        """The TLS handshake after the server's ``220`` to STARTTLS, bounded by ``read_timeout``."""
        try:
            async with asyncio.timeout(self._limits.read_timeout):
                await self._writer.start_tls(tls)
        except TimeoutError as exc:
            raise SmtpProbeError(
                StopReason.TIMEOUT, f"no TLS handshake within {self._limits.read_timeout:g}s"
            ) from exc
        except ssl.SSLError as exc:
            raise SmtpProbeError(StopReason.TLS_FAILED, f"{type(exc).__name__}: {exc}") from exc
        except (ConnectionError, OSError) as exc:
            raise SmtpProbeError(StopReason.CLOSED, f"{type(exc).__name__}: {exc}") from exc

    def abort(self) -> None:
        transport = self._writer.transport
        if not transport.is_closing():
            transport.abort()


# --- the probe exchange ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelayProbe:
    """The envelope of the open-relay probe (addresses outside every agency domain)."""

    sender: str
    recipient: str


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """What to do on one connection: every step optional but the greeting and EHLO.

    ``starttls``: upgrade when the server offers STARTTLS, then probe inside TLS (a submission
    port that wants TLS first refuses MAIL FROM in clear, which would hide an open relay).
    """

    ehlo_name: str
    implicit_tls: bool = False
    starttls: bool = False
    vrfy_unknown: str = ""  # a random local part; empty: no VRFY/EXPN at all
    relay: RelayProbe | None = None  # None: no MAIL FROM is ever sent


class _Draft:
    """The session as filled in so far; survives the exchange being cut short."""

    def __init__(self, session: SmtpSession) -> None:
        self.session = session

    def set(self, name: str, value: Any) -> None:
        self.session = replace(self.session, **{name: value})


@functools.cache
def _probe_tls_context() -> ssl.SSLContext:
    """Implicit TLS and STARTTLS: accept any certificate; certificates are judged by mail.tls.*.
    Built once per process (a context costs tens of milliseconds; the watch probes every minute)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def _hello(conn: SmtpConnection, draft: _Draft, ehlo_name: str) -> bool:
    ehlo = await conn.command(f"EHLO {ehlo_name}")
    if ehlo.code == 250:
        draft.set("hello", ehlo)
        draft.set("esmtp", True)
        draft.set("extensions", tuple(ehlo.ehlo_keywords().items()))
        return True
    helo = await conn.command(f"HELO {ehlo_name}")
    draft.set("hello", helo)
    return helo.code == 250


async def _upgrade(conn: SmtpConnection, draft: _Draft, ehlo_name: str) -> None:
    """STARTTLS, the handshake and a new EHLO (RFC 3207 4.2: the session starts afresh)."""
    reply = await conn.command("STARTTLS")
    draft.set("starttls", reply)
    if reply.code != 220:
        return  # declined: still in clear and in command state, the probe goes on there
    await conn.upgrade(_probe_tls_context())
    draft.set("tls_hello", await conn.command(f"EHLO {ehlo_name}"))


async def _exchange(conn: SmtpConnection, draft: _Draft, plan: SessionPlan) -> None:
    greeting = await conn.reply()
    draft.set("greeting", greeting)
    if greeting.code != 220 or not await _hello(conn, draft, plan.ehlo_name):
        return
    if plan.starttls and draft.session.extension("STARTTLS") is not None:
        await _upgrade(conn, draft, plan.ehlo_name)
    if plan.vrfy_unknown:
        draft.set("vrfy_known", await conn.command("VRFY postmaster"))
        draft.set("vrfy_unknown", await conn.command(f"VRFY {plan.vrfy_unknown}"))
        draft.set("expn_known", await conn.command("EXPN postmaster"))
        draft.set("expn_unknown", await conn.command(f"EXPN {plan.vrfy_unknown}"))
    if plan.relay is not None:
        draft.set("relay_probed", True)
        mail = await conn.command(f"MAIL FROM:<{plan.relay.sender}>")
        draft.set("relay_mail", mail)
        if mail.positive:
            draft.set("relay_rcpt", await conn.command(f"RCPT TO:<{plan.relay.recipient}>"))
        draft.set("relay_reset", await conn.command("RSET"))


async def probe_session(
    address: str, port: int, plan: SessionPlan, limits: NetworkLimits, deadline: float
) -> SmtpSession:
    """Run one probe exchange; never raises for what the server does.

    ``deadline`` bounds the whole exchange (connect, every reply, the polite QUIT) in seconds.
    """
    transcript = Transcript()
    draft = _Draft(SmtpSession(address, port, plan.implicit_tls))
    conn: SmtpConnection | None = None
    try:
        async with asyncio.timeout(deadline):
            tls = _probe_tls_context() if plan.implicit_tls else None
            conn = await SmtpConnection.open(address, port, limits, transcript, tls=tls)
            await _exchange(conn, draft, plan)
            await conn.quit()
    except SmtpProbeError as stop:
        draft.set("stop", stop.reason)
        draft.set("stop_detail", stop.detail)
    except TimeoutError:
        draft.set("stop", StopReason.DEADLINE)
        draft.set("stop_detail", f"exchange not finished within {deadline:g}s")
    finally:
        if conn is not None:
            conn.abort()
    return replace(draft.session, transcript=transcript.snapshot())
