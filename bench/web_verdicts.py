"""The web-portals benchmark's verdicts per portal: what canhgac, the HTTP Observatory and sslyze
each found, what the lab planted, and how two of them compare where both judge the same thing."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.agreement import tally
from bench.lab_tls import PROFILE_PROTOCOLS
from bench.tool_outputs import canhgac_protocols, canhgac_results, sslyze_servers

if TYPE_CHECKING:
    from pathlib import Path

# The verdicts two tools share: name -> (label, which tools judge it)
VERDICTS = {
    "hsts": ("HSTS present, max-age ≥ 180 days", "observatory"),
    "csp": ("CSP restricts scripts", "observatory"),
    "frame": ("framing restricted (X-Frame-Options or frame-ancestors)", "observatory"),
    "nosniff": ("X-Content-Type-Options: nosniff", "observatory"),
    "referrer": ("Referrer-Policy set and safe", "observatory"),
    "cookies": ("cookie flags (Secure; HttpOnly on session cookies)", "observatory"),
    "redirect": ("http:// redirects to https://", "observatory"),
    "protocols": ("TLS protocols offered", "sslyze"),
    "trusted": ("certificate chain trusted", "sslyze"),
    "expired": ("certificate expired", "sslyze"),
}
CANHGAC_CHECKS = {
    "web.hsts": "hsts",
    "web.headers.csp": "csp",
    "web.headers.frame": "frame",
    "web.headers.content-type-options": "nosniff",
    "web.headers.referrer-policy": "referrer",
    "web.cookies.flags": "cookies",
    "web.https.redirect": "redirect",
}
OBSERVATORY_TESTS = {
    "strict-transport-security": "hsts",
    "content-security-policy": "csp",
    "x-frame-options": "frame",
    "x-content-type-options": "nosniff",
    "referrer-policy": "referrer",
    "cookies": "cookies",
    "redirection": "redirect",
}

Verdict = dict[str, Any]  # verdict name -> value (bool or tuple); "notes": name -> text
Verdicts = dict[str, Verdict]  # host -> its verdicts


def _host(url: str) -> str:
    return url.split("//", 1)[1].split("/", 1)[0].split(":")[0]


def canhgac_verdicts(path: Path) -> tuple[Verdicts, Counter[str], Counter[str]]:
    out: Verdicts = {}
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for r in canhgac_results(path):
        statuses[r["status"]] += 1
        check, ev = r["check_id"], r.get("evidence") or {}
        v = out.setdefault(
            _host(r["target"]["name"] if isinstance(r.get("target"), dict) else r["target"]), {}
        )
        notes = v.setdefault("notes", {})
        if r["status"] == "error":
            errors[f"{check}: {r.get('error_reason')}"] += 1
        name = CANHGAC_CHECKS.get(check)
        if name is not None:
            if r["status"] in ("pass", "fail"):
                v[name] = r["status"] == "pass"
            elif name == "redirect" and r["status"] == "not_applicable":
                v[name] = True
            notes[name] = (r.get("message") or {}).get("key") or r["status"]
        elif check in ("web.tls.protocols", "web.tls.cert-trusted", "web.tls.cert-expired"):
            for e in ev.get("endpoints", []):
                state = e.get("verdict")
                if check == "web.tls.protocols" and isinstance(e.get("protocols"), dict):
                    v["protocols"] = canhgac_protocols(e["protocols"])
                elif check == "web.tls.cert-trusted" and state not in (
                    None,
                    "not_applicable",
                    "error",
                    "untested",
                ):
                    v["trusted"] = state == "trusted"
                    notes["trusted"] = state
                elif check == "web.tls.cert-expired" and state in ("ok", "fault"):
                    v["expired"] = state == "fault"
    return out, statuses, errors


# Observatory results that mean the thing is there and right (its own pass flag also passes
# some absences: referrer-policy-not-implemented, cookies-not-found, redirection-not-needed...)
OBSERVATORY_OK = {
    "hsts": {"hsts-implemented-max-age-at-least-six-months", "hsts-preloaded"},
    "referrer": {"referrer-policy-private"},
}


def observatory_verdicts(path: Path) -> tuple[Verdicts, Counter[str], Counter[str]]:
    out: Verdicts = {}
    errors: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    if not path.exists():
        return out, errors, grades
    for host, r in json.loads(path.read_text(encoding="utf-8")).items():
        if "error" in r:
            errors[r["error"][:120]] += 1
            continue
        grades[r["scan"].get("grade") or "?"] += 1
        v: Verdict = {"notes": {}}
        for test, name in OBSERVATORY_TESTS.items():
            t = r["tests"].get(test)
            if t is None:
                continue
            result = t.get("result")
            v["notes"][name] = result
            ok = OBSERVATORY_OK.get(name)
            v[name] = result in ok if ok is not None else bool(t.get("pass"))
        out[host] = v
    return out, errors, grades


def sslyze_verdicts(path: Path, hosts_by_address: dict[str, str]) -> Verdicts:
    out: Verdicts = {}
    for s in sslyze_servers(path):
        host = hosts_by_address.get(s.ip, s.hostname)
        if not s.connected:
            out[host] = {"protocols": (), "notes": {"protocols": str(s.trace)[:200]}}
            continue
        v: Verdict = {"protocols": s.protocols, "notes": {}}
        if s.expired is not None:
            v["expired"] = s.expired
        if s.trusted is not None:
            v["trusted"] = s.trusted
            v["notes"]["trusted"] = s.validation_error
        out[host] = v
    return out


def planned(plan: list[dict[str, Any]]) -> Verdicts:
    """What the lab planted, as the verdicts canhgac's checks should reach."""
    out: Verdicts = {}
    for p in plan:
        has = set(p["plants"]) | set(p["extras"])
        out[p["host"]] = {
            "hsts": not has & {"no-hsts", "hsts-short"},
            "csp": not has & {"no-security-headers", "csp-unsafe-inline"},
            "frame": "no-security-headers" not in has,
            "nosniff": "no-security-headers" not in has,
            "referrer": "no-referrer-policy" not in has,
            "cookies": not has & {"weak-cookie", "cookie-no-httponly"},
            "redirect": "no-https-redirect" not in has,
            "protocols": PROFILE_PROTOCOLS[p["tls"]],
            "trusted": p["cert"] != "self-signed",
            "expired": p["cert"] == "expired",
            "notes": {},
        }
    return out


@dataclass
class Comparison:
    name: str
    other: str
    agree: int = 0
    disagree: list[tuple[str, Any, Any, str, str]] = field(default_factory=list)  # host, ours, theirs, notes
    missing: list[tuple[str, str]] = field(default_factory=list)  # host, which side has none

    @property
    def total(self) -> int:
        return self.agree + len(self.disagree) + len(self.missing)


def compare(ours: Verdicts, theirs: Verdicts, other: str, name: str, hosts: list[str]) -> Comparison:
    t = tally(hosts, lambda host: ours.get(host, {}).get(name), lambda host: theirs.get(host, {}).get(name))
    c = Comparison(name, other, t.agree)
    for host, has_ours, has_theirs in t.missing:
        c.missing.append((host, "both" if not has_ours and not has_theirs else other if has_ours else "canhgac"))
    for host, a, b in t.differ:
        notes_a, notes_b = ours[host].get("notes", {}), theirs[host].get("notes", {})
        c.disagree.append((host, a, b, notes_a.get(name, ""), notes_b.get(name, "")))
    return c


def show(value: Any) -> str:
    if isinstance(value, tuple):
        return "{" + ", ".join(value) + "}" if value else "no TLS"
    return "ok" if value is True else "fault" if value is False else str(value)
