"""One TLS handshake with the standard library's ``ssl`` module over asyncio, and its outcome.

Client contexts run at OpenSSL security level 0 so that weak servers (1024-bit keys, SHA-1
chains, old protocol versions) still complete a handshake and can be judged; what this
machine's OpenSSL cannot offer at all is reported as untestable, never as "not accepted".
A server that answers our offer with an alert or drops the connection (as many do for a
version they refuse) has *rejected* the offer; a timeout tells nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import warnings
from dataclasses import dataclass
from functools import cache

from canhgac.engine.facts.tls import TlsFailure
from canhgac.engine.tls.starttls import Endpoint, PreambleError, prepared_socket

# OpenSSL's X509_V_FLAG_NO_CHECK_TIME: validity dates are judged by their own checks
_NO_CHECK_TIME = 0x200000
_SECLEVEL0 = ":@SECLEVEL=0"


@dataclass(frozen=True, slots=True)
class Handshake:
    """What one connection gave: a session, a refusal, or a failure before TLS."""

    completed: bool
    rejected: bool = False  # the server refused what we offered (alert, reset)
    failure: TlsFailure | None = None  # before or instead of TLS (closed, timeout, preamble)
    detail: str = ""
    version: str | None = None
    cipher: str | None = None
    leaf_der: bytes | None = None
    verify_code: int | None = None  # set when a verifying handshake failed verification
    verify_message: str = ""

    @property
    def answered(self) -> bool:
        """The server gave a definite answer to our TLS offer (accepted or refused it)."""
        return self.completed or self.rejected or self.verify_code is not None


def client_context(
    *,
    minimum: ssl.TLSVersion | None = None,
    maximum: ssl.TLSVersion | None = None,
    ciphers: str = "ALL",
    tls13: bool = True,
    verify_with: str | None = None,
    verify_system: bool = False,
) -> ssl.SSLContext:
    """A client context; raises ``ssl.SSLError``/``ValueError`` if this OpenSSL cannot offer it.
    It verifies against the system's trust store (``verify_system``), a PEM bundle
    (``verify_with``), or both; with neither, it verifies nothing."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    if verify_with is not None or verify_system:
        context.verify_mode = ssl.CERT_REQUIRED
        if verify_system:
            context.load_default_certs()
        if verify_with is not None:
            context.load_verify_locations(cafile=verify_with)
        context.verify_flags |= _NO_CHECK_TIME  # type: ignore[assignment]
    else:
        context.verify_mode = ssl.CERT_NONE
    context.set_ciphers(ciphers + _SECLEVEL0)
    if minimum is not None:
        context.minimum_version = minimum
    if maximum is not None:
        context.maximum_version = maximum
    if not tls13:
        context.maximum_version = min(context.maximum_version, ssl.TLSVersion.TLSv1_2)
    return context


@cache
def lenient_context() -> ssl.SSLContext:
    """No verification, every version and suite this OpenSSL still has, for talking to a server
    whatever its TLS: reading a portal's headers, finding what a port serves inside TLS. Judging
    the TLS itself is :func:`~canhgac.engine.tls.analysis.analyze_tls`'s job. Built once, shared."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with contextlib.suppress(ssl.SSLError, ValueError):  # an OpenSSL that cannot go lower keeps its floor
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.set_ciphers("ALL" + _SECLEVEL0)
    return context


def connection_budget(endpoint: Endpoint) -> float:
    """Connect, at most three preamble replies and the handshake."""
    return endpoint.limits.connect_timeout + 4 * endpoint.limits.read_timeout


async def _tls(endpoint: Endpoint, context: ssl.SSLContext) -> Handshake:
    sock = await prepared_socket(endpoint)
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(endpoint.limits.read_timeout):
            _, writer = await asyncio.open_connection(
                sock=sock,
                ssl=context,
                server_hostname=endpoint.host or None,
                ssl_handshake_timeout=endpoint.limits.read_timeout + 1,
            )
        ssl_object = writer.get_extra_info("ssl_object")
        if not isinstance(ssl_object, ssl.SSLObject):
            return Handshake(completed=False, failure=TlsFailure.HANDSHAKE, detail="no TLS session")
        cipher = ssl_object.cipher()
        return Handshake(
            completed=True,
            version=ssl_object.version(),
            cipher=cipher[0] if cipher else None,
            leaf_der=ssl_object.getpeercert(binary_form=True),
        )
    finally:
        if writer is not None:
            writer.transport.abort()
        with contextlib.suppress(OSError):
            sock.close()


async def handshake(endpoint: Endpoint, context: ssl.SSLContext) -> Handshake:
    """Connect, run the preamble, try one TLS handshake; every outcome is a value."""
    try:
        async with asyncio.timeout(connection_budget(endpoint)):
            return await _tls(endpoint, context)
    except PreambleError as exc:
        return Handshake(completed=False, failure=exc.failure, detail=exc.detail)
    except ssl.SSLCertVerificationError as exc:
        return Handshake(
            completed=False,
            verify_code=exc.verify_code,
            verify_message=str(exc.verify_message or exc.reason or exc),
            detail=str(exc),
        )
    except ssl.SSLError as exc:  # an alert from the server, no shared cipher/version, EOF mid-handshake
        return Handshake(completed=False, rejected=True, detail=f"{exc.reason or exc}")
    except TimeoutError:
        return Handshake(completed=False, failure=TlsFailure.TIMEOUT, detail="TLS handshake timed out")
    except (ConnectionError, asyncio.IncompleteReadError) as exc:  # reset, aborted, broken pipe
        return Handshake(completed=False, rejected=True, detail=f"connection dropped: {type(exc).__name__}")
    except OSError as exc:
        return Handshake(completed=False, failure=TlsFailure.CONNECTION, detail=str(exc))
