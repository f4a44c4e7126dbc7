"""The host sweep's result files in the console (issue 17, docs/sweep.md, section *Results*):
verified, pinned, stored, and turned into findings of the computer's agency.

``import_result`` is the one path for ``canhgac sweep import`` and the API's upload:

1. bounded read (``MAX_BYTES``), JSON, the signature (``canhgac.sweep.result``), then the body's
   shape (pydantic, extra fields ignored): anything else is refused in one line, nothing stored;
2. the agency (``resolve_agency``): the one the result declares (``canhgac sweep --agency``),
   else the importer's choice (CLI ``--agency``), else the uploading officer's only agency, else
   the one agency whose declared address ranges hold the computer's addresses; it must be an
   active agency of the inventory and within the importer's scope;
3. the computer's key: the first result of a computer (agency + host name) pins its public key; a
   later result signed by another key is refused until the CSIRT re-pins (``unpin``);
4. idempotent: a result's digest (SHA-256 of its signed body) is stored once;
5. findings: when the result is the computer's newest, each hit is a failing ``sweep.host.*``
   result, and each open hit finding the sweep no longer sees passes (fixed) when the sweep was
   complete, its pack is as new as the one that found the hit, and it covered the hit's place
   (the path under a swept folder; processes, connections and persistence swept).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from canhgac.console.store.queries.scope import ViewerScope
from canhgac.engine.facts.sweep import HitFacts, SweepHit
from canhgac.engine.results import CheckResult
from canhgac.engine.targets import Target, TargetKind
from canhgac.i18n import gettext as _
from canhgac.sweep.result import FORMAT, BadSignatureError, ResultError, canonical, verify_document

MAX_BYTES = 32 * 1024 * 1024  # a result file larger than this is refused unread
MAX_HITS = 50_000
STORED_HITS = 2_000  # hits kept in the run row for its page (every hit becomes a finding)
FAMILY = "sweep.host"
SYSTEM_KINDS = frozenset({"process", "connection", "hosts", "dns-cache", "persistence"})
_HOST = re.compile(r"^[^\s/\\\x00-\x1f]{1,255}$")
_HEX = re.compile(r"^[0-9a-fA-F]{32,128}$")


class SweepImportError(ValueError):
    """A result refused, in one line; ``status`` is the API's answer (400, 403, 409, 422)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class _Host(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1, max_length=255)
    os: str = Field("", max_length=100)
    os_release: str = Field("", max_length=200)
    os_version: str = Field("", max_length=300)
    machine: str = Field("", max_length=100)
    addresses: list[str] = Field(default_factory=list, max_length=500)


class _Hit(BaseModel):
    model_config = ConfigDict(extra="allow")
    check: str = Field(min_length=1, max_length=40)
    where: str = Field(max_length=8192)
    indicator: str = Field(max_length=4096)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")
    host: _Host
    started: datetime
    ended: datetime
    interrupted: bool = False
    complete: bool = True
    agency: str = Field("", max_length=64)
    paths: list[str] = Field(default_factory=list, max_length=10_000)
    options: dict[str, Any] = Field(default_factory=dict)
    packs: list[dict[str, Any]] = Field(default_factory=list, max_length=1_000)
    counts: dict[str, int | float] = Field(default_factory=dict)
    skipped: dict[str, dict[str, Any]] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list, max_length=10_000)
    hits: list[_Hit] = Field(default_factory=list, max_length=MAX_HITS)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A verified, well-formed result."""

    body: _Body
    public_key: str
    digest: str
    host: str  # the host name, lower-cased

    @property
    def pack_version(self) -> str:
        return pack_version(self.body.packs)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse(data: bytes, name: str) -> Parsed:
    """A result file's verified body, or SweepImportError in one line."""
    if len(data) > MAX_BYTES:
        raise SweepImportError(
            _("{path} is larger than {size} MB: not a sweep result file").format(
                path=name, size=MAX_BYTES >> 20
            ),
            413,
        )
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SweepImportError(_("{path} is not a sweep result file").format(path=name), 422) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise SweepImportError(_("{path} is not a sweep result file").format(path=name), 422)
    try:
        raw, public_key = verify_document(doc, name)
    except ResultError as exc:
        raise SweepImportError(str(exc), 400 if isinstance(exc, BadSignatureError) else 422) from None
    try:
        body = _Body.model_validate(raw)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"][:3])
        raise SweepImportError(
            _("{path} is not a sweep result file (field {field})").format(path=name, field=where), 422
        ) from None
    host = body.host.name.strip().lower()
    if not _HOST.match(host):
        raise SweepImportError(_("{path}: the host name is not one").format(path=name), 422)
    digest = hashlib.sha256(canonical(raw) + base64.b64decode(public_key)).hexdigest()
    return Parsed(body, public_key, digest, host)


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.findall(r"\d+|[A-Za-z]+", version))


