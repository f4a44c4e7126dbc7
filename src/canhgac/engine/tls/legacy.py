"""Handshakes the standard library cannot make, through nassl (sslyze's OpenSSL bindings).

This machine's OpenSSL 3 has no SSLv2/SSLv3 and no EXPORT, DES, RC4 or 3DES suites, and the
``ssl`` module exposes neither the server's ephemeral key (DH group size) nor OCSP stapling.
nassl ships two OpenSSL builds: a legacy one (1.0.2, everything compiled in) and a modern one
(1.1.1) whose client reports the ephemeral key and the stapled OCSP response. We use nassl
directly rather than sslyze's scanner because one targeted handshake per question is what
makes the analysis fast; sslyze would enumerate every cipher suite.

The STARTTLS preamble runs on the event loop (:mod:`canhgac.engine.tls.starttls`); the
prepared socket is then handed, blocking with a timeout, to a worker thread for the nassl
handshake. nassl missing or failing unexpectedly makes the question untestable (``None``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from canhgac.engine.tls.handshake import connection_budget
from canhgac.engine.tls.starttls import Endpoint, PreambleError, prepared_socket

try:
    from nassl import _nassl
    from nassl.ephemeral_key_info import DhEphemeralKeyInfo
    from nassl.legacy_ssl_client import LegacySslClient
    from nassl.ssl_client import BaseSslClient, OpenSslVerifyEnum, OpenSslVersionEnum, SslClient

    NASSL_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the installation
    NASSL_ERROR = f"nassl unavailable: {exc}"

LEGACY_VERSIONS = {"SSLv2": "SSLV2", "SSLv3": "SSLV3", "TLSv1.0": "TLSV1", "TLSv1.1": "TLSV1_1"}
CIPHER_VERSIONS = {"SSLv3": "SSLV3", "TLSv1.0": "TLSV1", "TLSv1.1": "TLSV1_1", "TLSv1.2": "TLSV1_2"}


@dataclass(frozen=True, slots=True)
class NasslOutcome:
    """accepted True/False, or None (untestable) with the reason in ``detail``."""

    accepted: bool | None
    detail: str = ""
    cipher: str | None = None
    dh_bits: int | None = None
    ocsp_stapled: bool | None = None


def _openssl_errors() -> tuple[type[BaseException], ...]:
    return (_nassl.OpenSSLError, _nassl.SslError)  # the legacy build raises these too


def _run(sock: socket.socket, make: Callable[[socket.socket], BaseSslClient], timeout: float,
         inspect: Callable[[BaseSslClient], dict[str, Any]]) -> NasslOutcome:
    """Blocking: the handshake in a worker thread."""
    sock.setblocking(True)
    sock.settimeout(timeout)
    try:
        client = make(sock)
        client.do_handshake()
    except _openssl_errors() as exc:
        return NasslOutcome(False, f"refused: {str(exc)[:200]}")
    except TimeoutError:
        return NasslOutcome(None, "handshake timed out")
    except (ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as exc:
        return NasslOutcome(False, f"connection dropped: {type(exc).__name__}")
    except OSError as exc:  # nassl raises IOError when the peer closes without answering
        if "did not send data back" in str(exc):
            return NasslOutcome(False, "connection closed by the server")
        return NasslOutcome(None, f"socket error: {exc}")
    except Exception as exc:  # nassl raising something else: untestable, never a verdict
        return NasslOutcome(None, f"nassl: {type(exc).__name__}: {exc}")
    try:
        return NasslOutcome(True, cipher=client.get_current_cipher_name(), **inspect(client))
    except Exception as exc:  # inspecting a completed session: accepted, details unknown
        return NasslOutcome(True, f"nassl: {type(exc).__name__}: {exc}")


def _nothing(client: BaseSslClient) -> dict[str, Any]:
    return {}


def _ephemeral(client: BaseSslClient) -> dict[str, Any]:
    key = client.get_ephemeral_key()
    bits = key.size if isinstance(key, DhEphemeralKeyInfo) else None
    return {"dh_bits": bits, "ocsp_stapled": client.get_tlsext_status_ocsp_resp() is not None}


async def _probe(endpoint: Endpoint, make: Callable[[socket.socket], BaseSslClient],
                 inspect: Callable[[BaseSslClient], dict[str, Any]] = _nothing) -> NasslOutcome:
    if NASSL_ERROR:
        return NasslOutcome(None, NASSL_ERROR)
    budget = connection_budget(endpoint)
    try:
        async with asyncio.timeout(budget):
            sock = await prepared_socket(endpoint)
    except PreambleError as exc:
        return NasslOutcome(None, f"{exc.failure.value}: {exc.detail}")
    except TimeoutError:
        return NasslOutcome(None, "preamble did not finish in time")
    try:
        async with asyncio.timeout(endpoint.limits.read_timeout + 1):
            return await asyncio.to_thread(_run, sock, make, endpoint.limits.read_timeout, inspect)
    except TimeoutError:
        return NasslOutcome(None, "handshake timed out")
    finally:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes a worker thread still blocked on it
        with contextlib.suppress(OSError):
            sock.close()


def _legacy(version: str, ciphers: str) -> Callable[[socket.socket], BaseSslClient]:
    def make(sock: socket.socket) -> BaseSslClient:
        client = LegacySslClient(sock, OpenSslVersionEnum[version], OpenSslVerifyEnum.NONE)
        if version != "SSLV2":
            client.set_cipher_list(ciphers)
        return client

    return make


async def legacy_protocol(endpoint: Endpoint, protocol: str) -> NasslOutcome:
    """Does the server accept ``protocol`` (SSLv2, SSLv3, TLSv1.0, TLSv1.1) from a legacy client?"""
    if NASSL_ERROR:
        return NasslOutcome(None, NASSL_ERROR)
    return await _probe(endpoint, _legacy(LEGACY_VERSIONS[protocol], "ALL:COMPLEMENTOFALL"))


async def legacy_ciphers(endpoint: Endpoint, cipher_string: str, protocol: str) -> NasslOutcome:
    """Does the server accept any suite of ``cipher_string`` at ``protocol`` (a key of
    :data:`CIPHER_VERSIONS`) from OpenSSL 1.0.2, and which one does it choose?"""
    if NASSL_ERROR:
        return NasslOutcome(None, NASSL_ERROR)
    return await _probe(endpoint, _legacy(CIPHER_VERSIONS[protocol], cipher_string))


def legacy_cipher_names(cipher_string: str) -> frozenset[str]:
    """The suite names OpenSSL 1.0.2 expands ``cipher_string`` to (empty without nassl)."""
    if NASSL_ERROR:
        return frozenset()
    client = LegacySslClient(None, OpenSslVersionEnum.SSLV23, OpenSslVerifyEnum.NONE)
    try:
        client.set_cipher_list(cipher_string)
    except _openssl_errors():
        return frozenset()
    return frozenset(client.get_cipher_list())


def _modern(ciphers: str, host: str) -> Callable[[socket.socket], BaseSslClient]:
    def make(sock: socket.socket) -> BaseSslClient:
        client = SslClient(sock, OpenSslVersionEnum.TLSV1_2, OpenSslVerifyEnum.NONE,
                           server_name_indication=host or None)
        client.set_cipher_list(ciphers)
        client.set_tlsext_status_ocsp()
        return client

    return make


async def dhe_probe(endpoint: Endpoint) -> NasslOutcome:
    """A TLS 1.2 handshake offering only finite-field DHE suites: accepted? which suite? group
    size? OCSP?"""
    if NASSL_ERROR:
        return NasslOutcome(None, NASSL_ERROR)
    return await _probe(endpoint, _modern("kDHE:@SECLEVEL=0", endpoint.host), _ephemeral)


async def ocsp_probe(endpoint: Endpoint) -> NasslOutcome:
    """A TLS 1.2 handshake asking for a stapled OCSP response (RFC 6066 8)."""
    if NASSL_ERROR:
        return NasslOutcome(None, NASSL_ERROR)
    return await _probe(endpoint, _modern("ALL:@SECLEVEL=0", endpoint.host), _ephemeral)
