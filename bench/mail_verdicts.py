"""The mail-servers benchmark's verdicts per endpoint (address:port): what canhgac, sslyze and
nmap each found (protocols offered, certificate trusted and expired, open relay), what the lab
planted, and how two of them compare."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.agreement import tally
from bench.lab_tls import PROFILE_PROTOCOLS
from bench.tool_outputs import (
    NMAP_PROTOCOLS,
    canhgac_protocols,
    canhgac_results,
    nmap_open_ports,
    sslyze_servers,
)

if TYPE_CHECKING:
    from pathlib import Path


@dataclass
class Verdict:
    protocols: tuple[str, ...] | None = None  # None: the tool has no verdict here
    trusted: bool | None = None
    expired: bool | None = None
    open_relay: bool | None = None
    note: str = ""


Verdicts = dict[str, Verdict]  # "address:port" -> what the tool found
Endpoint = tuple[dict[str, Any], str, int]  # the plan's host, address, port


def canhgac_verdicts(path: Path) -> tuple[Verdicts, Counter[str]]:
    """Per endpoint, from the mail.tls.* and mail.smtp.open-relay results' evidence."""
    out: Verdicts = {}
    statuses: Counter[str] = Counter()
    for r in canhgac_results(path):
        statuses[r["status"]] += 1
        check, ev = r["check_id"], r.get("evidence") or {}
        if check in ("mail.tls.protocols", "mail.tls.cert-trusted", "mail.tls.cert-expired"):
            for e in ev.get("endpoints", []):
                v = out.setdefault(e["endpoint"].split()[0], Verdict())  # "127.26.0.2:25 STARTTLS/smtp"
                state = e.get("verdict")
                if check == "mail.tls.protocols" and isinstance(e.get("protocols"), dict):
                    v.protocols = canhgac_protocols(e["protocols"])
                elif check == "mail.tls.cert-trusted" and state not in (None, "not_applicable", "error"):
                    v.trusted = state == "trusted"
                    if state != "trusted":
                        v.note = state
                elif check == "mail.tls.cert-expired" and state in ("ok", "fault"):
                    v.expired = state == "fault"
            for where in ev.get("no_starttls", []):
                out.setdefault(where, Verdict()).protocols = ()
        elif check == "mail.smtp.open-relay":
            for e in ev.get("endpoints", []):
                if e.get("state") in ("ok", "fault"):
                    out.setdefault(e["endpoint"], Verdict()).open_relay = e["state"] == "fault"
    return out, statuses


def sslyze_verdicts(path: Path) -> Verdicts:
    out: Verdicts = {}
    for s in sslyze_servers(path):
        where = f"{s.ip}:{s.port}"
        if not s.connected:
            out[where] = Verdict(protocols=(), note=f"connectivity: {s.trace or ''}"[:200])
        else:
            out[where] = Verdict(s.protocols, s.trusted, s.expired, note=s.validation_error)
    return out


def nmap_verdicts(path: Path) -> Verdicts:
    out: Verdicts = {}
    for where, port in nmap_open_ports(path):
        v = Verdict(protocols=())
        for script in port.iter("script"):
            if script.get("id") == "ssl-enum-ciphers":
                names = [t.get("key") for t in script.findall("table")]
                v.protocols = tuple(sorted(NMAP_PROTOCOLS[k] for k in names if k in NMAP_PROTOCOLS))
            elif script.get("id") == "smtp-open-relay":
                text = script.get("output", "")
                v.open_relay = "is an open relay" in text
                if not v.open_relay and "doesn't seem to be an open relay" not in text:
                    v.open_relay, v.note = None, text.strip()[:120]
        out[where] = v
    return out


def ground_truth(eps: list[Endpoint]) -> Verdicts:
    return {f"{a}:{p}": Verdict(protocols=PROFILE_PROTOCOLS[h["tls"]]) for h, a, p in eps}


@dataclass
class Comparison:
    aspect: str
    other: str
    agree: int = 0
    disagree: list[str] = field(default_factory=list)
    missing: int = 0  # endpoints where one of the two has no verdict
    neither: list[str] = field(default_factory=list)  # ... of which neither side has one
    only_theirs: Counter[int] = field(default_factory=Counter)  # port -> verdicts canhgac lacks
    only_ours: list[str] = field(default_factory=list)


def compare(ours: Verdicts, theirs: Verdicts, other: str, aspect: str, wanted: list[str]) -> Comparison:
    t = tally(
        wanted,
        lambda where: getattr(ours.get(where, Verdict()), aspect),
        lambda where: getattr(theirs.get(where, Verdict()), aspect),
    )
    c = Comparison(aspect, other, agree=t.agree, missing=len(t.missing))
    for where, has_ours, has_theirs in t.missing:
        if not has_ours and not has_theirs:
            c.neither.append(where)
        elif not has_ours:
            c.only_theirs[int(where.rsplit(":", 1)[1])] += 1
        else:
            c.only_ours.append(where + ("" if where in theirs else f" ({other} did not report the port open)"))
    for where, a, b in t.differ:
        note = theirs.get(where, Verdict()).note
        c.disagree.append(f"{where}: canhgac {_show(a)}, {other} {_show(b)}" + (f" ({note})" if note else ""))
    return c


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "{" + ", ".join(value) + "}" if value else "no TLS"
    return str(value).lower()
