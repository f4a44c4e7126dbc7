"""DMARC policy records (RFC 7489 6.3, 6.4) and report URIs: a pure, total parser.

The parser keeps what a receiver would use (valid values, with RFC defaults) apart from the
problems it found, so checks can judge syntax and policy independently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from canhgac.engine.mailauth.dkim import Problem, parse_tag_list

POLICIES = ("none", "quarantine", "reject")
KNOWN_TAGS = ("v", "p", "sp", "pct", "adkim", "aspf", "fo", "rf", "ri", "rua", "ruf")
_VERSION = re.compile(r"\s*v\s*=\s*DMARC1\s*(;|$)", re.IGNORECASE)
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_SIZE_SUFFIX = re.compile(r"^(?P<uri>.+?)(?:!(?P<size>[0-9]+[kmgt]?))?$", re.IGNORECASE | re.DOTALL)
_FO_OPTIONS = frozenset("01ds")
_KEYWORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*")
_MAX_URIS = 32


def normalize_hostname(text: str) -> str | None:
    """A lower-case A-label host name with at least two labels, or None if it is not one."""
    name = text.strip().rstrip(".").lower()
    try:
        name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError:
        return None
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(lbl) for lbl in labels):
        return None
    return name


@dataclass(frozen=True, slots=True)
class ReportUri:
    """A ``mailto:`` report destination with its optional ``!size`` limit."""

    text: str
    address: str
    domain: str
    size_limit: str = ""


def parse_mailto(text: str) -> ReportUri | Problem:
    """Parse one ``mailto:local@domain[!size]`` URI (RFC 7489 6.2, RFC 6068)."""
    raw = text.strip()
    match = _SIZE_SUFFIX.match(raw)
    if match is None:
        return Problem("invalid-uri", raw[:80] or "(empty)")
    uri, size = match.group("uri"), match.group("size") or ""
    scheme, sep, rest = uri.partition(":")
    if not sep or scheme.lower() != "mailto":
        return Problem("unsupported-uri-scheme", raw[:80])
    address = unquote(rest.split("?", 1)[0]).strip()
    local, at, host = address.rpartition("@")
    domain = normalize_hostname(host) if at else None
    if not local or domain is None or any(c.isspace() for c in local):
        return Problem("invalid-uri", raw[:80])
    return ReportUri(raw, f"{local}@{domain}", domain, size.lower())


def _parse_uris(tag: str, value: str) -> tuple[tuple[ReportUri, ...], list[Problem]]:
    uris: list[ReportUri] = []
    problems: list[Problem] = []
    for item in value.split(",")[:_MAX_URIS]:
        parsed = parse_mailto(item)
        if isinstance(parsed, Problem):
            problems.append(Problem(f"invalid-{tag}", f"{parsed.code}: {parsed.detail}"))
        else:
            uris.append(parsed)
    return tuple(uris), problems


@dataclass(frozen=True, slots=True)
class DmarcRecord:
    """A parsed DMARC record. Fields hold valid values (or RFC defaults); ``problems`` the rest."""

    text: str
    structural: bool  # v=DMARC1 first and a tag list at all
    p: str | None  # valid p= value
    sp: str | None  # valid explicit sp= value
    policy_tags_valid: bool  # p valid, sp absent or valid (RFC 7489 6.6.3 step 6)
    pct: int | None  # None when the pct= value is invalid
    adkim: str
    aspf: str
    rua: tuple[ReportUri, ...]
    ruf: tuple[ReportUri, ...]
    rua_present: bool
    unknown_tags: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def applied_policy(self) -> str | None:
        """What a receiver applies to the record's own domain; None: the record is ignored.

        RFC 7489 6.6.3 step 6: with an invalid p or sp, a record that has a valid rua is
        treated as ``p=none``; without one, DMARC is not applied at all.
        """
        if not self.structural:
            return None
        if self.policy_tags_valid:
            return self.p
        return "none" if self.rua else None

    @property
    def applied_subdomain_policy(self) -> str | None:
        """What a receiver applies to subdomains when this record is the organisational one."""
        policy = self.applied_policy
        if policy is None or not self.policy_tags_valid:
            return policy
        return self.sp or policy

    @property
    def usable(self) -> bool:
        return self.applied_policy is not None


def is_dmarc_record(text: str) -> bool:
    """Whether a TXT string is a DMARC record at all (RFC 7489 6.6.3 step 2)."""
    return _VERSION.match(text) is not None


def _check_choice(tags: dict[str, str], name: str, choices: tuple[str, ...]) -> Problem | None:
    value = tags.get(name)
    if value is None or value.lower() in choices:
        return None
    return Problem(f"invalid-{name}", f"{name}={value}")


def _check_lists(tags: dict[str, str]) -> list[Problem]:
    problems: list[Problem] = []
    fo = tags.get("fo")
    if fo is not None and not all(o.strip() in _FO_OPTIONS for o in fo.split(":")):
        problems.append(Problem("invalid-fo", f"fo={fo}"))
    rf = tags.get("rf")
    if rf is not None:
        formats = [f.strip().lower() for f in rf.split(":")]
        if not all(_KEYWORD.fullmatch(f) for f in formats) or "afrf" not in formats:
            problems.append(Problem("invalid-rf", f"rf={rf}"))
    ri = tags.get("ri")
    if ri is not None and not (ri.isascii() and ri.isdigit() and int(ri) < 2**32):
        problems.append(Problem("invalid-ri", f"ri={ri}"))
    return problems


def _parse_pct(value: str | None) -> tuple[int | None, Problem | None]:
    if value is None:
        return 100, None
    if value.isascii() and value.isdigit() and len(value) <= 3 and int(value) <= 100:
        return int(value), None
    return None, Problem("invalid-pct", f"pct={value}")


def parse_dmarc(text: str) -> DmarcRecord:
    """Parse one DMARC TXT record (its character-strings already joined)."""
    parsed = parse_tag_list(text, lower_names=True)
    tags = dict(parsed.tags)
    problems = list(parsed.problems)
    names = parsed.names()
    structural = bool(names) and names[0] == "v" and tags["v"] == "DMARC1"
    if not names or names[0] != "v":
        problems.append(Problem("version-not-first", "the record must start with v=DMARC1"))
    elif not structural:
        problems.append(Problem("invalid-version", f"v={tags['v']} (exactly DMARC1)"))
    p_raw, sp_raw = tags.get("p"), tags.get("sp")
    p = p_raw.lower() if p_raw is not None and p_raw.lower() in POLICIES else None
    sp = sp_raw.lower() if sp_raw is not None and sp_raw.lower() in POLICIES else None
    if p_raw is None:
        problems.append(Problem("missing-p", "no p= tag"))
    elif p is None:
        problems.append(Problem("invalid-p", f"p={p_raw}"))
    for name, choices in (("sp", POLICIES), ("adkim", ("r", "s")), ("aspf", ("r", "s"))):
        problem = _check_choice(tags, name, choices)
        if problem is not None:
            problems.append(problem)
    pct, pct_problem = _parse_pct(tags.get("pct"))
    if pct_problem is not None:
        problems.append(pct_problem)
    problems.extend(_check_lists(tags))
    rua, rua_problems = _parse_uris("rua", tags.get("rua", "")) if "rua" in tags else ((), [])
    ruf, ruf_problems = _parse_uris("ruf", tags.get("ruf", "")) if "ruf" in tags else ((), [])
    problems.extend(rua_problems + ruf_problems)
    return DmarcRecord(
        text=text,
        structural=structural,
        p=p,
        sp=sp,
        policy_tags_valid=p is not None and (sp_raw is None or sp is not None),
        pct=pct,
        adkim=(tags.get("adkim") or "r").lower(),
        aspf=(tags.get("aspf") or "r").lower(),
        rua=rua,
        ruf=ruf,
        rua_present="rua" in tags,
        unknown_tags=tuple(n for n in names if n not in KNOWN_TAGS),
        problems=tuple(problems),
    )
