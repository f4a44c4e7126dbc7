"""The MTA-STS policy file (RFC 8461 3.2) as a fact, and its pure parser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from canhgac.engine.facts.dns import Lookup
from canhgac.engine.facts.web import WebResponse
from canhgac.engine.mailauth.dkim import Problem

MAX_AGE_LIMIT = 31_557_600


MODES = ("enforce", "testing", "none")


MAX_MX_PATTERNS = 64


_KEY = re.compile(r"[A-Za-z0-9_]{1,32}")


_MAX_AGE = re.compile(r"[0-9]{1,10}")


_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def _valid_hostname(name: str) -> bool:
    labels = name.split(".")
    return len(name) <= 253 and len(labels) >= 2 and all(_LABEL.fullmatch(label) for label in labels)


@dataclass(frozen=True, slots=True)
class MtaStsPolicy:
    text: str
    version: str | None
    mode: str | None
    max_age: int | None
    mx: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    def covers(self, host: str) -> bool:
        """RFC 8461 4.1: exact match, or ``*.`` matching exactly one left-most label."""
        name = host.rstrip(".").lower()
        for pattern in self.mx:
            if pattern.startswith("*."):
                head, _, rest = name.partition(".")
                if head and rest == pattern[2:]:
                    return True
            elif name == pattern:
                return True
        return False


def _check_field(key: str, value: str, problems: list[Problem]) -> None:
    if key == "version" and value != "STSv1":
        problems.append(Problem("invalid-version", value[:40]))
    elif key == "mode" and value not in MODES:
        problems.append(Problem("invalid-mode", value[:40]))
    elif key == "max_age" and (not _MAX_AGE.fullmatch(value) or int(value) > MAX_AGE_LIMIT):
        problems.append(Problem("invalid-max-age", f"{value[:20]} (0 to {MAX_AGE_LIMIT})"))
    elif key == "mx" and not _valid_hostname(value.removeprefix("*.").lower()):
        problems.append(Problem("invalid-mx", value[:80]))


def parse_policy(text: str) -> MtaStsPolicy:
    """Total parser for ``key: value`` lines (LF or CRLF); unknown keys are ignored (3.2)."""
    problems: list[Problem] = []
    values: dict[str, str] = {}
    mx: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip(" \t")
        if not line:
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(" \t"), value.strip(" \t")
        if not sep or not _KEY.fullmatch(key):
            problems.append(Problem("malformed-line", line[:80]))
            continue
        _check_field(key, value, problems)
        if key == "mx":
            mx.append(value.lower().rstrip("."))
        elif key in values and key in ("version", "mode", "max_age"):
            problems.append(Problem("duplicate-field", key))
        else:
            values[key] = value
    for required in ("version", "mode", "max_age"):
        if required not in values:
            problems.append(Problem("missing-field", required))
    mode = values.get("mode")
    if not mx and mode in ("enforce", "testing"):
        problems.append(Problem("missing-field", "mx"))
    max_age = values.get("max_age", "")
    return MtaStsPolicy(
        text[:2000], values.get("version"), mode if mode in MODES else None,
        int(max_age) if _MAX_AGE.fullmatch(max_age) else None, tuple(mx[:MAX_MX_PATTERNS]), tuple(problems),
    )


@dataclass(frozen=True, slots=True)
class MtaStsPolicyFacts:
    domain: str
    record: Lookup  # TXT _mta-sts.DOMAIN
    record_valid: bool  # exactly one STSv1 record, well-formed
    policy_host: str
    host_ipv4: Lookup
    host_ipv6: Lookup
    mx: Lookup  # MX DOMAIN
    mx_hosts: tuple[str, ...]
    fetched: WebResponse | None = None  # None when no fetch was attempted
    policy: MtaStsPolicy | None = None  # parsed when the fetch returned 200

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"record": self.record.as_evidence(), "policy_host": self.policy_host,
                               "mx": list(self.mx_hosts)}
        if self.fetched is not None:
            out["fetch"] = self.fetched.as_evidence(head=("content-type", "location"))
        if self.policy is not None:
            out["policy"] = self.policy.text[:1000]
            out["problems"] = [p.as_evidence() for p in self.policy.problems]
        return out