def newer_or_same(version: str, than: str) -> bool:
    """``version`` is at least ``than`` (numbers compared as numbers: 2026.12 > 2026.9)."""
    return _version_key(version) >= _version_key(than)


def pack_version(packs: Iterable[dict[str, Any]]) -> str:
    """The version a sweep used: the newest signed bundle's, else ``starter-<version>``, else ""."""
    signed = [
        str(p.get("version", ""))
        for p in packs
        if isinstance(p, dict) and p.get("signed") not in (None, "no", "packaged") and p.get("version")
    ]
    if signed:
        return max(signed, key=_version_key)[:100]
    starter = [
        str(p.get("version", "")) for p in packs if isinstance(p, dict) and p.get("signed") == "packaged"
    ]
    return f"starter-{starter[0]}"[:100] if starter and starter[0] else ""


# --- the agency -------------------------------------------------------------------------------


def _addresses(parsed: Parsed) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The computer's addresses (``interface:address`` entries, or bare addresses)."""
    found = []
    for entry in parsed.body.host.addresses:
        for text in (entry, entry.partition(":")[2]):
            try:
                found.append(ipaddress.ip_address(text.split("%")[0]))
                break
            except ValueError:
                continue
    return found


def _by_ranges(parsed: Parsed, codes: list[str]) -> str | None:
    from canhgac.console.store.queries.agencies import declared_assets

    addresses = _addresses(parsed)
    owners = set()
    for code, _kind, value in declared_assets(ViewerScope.everything(), codes, ["range"]):
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            continue
        if any(a.version == network.version and a in network for a in addresses):
            owners.add(code)
    return owners.pop() if len(owners) == 1 else None


def resolve_agency(parsed: Parsed, scope: ViewerScope, chosen: str | None = None) -> str:
    """The computer's agency (the module's rule 2), or SweepImportError."""
    from canhgac.console.store.queries.agencies import active_agency_codes

    active = active_agency_codes(ViewerScope.everything())
    declared = parsed.body.agency.strip()
    if declared and chosen and declared != chosen:
        raise SweepImportError(
            _("the result declares agency {declared}, not {chosen}").format(declared=declared, chosen=chosen),
            409,
        )
    code = declared or (chosen or "").strip()
    if not code and scope.codes is not None and len(scope.codes) == 1:
        code = next(iter(scope.codes))
    if not code:
        code = _by_ranges(parsed, active) or ""
    if not code:
        raise SweepImportError(
            _("cannot tell the agency of {host}: sweep with --agency CODE, or import with --agency").format(
                host=parsed.host
            ),
            422,
        )
    if code not in active:
        raise SweepImportError(_("unknown agency {code}: not in the inventory").format(code=code[:64]), 422)
    if not scope.allows(code):
        raise SweepImportError(_("agency {code} is outside what you may upload for").format(code=code), 403)
    return code


# --- storing and findings ---------------------------------------------------------------------


def _text(value: Any, size: int = 500) -> str | None:
    return value[:size] if isinstance(value, str) else None


