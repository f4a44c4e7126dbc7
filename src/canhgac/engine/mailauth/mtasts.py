"""MTA-STS (RFC 8461 3.1) and SMTP TLS reporting (RFC 8460 3) TXT records: pure, total parsers.

Both formats are ``v=...; field=value`` lists whose version string is case-sensitive; the
HTTPS policy file of MTA-STS is a later collector's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from canhgac.engine.mailauth.dkim import Problem
from canhgac.engine.mailauth.dmarc import normalize_hostname, parse_mailto

STS_VERSION = "v=STSv1"
TLSRPT_VERSION = "v=TLSRPTv1"
_STS_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_LIST_SEP = re.compile(r"[ \t]*,[ \t]*")


def _starts_with_version(text: str, version: str) -> bool:
    if not text.startswith(version):
        return False
    rest = text[len(version):]
    return not rest or rest[0] in " \t;"


def is_mta_sts_record(text: str) -> bool:
    """Whether a TXT string at ``_mta-sts`` counts as an MTA-STS record (RFC 8461 3.1)."""
    return _starts_with_version(text, STS_VERSION)


def is_tlsrpt_record(text: str) -> bool:
    """Whether a TXT string at ``_smtp._tls`` counts as a TLS-RPT record (RFC 8460 3)."""
    return _starts_with_version(text, TLSRPT_VERSION)


def _fields(text: str, version: str) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Split the fields after the version; report malformed and duplicate ones."""
    problems: list[Problem] = []
    if not _starts_with_version(text, version):
        return [], [Problem("version-not-first", f"the record must start with {version}")]
    fields: list[tuple[str, str]] = []
    seen: set[str] = set()
    for raw in text[len(version):].split(";"):
        part = raw.strip(" \t")
        if not part:
            continue
        name, sep, value = part.partition("=")
        value = _LIST_SEP.sub(",", value)  # RFC 8460: *WSP "," *WSP between URIs
        if not sep or not _EXT_NAME.fullmatch(name) or not _EXT_VALUE.fullmatch(value):
            problems.append(Problem("malformed-field", part[:80]))
        elif name in seen:
            problems.append(Problem("duplicate-field", name))
        else:
            seen.add(name)
            fields.append((name, value))
    return fields, problems


@dataclass(frozen=True, slots=True)
class MtaStsRecord:
    text: str
    id: str | None
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def parse_mta_sts(text: str) -> MtaStsRecord:
    """Parse ``v=STSv1; id=...`` (the id: 1 to 32 letters and digits)."""
    fields, problems = _fields(text, STS_VERSION)
    values = dict(fields)
    sts_id = values.get("id")
    if sts_id is None:
        if not problems or problems[0].code != "version-not-first":
            problems.append(Problem("missing-id", "no id= field"))
    elif not _STS_ID.fullmatch(sts_id):
        problems.append(Problem("invalid-id", f"id={sts_id[:40]} (1-32 letters and digits)"))
        sts_id = None
    return MtaStsRecord(text, sts_id, tuple(problems))


@dataclass(frozen=True, slots=True)
class TlsRptRecord:
    text: str
    rua: tuple[str, ...]  # valid mailto: and https: destinations
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        return not self.problems


def _tlsrpt_uri_problem(uri: str) -> Problem | None:
    scheme = uri.partition(":")[0].lower()
    if scheme == "mailto":
        parsed = parse_mailto(uri)
        return Problem("invalid-rua", uri[:80]) if isinstance(parsed, Problem) else None
    if scheme == "https":
        try:
            host = urlsplit(uri).hostname or ""
        except ValueError:
            host = ""
        return None if normalize_hostname(host) else Problem("invalid-rua", uri[:80])
    return Problem("unsupported-uri-scheme", uri[:80])


def parse_tlsrpt(text: str) -> TlsRptRecord:
    """Parse ``v=TLSRPTv1; rua=mailto:...,https://...``."""
    fields, problems = _fields(text, TLSRPT_VERSION)
    rua_value = dict(fields).get("rua")
    good: list[str] = []
    if rua_value is None:
        if not problems or problems[0].code != "version-not-first":
            problems.append(Problem("missing-rua", "no rua= field"))
    else:
        for item in (u.strip() for u in rua_value.split(",")):
            problem = _tlsrpt_uri_problem(item)
            if problem is None:
                good.append(item)
            else:
                problems.append(problem)
    return TlsRptRecord(text, tuple(good), tuple(problems))
