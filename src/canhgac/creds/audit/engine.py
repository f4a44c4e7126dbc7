"""The audit: two streaming passes over the files, then the salted hashes tried under a time cap.

Why two passes: "shared" needs every account's hash, and a directory dump may hold millions of
lines. Pass one only marks each comparable hash in two bitmaps (seen, seen again) of one bit per
two input bytes or so (both together: an eighth to a quarter of the files' size); pass two judges
each line and keeps the exact hash only of the accounts whose bitmap slot was seen twice (the
shared ones and a few percent of look-alikes), then counts those exactly. Memory is the bitmaps,
those few keys, and the accounts with a finding; never the file.

A password or a hash never leaves this module: findings carry the account, the kind, and counts.
"""

from __future__ import annotations

import base64
import codecs
import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from canhgac.creds.audit import hashing, shacrypt
from canhgac.creds.audit.agencies import AgencyMap, Placement
from canhgac.creds.audit.candidates import COMMON_SOURCE, common_passwords, default_suffixes, name_variants
from canhgac.creds.audit.parse import (
    ARGON_SCHEMES,
    CRYPT_PREFIXES,
    CRYPT_SCHEMES,
    SALTED_DIGEST,
    SKIP,
    UNSALTED,
    WEAK_SCHEMES,
    Entry,
    parse_line,
)
from canhgac.creds.pwned import HashKind, PwnedStore
from canhgac.i18n import N_
from canhgac.i18n import gettext as _

KINDS = ("plaintext", "empty", "user_name", "weak", "common", "shared", "lm_hash", "history_reuse",
         "weak_scheme", "not_checked")


class AuditError(Exception):
    """A file cannot be read; the message is one line, without the file's content."""


@dataclass(slots=True)
class Finding:
    kind: str
    count: int | None = None  # weak: times seen in the pwned corpus (None: a Bloom store, "probably")
    group: int | None = None  # shared: the group's number in this report, never its hash
    size: int | None = None  # shared: accounts in the group
    scheme: str | None = None
    why: str | None = None  # a msgid (English), translated when shown; ``reason`` is it in English
    args: dict[str, object] = field(default_factory=dict)

    @property
    def reason(self) -> str | None:
        return None if self.why is None else self.why.format(**self.args)

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in (("kind", self.kind), ("count", self.count), ("group", self.group),
                                  ("size", self.size), ("scheme", self.scheme), ("reason", self.reason))
                if v is not None}


@dataclass(slots=True)
class AccountResult:
    account: str
    where: str
    place: Placement
    machine: bool = False
    disabled: bool | None = None
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        if not any(f.kind == finding.kind for f in self.findings):
            self.findings.append(finding)


@dataclass(slots=True)
class FileStats:
    path: str
    lines: int = 0
    accounts: int = 0
    history: int = 0
    skipped: int = 0
    malformed: int = 0
    first_malformed: str | None = None


@dataclass(slots=True)
class PlaceTotals:
    place: Placement
    accounts: int = 0
    machine: int = 0
    disabled: int = 0
    kinds: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class SaltedStats:
    accounts: int = 0
    checked: int = 0  # every candidate tried (or one matched)
    partly: int = 0  # the time cap stopped it
    not_checked: int = 0  # the scheme cannot be checked here
    tries: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class SharedGroup:
    group: int
    size: int
    places: list[str]


@dataclass
class AuditOptions:
    places: AgencyMap = field(default_factory=AgencyMap)
    ntlm_store: PwnedStore | None = None
    sha1_store: PwnedStore | None = None
    suffixes: tuple[str, ...] = field(default_factory=default_suffixes)
    common: int | None = None  # the first N of the bundled list (None: all)
    extra_candidates: tuple[str, ...] = ()
    time_cap: float = 60.0
    progress: Callable[[str, int, int], None] | None = None