def hit_evidence(hit: dict[str, Any]) -> dict[str, Any]:
    """What a finding keeps of a hit: the rule or indicator's note, pack, hashes, size, web-shell
    score and markers, the persistence entry's kind and name, where it was quarantined. Never
    file contents: no matched strings, no command or entry text."""
    found: dict[str, Any] = {}
    for key in ("note", "pack", "quarantined", "kind", "name"):
        if (value := _text(hit.get(key))) is not None:
            found[key] = value
    hashes = hit.get("hashes")
    if isinstance(hashes, dict):
        found["hashes"] = {
            str(k)[:10]: v for k, v in list(hashes.items())[:5] if isinstance(v, str) and _HEX.match(v)
        }
    for key in ("size", "score"):
        if isinstance(hit.get(key), int) and not isinstance(hit.get(key), bool):
            found[key] = hit[key]
    rule = hit.get("rule")
    if isinstance(rule, dict):
        found["rule"] = {k: v[:200] for k in ("rule", "namespace") if isinstance(v := rule.get(k), str)}
    markers = hit.get("markers")
    if isinstance(markers, list):
        found["markers"] = [m[:100] for m in markers[:20] if isinstance(m, str)]
    return found


def discriminator(kind: str, where: str, indicator: str) -> str:
    digest = hashlib.sha256(f"{kind}\x00{where}\x00{indicator}".encode()).hexdigest()[:40]
    return f"{kind[:40]}:{digest}"


def _covered(parsed: Parsed, kind: str, where: str) -> bool:
    """Whether the sweep looked where an earlier hit was."""
    if kind in SYSTEM_KINDS:
        return bool(parsed.body.options.get("system", True))
    place = where.replace("\\", "/").lower()
    for root in parsed.body.paths:
        base = root.replace("\\", "/").lower().rstrip("/")
        if not base or place == base or place.startswith(base + "/"):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Imported:
    host: str
    agency: str
    host_id: int
    run_id: int
    hits: int
    opened: int
    fixed: int
    duplicate: bool  # imported before: nothing changed
    pinned: bool  # this result pinned the computer's key
    newest: bool  # the computer's newest result: findings follow it


def _stored_fields(parsed: Parsed, actor: str, via: str) -> dict[str, Any]:
    from django.utils import timezone

    body = parsed.body
    hits = [
        {
            "check": h.check,
            "where": h.where[:1000],
            "indicator": h.indicator[:500],
            **hit_evidence(h.model_extra or {}),
        }
        for h in body.hits[:STORED_HITS]
    ]
    return {
        "digest": parsed.digest,
        "started_at": _aware(body.started),
        "ended_at": _aware(body.ended),
        "imported_at": timezone.now(),
        "imported_by": actor[:150],
        "via": via,
        "pack_version": parsed.pack_version,
        "packs": [
            {k: str(v)[:300] for k, v in p.items() if isinstance(v, str | int)} for p in body.packs[:50]
        ],
        "host_facts": body.host.model_dump(),
        "counts": dict(list(body.counts.items())[:50]),
        "skipped": {
            str(k)[:40]: {
                "count": int(v.get("count", 0)) if isinstance(v.get("count"), int) else 0,
                "examples": [str(e)[:500] for e in (v.get("examples") or [])[:20] if isinstance(e, str)],
            }
            for k, v in list(body.skipped.items())[:40]
        },
        "errors": [e[:500] for e in body.errors[:100]],
        "hits": hits,
        "hit_count": len(body.hits),
        "interrupted": body.interrupted,
        "complete": body.complete and not body.interrupted,
        "system": bool(body.options.get("system", True)),
    }


