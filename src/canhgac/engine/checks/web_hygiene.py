"""Hygiene of a portal's main page (CV2132 clauses 2 and 5): security.txt, mixed content,
third-party scripts without Subresource Integrity, and signs of defacement.

Pure functions of :class:`WebHygieneFacts`; a page that could not be read makes every check an
error. Times are judged against the moment the facts were observed, so a verdict replays.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from canhgac.engine.facts.web_page import SecurityTxt, Subresource, WebHygieneFacts
from canhgac.engine.params import CheckParams
from canhgac.engine.registry import check
from canhgac.engine.results import ErrorReason, Outcome, errored, failed, not_applicable, passed
from canhgac.engine.targets import TargetKind

# What defacers leave on a page, beyond the configurable keywords: "hacked/defaced by" in leet
# spellings, "greetz" shout-outs and links to the defacement archives where they register their
# work (Zone-H, Zone-XSEC, Mirror-H) -- see Maggi et al., "Investigating Web Defacement
# Campaigns at Large" (AsiaCCS 2018), which studied 13 million Zone-H records.
DEFACER_MARKERS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b(?:h[a4]ck[e3]d|d[e3]f[a4]c[e3]d|0wn[e3]d|pwn[e3]d)\s+by\b", re.IGNORECASE),
    re.compile(r"\bgreetz\b", re.IGNORECASE),
    re.compile(r"\b(?:zone-h\.(?:org|com)|zone-xsec\.com|mirror-h\.org)\b", re.IGNORECASE),
    re.compile(r"\bh4ck3d\b|\bd3f4c3d\b", re.IGNORECASE),
)
_SRI = re.compile(r"^(sha256|sha384|sha512)-[A-Za-z0-9+/]+={0,2}$")
QUOTE_CONTEXT = 60
MAX_LISTED = 5


def _unreadable(facts: WebHygieneFacts, evidence: dict[str, Any]) -> Outcome | None:
    if facts.error is None and facts.status is not None:
        return None
    reason = facts.error.error_reason if facts.error is not None else ErrorReason.PROTOCOL
    detail = f"{facts.url}: {facts.error.value if facts.error else 'no answer'} {facts.detail}".strip()
    return errored(reason, detail, evidence)


# --- security.txt ---------------------------------------------------------------------------
def parse_expires(value: str) -> datetime | None:
    """RFC 9116 2.5.5: an RFC 3339 date-time; a missing offset is read as UTC."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


Problem = tuple[str, dict[str, str]]  # message key, values


def security_txt_problems(found: SecurityTxt, legacy: bool, now: datetime) -> list[Problem]:
    """Every departure from RFC 9116 that matters to a reporter, most serious first."""
    problems: list[Problem] = []
    if not found.values("contact"):
        problems.append(("no-contact", {}))
    expires = found.values("expires")
    moment = parse_expires(expires[0]) if len(expires) == 1 else None
    if not expires:
        problems.append(("no-expires", {}))
    elif moment is None:
        problems.append(("bad-expires", {"value": "; ".join(expires)[:100]}))
    elif moment <= now:
        problems.append(("expired", {"expires": moment.isoformat()}))
    if legacy:
        problems.append(("legacy-location", {}))
    if found.content_type != "text/plain":
        problems.append(("content-type", {"content_type": found.content_type or "none"}))
    return problems


@check("web.security-txt", target=TargetKind.URL, needs=WebHygieneFacts)
def security_txt(facts: WebHygieneFacts, params: CheckParams) -> Outcome:
    """RFC 9116: tell finders of vulnerabilities whom to contact, and until when that holds."""
    files = [s.as_evidence() for s in facts.security_txt]
    evidence: dict[str, Any] = {**facts.as_evidence(), "security_txt": files}
    unreadable = _unreadable(facts, evidence)
    if unreadable is not None:
        return unreadable
    found = next((s for s in facts.security_txt if s.status == 200 and s.fields), None)
    if found is None:
        broken = next((s for s in facts.security_txt if s.error is not None), None)
        if broken is not None and broken.error is not None:
            return errored(broken.error.error_reason, f"{broken.url}: {broken.error.value} {broken.detail}",
                           evidence)
        first = facts.security_txt[0].url if facts.security_txt else facts.page_url
        return failed("missing", evidence, url=first)
    problems = security_txt_problems(found, found is not facts.security_txt[0], facts.observed_at)
    if problems:
        evidence["problems"] = [key for key, _ in problems]
        key, values = problems[0]
        return failed(key, evidence, url=found.url, **values)
    return passed("pass", evidence, url=found.url, contact=found.values("contact")[0][:200],
                  expires=found.values("expires")[0][:40])


# --- mixed content --------------------------------------------------------------------------
def _listed(resources: list[Subresource]) -> str:
    shown = ", ".join(r.url[:120] for r in resources[:MAX_LISTED])
    return shown + (f" (+{len(resources) - MAX_LISTED})" if len(resources) > MAX_LISTED else "")


