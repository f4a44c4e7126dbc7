"""Reading the tools' outputs: canhgac's JSON lines, sslyze's JSON, nmap's XML, and how each of
them names a TLS protocol version. A missing file (the tool failed) reads as no results."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# How each tool names a protocol version
CANHGAC_PROTOCOLS = {
    "SSLv2": "SSL 2.0", "SSLv3": "SSL 3.0", "TLSv1": "TLS 1.0", "TLSv1.0": "TLS 1.0",
    "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3",
}
SSLYZE_PROTOCOLS = {
    "ssl_2_0_cipher_suites": "SSL 2.0", "ssl_3_0_cipher_suites": "SSL 3.0",
    "tls_1_0_cipher_suites": "TLS 1.0", "tls_1_1_cipher_suites": "TLS 1.1",
    "tls_1_2_cipher_suites": "TLS 1.2", "tls_1_3_cipher_suites": "TLS 1.3",
}
NMAP_PROTOCOLS = {
    "SSLv2": "SSL 2.0", "SSLv3": "SSL 3.0", "TLSv1.0": "TLS 1.0", "TLSv1.1": "TLS 1.1",
    "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3",
}
SSLYZE_CUSTOM_STORE = "Supplied CA file"  # sslyze's name for --certinfo_ca_file's store
EXPIRED_ERROR = "cert is not valid at validation time"


def canhgac_results(path: Path) -> Iterator[dict[str, Any]]:
    """The results ``canhgac scan --json-out`` wrote, one per line."""
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def canhgac_protocols(offered: dict[str, bool]) -> tuple[str, ...]:
    """The versions a canhgac TLS evidence entry (``{"TLSv1.2": true, ...}``) found accepted."""
    return tuple(sorted(CANHGAC_PROTOCOLS[k] for k, ok in offered.items() if ok))


@dataclass(frozen=True)
class SslyzeServer:
    """What sslyze found on one server: protocols, and the certificate against the lab CA."""

    ip: str
    hostname: str
    port: int
    connected: bool
    trace: str | None = None  # the connectivity error trace, as text (None: no such field)
    protocols: tuple[str, ...] = ()
    expired: bool | None = None  # None: no certificate information
    trusted: bool | None = None  # None: no path validation against the lab CA
    validation_error: str = ""  # that validation's error, cut to 120 characters


def sslyze_servers(path: Path) -> Iterator[SslyzeServer]:
    """Every server of sslyze's ``--json_out`` document.

    canhgac judges trust (the chain) and expiry apart; sslyze's path validation fails an
    expired leaf from a trusted CA: that one counts as trusted (and expired).
    """
    if not path.exists():
        return
    doc = json.loads(path.read_text(encoding="utf-8"))
    now = datetime.now(UTC)
    for s in doc.get("server_scan_results", []):
        loc = s["server_location"]
        where = {"ip": loc["ip_address"], "hostname": loc["hostname"], "port": loc["port"]}
        if s.get("connectivity_status") != "COMPLETED":
            trace = str(s["connectivity_error_trace"]) if "connectivity_error_trace" in s else None
            yield SslyzeServer(**where, connected=False, trace=trace)
            continue
        res = s["scan_result"]
        accepted = []
        for key, name in SSLYZE_PROTOCOLS.items():
            attempt = res.get(key) or {}
            if attempt.get("status") == "COMPLETED" and attempt["result"]["accepted_cipher_suites"]:
                accepted.append(name)
        expired = trusted = None
        error = ""
        cert = res.get("certificate_info") or {}
        if cert.get("status") == "COMPLETED":
            deployment = cert["result"]["certificate_deployments"][0]
            custom = [p for p in deployment["path_validation_results"]
                      if p["trust_store"]["name"] == SSLYZE_CUSTOM_STORE]
            leaf = deployment["received_certificate_chain"][0]
            expired = datetime.fromisoformat(leaf["not_valid_after"]) < now
            if custom:
                error = str(custom[0].get("validation_error") or "")
                trusted = custom[0]["was_validation_successful"] or (expired and EXPIRED_ERROR in error)
                error = error[:120]
        yield SslyzeServer(
            **where, connected=True, protocols=tuple(sorted(accepted)), expired=expired, trusted=trusted,
            validation_error=error,
        )


def nmap_open_ports(path: Path) -> Iterator[tuple[str, ET.Element]]:
    """``address:port`` and its ``<port>`` element, for every open port in nmap's ``-oX`` XML."""
    if not path.exists():
        return
    for host in ET.parse(path).getroot().iter("host"):
        address = host.find("address").get("addr")  # type: ignore[union-attr]
        for port in host.iter("port"):
            state = port.find("state")
            if state is None or state.get("state") != "open":
                continue
            yield f"{address}:{port.get('portid')}", port