def _results(parsed: Parsed, agency: str) -> list[CheckResult]:
    from canhgac.console.store.sweep_queries import open_hits, target_name
    from canhgac.engine.builtin import builtin_registry
    from canhgac.engine.checks.sweep_host import CHECKS, check_of
    from canhgac.engine.params import CheckParams

    target = Target(kind=TargetKind.ENDPOINT, name=target_name(agency, parsed.host), agency=agency)
    specs = builtin_registry().checks
    version = parsed.pack_version
    facts: dict[str, tuple[str, SweepHit]] = {}
    for hit in parsed.body.hits:
        disc = discriminator(hit.check, hit.where, hit.indicator)
        facts[disc] = (
            check_of(hit.check),
            SweepHit(
                parsed.host,
                disc,
                HitFacts(
                    hit.check, hit.where[:1000], hit.indicator[:500], hit_evidence(hit.model_extra or {})
                ),
                version,
            ),
        )
    complete = parsed.body.complete and not parsed.body.interrupted
    for found in open_hits(agency, parsed.host).values():
        if found.discriminator in facts or not complete:
            continue
        if newer_or_same(version, found.pack_version) and _covered(parsed, found.kind, found.where):
            facts[found.discriminator] = (
                found.check_id,
                SweepHit(parsed.host, found.discriminator, None, version),
            )
    if complete:  # a kind without a hit: its check passed on this computer (never a finding)
        hit_checks = {check_of(h.check) for h in parsed.body.hits}
        for check_id in CHECKS:
            if check_id not in hit_checks:
                facts[f"clean:{check_id}"] = (check_id, SweepHit(parsed.host, "", None, version))
    now = datetime.now(UTC)
    results = []
    for check_id, fact in facts.values():
        started = time.perf_counter()
        outcome = specs[check_id].evaluate((fact,), CheckParams())
        results.append(
            CheckResult(
                check_id=check_id,
                target=target,
                status=outcome.status,
                message=outcome.message,
                evidence=outcome.evidence,
                error_reason=outcome.error_reason,
                discriminator=outcome.discriminator,
                observed_at=now,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
            )
        )
    return results


def _findings(parsed: Parsed, agency: str) -> tuple[Any, int, int]:
    from canhgac.catalog import load_catalog
    from canhgac.console.store import services as store
    from canhgac.findings.reconcile import ChangeKind
    from canhgac.services.provenance import current_provenance

    results = _results(parsed, agency)
    if not results:
        return None, 0, 0
    run = store.start_run(
        provenance=current_provenance(load_catalog()),
        parameters={
            "source": "sweep import",
            "host": parsed.host,
            "agency": agency,
            "pack": parsed.pack_version,
        },
        filters=store.RunFilters(agencies=(agency,), families=(FAMILY,), extra={"source": "sweep"}),
        target_count=1,
    )
    store.record_results(run, results)
    counts = store.finish_run(run).counts()
    return run, counts[ChangeKind.NEW] + counts[ChangeKind.REOPENED], counts[ChangeKind.FIXED]


def import_result(
    data: bytes,
    name: str,
    *,
    scope: ViewerScope | None,
    actor: str,
    via: str,
    agency: str | None = None,
) -> Imported:
    """Verify, pin, store and judge one result file (the module's steps); SweepImportError in one line."""
    from canhgac.console.store import sweep_store
    from canhgac.console.store.sweep_models import SweepHost

    parsed = parse(data, name)
    code = resolve_agency(parsed, scope or ViewerScope.everything(), agency)
    before = SweepHost.objects.filter(agency_code=code, name=parsed.host).values_list(
        "last_swept_at", flat=True
    )
    last = before.first()
    try:
        stored = sweep_store.store_run(
            code, parsed.host, parsed.public_key, _stored_fields(parsed, actor, via)
        )
    except sweep_store.KeyMismatchError:
        raise SweepImportError(
            _(
                "{host} of {agency} is pinned to another key: refused (if the computer was reinstalled, "
                "the CSIRT re-pins it: canhgac sweep unpin {agency} {host})"
            ).format(host=parsed.host, agency=code),
            409,
        ) from None
    hits = len(parsed.body.hits)
    if not stored.created:
        return Imported(parsed.host, code, stored.host_id, stored.run_id, hits, 0, 0, True, False, False)
    newest = last is None or _aware(parsed.body.ended) >= last
    opened = fixed = 0
    if newest:
        run, opened, fixed = _findings(parsed, code)
        if run is not None:
            sweep_store.link_findings_run(stored.run_id, run)
    return Imported(
        parsed.host, code, stored.host_id, stored.run_id, hits, opened, fixed, False, stored.pinned, newest
    )


def unpin(scope: ViewerScope | None, agency: str, host: str, by: str) -> bool:
    """Clear a computer's pinned key (the CSIRT only: callers check the role; ``scope`` None is
    the CLI's, every agency); False when unknown."""
    from canhgac.console.store import sweep_store

    if scope is not None and not scope.allows(agency):
        return False
    return sweep_store.unpin(agency, host.strip().lower(), by)