@check("web.mixed-content", target=TargetKind.URL, needs=WebHygieneFacts)
def mixed_content(facts: WebHygieneFacts, params: CheckParams) -> Outcome:
    """An HTTPS page that loads scripts, styles, frames or images over http:// (W3C Mixed Content)."""
    evidence: dict[str, Any] = facts.as_evidence()
    unreadable = _unreadable(facts, evidence)
    if unreadable is not None:
        return unreadable
    if not facts.https:
        return not_applicable("not-https", evidence, url=facts.page_url)
    insecure = [r for r in facts.page.resources if r.url.lower().startswith("http://")]
    evidence["insecure"] = [r.as_evidence() for r in insecure[:50]]
    active = [r for r in insecure if r.active]
    if active:
        return failed("active", evidence, count=len(active), urls=_listed(active))
    if insecure:
        return failed("passive", evidence, count=len(insecure), urls=_listed(insecure))
    return passed("pass", evidence, count=len(facts.page.resources), url=facts.page_url)


# --- third-party scripts --------------------------------------------------------------------
def has_sri(resource: Subresource) -> bool:
    """At least one well-formed sha256/384/512 hash in the integrity attribute (SRI section 3.5)."""
    return any(_SRI.match(token) for token in resource.integrity.split())


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@check("web.third-party-scripts", target=TargetKind.URL, needs=WebHygieneFacts)
def third_party_scripts(facts: WebHygieneFacts, params: CheckParams) -> Outcome:
    """Scripts from other organisations' servers run with the portal's authority; SRI pins them."""
    evidence: dict[str, Any] = facts.as_evidence()
    unreadable = _unreadable(facts, evidence)
    if unreadable is not None:
        return unreadable
    scripts = [r for r in facts.page.resources if r.tag == "script" and r.third_party]
    evidence["third_party_scripts"] = [{"url": r.url[:300], "sri": has_sri(r)} for r in scripts[:100]]
    bare = [r for r in scripts if not has_sri(r)]
    if bare:
        origins = list(dict.fromkeys(_origin(r.url) for r in bare))
        return failed("no-sri", evidence, count=len(bare), origins=", ".join(origins[:10]))
    if scripts:
        return passed("pass", evidence, count=len(scripts))
    return passed("none", evidence)


# --- defacement -----------------------------------------------------------------------------
def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _quote(text: str, start: int, end: int) -> str:
    left, right = max(0, start - QUOTE_CONTEXT), min(len(text), end + QUOTE_CONTEXT)
    return ("…" if left else "") + text[left:right] + ("…" if right < len(text) else "")


@functools.lru_cache(maxsize=32)
def _defacement_patterns(keywords: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """The keywords' patterns (any run of spaces between words) and the defacers' markers, each
    twice: written in lower case for a lower-cased page, and case-blind for a page whose lower
    case changes its length. Built once per keyword list (a watch matches every changed page
    against the same list); a case-blind search costs several times a plain one."""
    sources = [r"\s+".join(re.escape(w) for w in _normal(k).lower().split()) for k in keywords if k.strip()]
    sources += [marker.pattern for marker in DEFACER_MARKERS]
    return tuple((re.compile(src), re.compile(src, re.IGNORECASE)) for src in sources)


def defacement_matches(title: str, text: str, keywords: tuple[str, ...]) -> list[dict[str, str]]:
    """Keyword and defacer-signature matches in the title and the visible text, quoted."""
    patterns = _defacement_patterns(tuple(keywords))
    found: list[dict[str, str]] = []
    for where, haystack in (("title", _normal(title)), ("text", _normal(text))):
        lowered = haystack.lower()
        same = len(lowered) == len(haystack)  # then a span in one is the span in the other
        for plain, blind in patterns:
            hit = plain.search(lowered) if same else blind.search(haystack)
            if hit is not None:
                start, end = hit.span()
                quote = _quote(haystack, start, end)
                found.append({"where": where, "match": haystack[start:end], "quote": quote})
    return found


@check("web.defacement", target=TargetKind.URL, needs=WebHygieneFacts)
def defacement(facts: WebHygieneFacts, params: CheckParams) -> Outcome:
    """A defacement keyword or a defacer's signature in the page's title or visible text."""
    evidence: dict[str, Any] = {**facts.as_evidence(), "title": facts.page.title[:300]}
    unreadable = _unreadable(facts, evidence)
    if unreadable is not None:
        return unreadable
    matches = defacement_matches(facts.page.title, facts.page.text, facts.keywords)
    if matches:
        evidence["matches"] = matches[:20]
        first = matches[0]
        return failed(f"defaced-{first['where']}", evidence, match=first["match"], quote=first["quote"])
    return passed("pass", evidence, url=facts.page_url, keywords=len(facts.keywords))