@dataclass
class AuditReport:
    files: list[FileStats]
    totals: dict[str, PlaceTotals]
    accounts: list[AccountResult]
    shared: list[SharedGroup]
    salted: SaltedStats
    options: AuditOptions
    common_count: int
    common_source: str = COMMON_SOURCE

    def kinds(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for t in self.totals.values():
            out.update(t.kinds)
        return out


@dataclass(slots=True)
class _Trial:
    result: AccountResult
    user: str
    verify: Callable[[str], bool]
    tried: int = 0
    total: int = 0
    done: bool = False


def _open_text(path: Path) -> Iterator[str]:
    """Lines of a file as text: UTF-16 when it starts with its BOM (PowerShell's default), else
    UTF-8 (a BOM dropped); bytes that are not text become U+FFFD (the line is then malformed)."""
    with path.open("rb") as raw:
        head = raw.read(2)
    encoding = "utf-16" if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    with path.open(encoding=encoding, errors="replace", newline=None) as text:
        yield from text


def _unreadable(path: Path, exc: OSError) -> AuditError:
    return AuditError(_("{path} cannot be read: {why}").format(path=path, why=exc.strerror or exc))


def _check_readable(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        try:
            if path.is_dir():
                raise AuditError(_("{path} is a folder: give the export files").format(path=path))
            with path.open("rb"):
                total += path.stat().st_size
        except OSError as exc:
            raise _unreadable(path, exc) from None
    return total


def _key(entry: Entry) -> bytes | None:
    """What two accounts with the same password share: the NT hash, an unsalted digest, or a
    salted hash copied as is (same salt, same password). An empty password is its own finding."""
    if entry.nt is not None:
        return None if entry.nt == hashing.EMPTY_NT else b"N" + entry.nt
    if entry.plaintext is not None:
        return b"N" + hashing.nt_hash(entry.plaintext) if entry.plaintext else None
    if entry.digest is not None and entry.scheme in UNSALTED:
        return UNSALTED[entry.scheme][0].encode() + b":" + entry.digest
    if entry.stored:
        return b"S" + hashlib.sha256(entry.stored.encode()).digest()
    return None


class _Bitmaps:
    def __init__(self, input_bytes: int) -> None:
        bits = 1 << min(32, max(16, (max(1, input_bytes // 2)).bit_length()))
        self.mask = bits - 1
        self.seen = bytearray(bits // 8)
        self.twice = bytearray(bits // 8)

    def _slot(self, key: bytes) -> int:
        return int.from_bytes(key[-8:], "little") & self.mask

    def add(self, key: bytes) -> None:
        slot = self._slot(key)
        byte, bit = slot >> 3, 1 << (slot & 7)
        if self.seen[byte] & bit:
            self.twice[byte] |= bit
        else:
            self.seen[byte] |= bit

    def maybe_shared(self, key: bytes) -> bool:
        slot = self._slot(key)
        return bool(self.twice[slot >> 3] & (1 << (slot & 7)))


class _Auditor:
    def __init__(self, options: AuditOptions) -> None:
        self.o = options
        self.common = [*common_passwords(options.common), *options.extra_candidates]
        self.common_set = set(self.common)
        self.common_nt = {hashing.nt_hash(p) for p in self.common}
        self._common_digests: dict[str, dict[bytes, str]] = {}
        self.totals: dict[str, PlaceTotals] = {}
        self.results: list[AccountResult] = []
        self.trials: list[_Trial] = []
        self.salted = SaltedStats()
        self._why_not: dict[str, tuple[str, dict[str, object]] | None] = {}

    # -- helpers -------------------------------------------------------------------------
    def common_digests(self, algorithm: str) -> dict[bytes, str]:
        table = self._common_digests.get(algorithm)
        if table is None:
            table = {hashing.plain_digest(algorithm, p): p for p in self.common}
            self._common_digests[algorithm] = table
        return table

    def pwned_plain(self, password: str) -> Finding | None:
        """The pwned count of a password now known (a plaintext, a candidate that matched)."""
        if self.o.sha1_store is not None:
            return self._weak(self.o.sha1_store, hashing.sha1(password))
        if self.o.ntlm_store is not None:
            return self._weak(self.o.ntlm_store, hashing.nt_hash(password))
        return None

    @staticmethod
    def _weak(store: PwnedStore, digest: bytes) -> Finding | None:
        seen = store.count(digest)
        if not seen:
            return None
        return Finding("weak", count=None if store.bloom else seen)

    def judge_known(self, result: AccountResult, password: str, user: str) -> None:
        """Findings of a password known in memory (a plaintext, or a candidate that matched)."""
        if password == "":
            result.add(Finding("empty"))
        elif password in name_variants(user, self.o.suffixes):
            result.add(Finding("user_name"))
        elif password in self.common_set:
            result.add(Finding("common"))
        weak = self.pwned_plain(password)
        if weak is not None:
            result.add(weak)

    # -- one entry ----------------------------------------------------------------------
    def judge(self, e: Entry, result: AccountResult) -> None:
        if e.plaintext is not None:
            result.add(Finding("plaintext", scheme="CLEARTEXT" if e.reversible else e.scheme,
                               why=N_("reversible encryption") if e.reversible else None))
            if not e.reversible:
                self.judge_known(result, e.plaintext, e.user)
            return
        if e.nt is not None:
            self._judge_nt(e, result)
        elif e.digest is not None and e.scheme in UNSALTED:
            self._judge_digest(e, result)
        elif e.stored is not None:
            self._queue_salted(e, result)
        if e.lm:
            result.add(Finding("lm_hash"))
        if e.scheme in WEAK_SCHEMES and not (e.scheme == "CRYPT" and (e.stored or "").startswith("$")):
            result.add(Finding("weak_scheme", scheme=e.scheme))

    def _judge_nt(self, e: Entry, result: AccountResult) -> None:
        nt = e.nt
        assert nt is not None
        if nt == hashing.EMPTY_NT:
            result.add(Finding("empty"))
        elif any(hashing.nt_hash(v) == nt for v in name_variants(e.user, self.o.suffixes)):
            result.add(Finding("user_name"))
        elif nt in self.common_nt:
            result.add(Finding("common"))
        if self.o.ntlm_store is not None:
            weak = self._weak(self.o.ntlm_store, nt)
            if weak is not None:
                result.add(weak)

    def _judge_digest(self, e: Entry, result: AccountResult) -> None:
        assert e.scheme is not None and e.digest is not None
        algorithm = UNSALTED[e.scheme][0]
        known: str | None = None
        if e.digest == hashing.plain_digest(algorithm, ""):
            known = ""
        else:
            known = next((v for v in name_variants(e.user, self.o.suffixes)
                          if hashing.plain_digest(algorithm, v) == e.digest), None)
            if known is None:
                known = self.common_digests(algorithm).get(e.digest)
        if known is not None:
            self.judge_known(result, known, e.user)
        elif algorithm == "sha1" and self.o.sha1_store is not None:
            weak = self._weak(self.o.sha1_store, e.digest)  # {SHA} is the corpus's own hash
            if weak is not None:
                result.add(weak)

    def _unchecked_reason(self, scheme: str) -> tuple[str, dict[str, object]] | None:
        if scheme not in self._why_not:
            self._why_not[scheme] = self._why(scheme)
        return self._why_not[scheme]

    @staticmethod
    def _why(scheme: str) -> tuple[str, dict[str, object]] | None:
        if scheme in SALTED_DIGEST:
            return None
        if scheme in CRYPT_SCHEMES:
            if scheme in ("SHA256-CRYPT", "SHA512-CRYPT"):
                return None  # crypt(3), else canhgac's own SHA-crypt (shacrypt)
            if hashing.CRYPT is None:
                return N_("Python's crypt module is missing (removed in Python 3.13)"), {}
            if not hashing.crypt_supports(CRYPT_SCHEMES[scheme]):
                return N_("this system's crypt(3) has no {scheme}"), {"scheme": scheme}
            return None
        if scheme == "ARGON2ID":
            return None if hashing.argon2_available() else (N_("cryptography has no Argon2id here"), {})
        if scheme == "ARGON2I":
            return N_("only Argon2id can be computed here, not Argon2i"), {}
        if scheme == "?":
            return N_("no scheme prefix and not a crypt(3) string"), {}
        return N_("{scheme} is not a scheme canhgac can check"), {"scheme": scheme}

    def _queue_salted(self, e: Entry, result: AccountResult) -> None:
        assert e.stored is not None
        scheme = e.scheme or "?"
        stored = e.stored
        if scheme in ("CRYPT", "DES-CRYPT") and stored.startswith("$"):
            scheme = next((s for p, s in CRYPT_PREFIXES if stored.startswith(p)), scheme)
        self.salted.accounts += 1
        why = self._unchecked_reason(scheme)
        verify: Callable[[str], bool] | None = None
        if why is None:
            if scheme in SALTED_DIGEST:
                try:
                    blob = base64.b64decode(stored, validate=True)
                except ValueError:
                    blob = b""
                algorithm = SALTED_DIGEST[scheme]
                if len(blob) > hashing.DIGESTS[algorithm](b"").digest_size:
                    verify = lambda c, a=algorithm, b=blob: hashing.salted_digest_check(a, b, c)  # noqa: E731
            elif scheme in ARGON_SCHEMES:
                params = hashing.argon2_parse(stored)
                if params is not None and params[0] == "id":
                    verify = lambda c, p=params: hashing.argon2id_check(p, c)  # noqa: E731
            elif scheme in CRYPT_SCHEMES:
                prefix = CRYPT_SCHEMES[scheme]
                if prefix in ("$5$", "$6$") and hashing.CRYPT is None:
                    if shacrypt.parse(stored) is not None:
                        verify = lambda c, s=stored: shacrypt.check(s, c)  # noqa: E731
                elif stored.startswith(prefix) and (prefix or len(stored) == 13):
                    verify = lambda c, s=stored: hashing.crypt_check(s, c)  # noqa: E731
            if verify is None:
                why = N_("the {scheme} hash is not in the form Dovecot writes"), {"scheme": scheme}
        if verify is None:
            assert why is not None
            self.salted.not_checked += 1
            result.add(Finding("not_checked", scheme=scheme, why=why[0], args=why[1]))
            return
        self.trials.append(_Trial(result, e.user, verify))

    # -- the salted hashes, under the time cap -------------------------------------------
    def run_trials(self) -> None:
        if not self.trials:
            return
        start = time.monotonic()
        deadline = start + self.o.time_cap
        tiers: list[Callable[[_Trial], list[str]]] = [
            lambda t: [""],
            lambda t: name_variants(t.user, self.o.suffixes),
            lambda t: self.common,
        ]
        for t in self.trials:
            t.total = 1 + len(name_variants(t.user, self.o.suffixes)) + len(self.common)
        stopped = False
        for n, tier in enumerate(tiers):
            for i, trial in enumerate(self.trials):
                if trial.done:
                    continue
                for candidate in tier(trial):
                    if time.monotonic() > deadline:
                        stopped = True
                        break
                    trial.tried += 1
                    if trial.verify(candidate):
                        trial.done = True
                        self.judge_known(trial.result, candidate, trial.user)
                        break
                if stopped:
                    break
                if self.o.progress:
                    self.o.progress("salted", n * len(self.trials) + i + 1, len(tiers) * len(self.trials))
            if stopped:
                break
        for trial in self.trials:
            self.salted.tries += trial.tried
            if trial.done or trial.tried >= trial.total:
                self.salted.checked += 1
            else:
                self.salted.partly += 1
                why = N_("time cap: {tried} of {total} candidates tried")
                trial.result.add(Finding("not_checked", why=why,
                                         args={"tried": trial.tried, "total": trial.total}))
        self.salted.seconds = time.monotonic() - start

    # -- the passes ----------------------------------------------------------------------
    def entries(self, paths: list[Path], stats: list[FileStats] | None, done: int,
                total: int) -> Iterator[Entry]:
        for i, path in enumerate(paths):
            st = stats[i] if stats is not None else None
            try:
                for n, line in enumerate(_open_text(path), 1):
                    done += len(line)
                    entry = parse_line(line, f"{path}:{n}")
                    if st is not None:
                        st.lines = n
                        if entry is None:
                            st.malformed += 1
                            st.first_malformed = st.first_malformed or f"{path}:{n}"
                        elif entry is SKIP:
                            st.skipped += 1
                        elif isinstance(entry, Entry):
                            if entry.history:
                                st.history += 1
                            elif not entry.reversible:
                                st.accounts += 1
                    if isinstance(entry, Entry):
                        yield entry
                    if self.o.progress and n % 65536 == 0:
                        self.o.progress("read", done, total)
            except OSError as exc:
                raise _unreadable(path, exc) from None

    def run(self, paths: list[Path]) -> AuditReport:
        total = _check_readable(paths)
        stats = [FileStats(str(p)) for p in paths]
        bitmaps = _Bitmaps(total)
        for e in self.entries(paths, stats, 0, total * 2):
            if not e.history and not e.reversible and (key := _key(e)) is not None:
                bitmaps.add(key)
        pending: list[tuple[AccountResult, bytes]] = []
        counts: Counter[bytes] = Counter()
        flagged: dict[int, AccountResult] = {}
        reversible: set[int] = set()
        last: tuple[str, str | None, AccountResult] | None = None
        last_nt: bytes | None = None
        for e in self.entries(paths, None, total, total * 2):
            place = self.o.places.place(e.domain, e.netbios)
            if e.history:
                if last is not None and last[0] == e.display.lower() and last[1] == e.rid \
                        and e.nt is not None and e.nt == last_nt:
                    last[2].add(Finding("history_reuse"))
                    flagged[id(last[2])] = last[2]
                continue
            result = AccountResult(e.display, e.where, place, machine=e.machine, disabled=e.disabled)
            self.judge(e, result)
            if result.findings:
                flagged[id(result)] = result
            if e.reversible:  # the account's NT line is counted and judged on its own
                reversible.add(id(result))
                continue
            totals = self.totals.get(place.key)
            if totals is None:
                totals = self.totals[place.key] = PlaceTotals(place)
            totals.accounts += 1
            totals.machine += e.machine
            totals.disabled += bool(e.disabled)
            key = _key(e)
            if key is not None and bitmaps.maybe_shared(key):
                pending.append((result, key))
                counts[key] += 1
            last, last_nt = (e.display.lower(), e.rid, result), e.nt
        del bitmaps
        self.run_trials()
        for trial in self.trials:
            flagged[id(trial.result)] = trial.result
        shared = self._groups(pending, counts, flagged)
        self.results = self._merge([r for r in flagged.values() if r.findings], reversible)
        self.results.sort(key=lambda r: (r.place.key, r.account.lower()))
        for result in self.results:
            totals = self.totals.get(result.place.key)
            if totals is None:  # a reversible-encryption line of an account seen nowhere else
                totals = self.totals[result.place.key] = PlaceTotals(result.place)
            totals.kinds.update({f.kind for f in result.findings})
        return AuditReport(stats, dict(sorted(self.totals.items())), self.results, shared, self.salted,
                           self.o, len(self.common))

    @staticmethod
    def _merge(results: list[AccountResult], reversible: set[int]) -> list[AccountResult]:
        """A CLEARTEXT line's finding joins the same account's own line (secretsdump prints
        the clear-text section after the hashes)."""
        by_name = {(r.place.key, r.account.lower()): r for r in results if id(r) not in reversible}
        out = [r for r in results if id(r) not in reversible]
        for r in results:
            if id(r) in reversible:
                same = by_name.get((r.place.key, r.account.lower()))
                if same is None:
                    out.append(r)
                else:
                    for f in r.findings:
                        same.add(f)
        return out

    @staticmethod
    def _groups(pending: list[tuple[AccountResult, bytes]], counts: Counter[bytes],
                flagged: dict[int, AccountResult]) -> list[SharedGroup]:
        numbers: dict[bytes, int] = {}
        groups: list[SharedGroup] = []
        for result, key in pending:
            size = counts[key]
            if size < 2:
                continue
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = len(groups) + 1
                groups.append(SharedGroup(number, size, []))
            group = groups[number - 1]
            if result.place.key not in group.places:
                group.places.append(result.place.key)
            result.add(Finding("shared", group=number, size=size))
            flagged[id(result)] = result
        return groups


def audit_files(paths: list[Path], options: AuditOptions | None = None) -> AuditReport:
    """Audit the exports at ``paths`` (read only); see docs/credentials.md. A file named twice is
    read once (else each of its accounts would share a password with itself)."""
    unique: dict[Path, Path] = {}
    for path in paths:
        unique.setdefault(path.resolve(), path)
    return _Auditor(options or AuditOptions()).run(list(unique.values()))


def open_pwned(paths: list[Path]) -> tuple[PwnedStore | None, PwnedStore | None]:
    """(NTLM store, SHA-1 store) among ``paths``: one of each kind at most."""
    from canhgac.creds.pwned import StoreError, open_store

    ntlm = sha1 = None
    for path in paths:
        store = open_store(os.fspath(path))
        if store.kind is HashKind.NTLM:
            if ntlm is not None:
                raise StoreError(_("two NTLM stores given: give one per hash kind"))
            ntlm = store
        else:
            if sha1 is not None:
                raise StoreError(_("two SHA-1 stores given: give one per hash kind"))
            sha1 = store
    return ntlm, sha1
