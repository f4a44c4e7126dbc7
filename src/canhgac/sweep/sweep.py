"""A sweep from start to result: packs loaded once, the file walk, the running system, the
persistence locations, web roots; a result written whatever happens (interrupted included)."""

from __future__ import annotations

import ipaddress
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from canhgac.i18n import gettext as _
from canhgac.sweep.files import Checked, Skip, check_file
from canhgac.sweep.host import facts
from canhgac.sweep.live import LiveSource, parse_hosts
from canhgac.sweep.options import RELEVANT_SUFFIXES, WEB_ROOTS, SweepOptions
from canhgac.sweep.packs import Indicators, PackError, registry_key
from canhgac.sweep.persistence import (
    Entry,
    WindowsSource,
    heuristics,
    linux_entries,
    ssh_key_sha256,
    windows_entries,
)
from canhgac.sweep.quarantine import quarantine
from canhgac.sweep.walk import Walker

_IP = re.compile(
    r"(?<![\w.:])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])|(?<![\w:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![\w:])"
)
_TOKEN = re.compile(r'"([^"]+)"|(\S+)')
_DOMAIN = re.compile(r"(?<![\w.-])(?:[A-Za-z0-9_-]{1,63}\.)+[A-Za-z]{2,24}(?![\w-])")


def compile_rules(ind: Indicators) -> Any:
    """The packs' YARA rules compiled together once (None when there are none)."""
    if not ind.yara:
        return None
    import yara_x

    compiler = yara_x.Compiler()
    for origin, text in ind.yara:
        compiler.new_namespace(re.sub(r"\W", "_", origin)[:60] or "pack")
        try:
            compiler.add_source(text, origin=origin)
        except yara_x.CompileError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise PackError(
                _("{origin}: the YARA rules do not compile: {error}").format(origin=origin, error=first)
            ) from None
    return compiler.build()


@dataclass(slots=True)
class Throttle:
    """Keeps the process near ``cap`` percent of one core by sleeping between files."""

    cap: int
    _wall: float = field(default_factory=time.monotonic)
    _cpu: float = field(default_factory=time.process_time)

    def pause(self) -> None:
        if self.cap >= 100:
            return
        wall = time.monotonic() - self._wall
        if wall < 0.05:
            return
        cpu = time.process_time() - self._cpu
        wanted = cpu * 100 / self.cap
        if wanted > wall:
            time.sleep(min(wanted - wall, 1.0))
        self._wall, self._cpu = time.monotonic(), time.process_time()


@dataclass(slots=True)
class Sweep:
    options: SweepOptions
    indicators: Indicators
    rules: Any = None
    live: LiveSource | None = None
    windows: WindowsSource | None = None
    hits: list[dict[str, Any]] = field(default_factory=list)
    skips: Any = None
    stopped: bool = False
    stop_reason: str = ""
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "files_seen": 0,
            "files_scanned": 0,
            "bytes_scanned": 0,
            "dirs": 0,
            "processes": 0,
            "connections": 0,
            "hosts_entries": 0,
            "dns_names": 0,
            "persistence_entries": 0,
        }
    )
    timings: dict[str, float] = field(default_factory=dict)
    _seen_hits: set[tuple[str, str, str]] = field(default_factory=set)
    proc_names: dict[int, str] = field(default_factory=dict)
    hash_kinds: tuple[str, ...] = ("md5", "sha1", "sha256")
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per phase
    binaries: dict[str, Checked | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from canhgac.sweep.result import Skips

        self.skips = Skips(self.options.max_examples)
        # the hashes the packs have indicators of (SHA-256 always: the quarantine names files by it)
        self.hash_kinds = tuple(
            k for k in ("md5", "sha1", "sha256") if k == "sha256" or self.indicators.hashes[k]
        )

    def stop(self) -> bool:
        return self.stopped

    def hit(self, check: str, where: str, indicator: str, **evidence: Any) -> None:
        key = (check, where, indicator)
        if key in self._seen_hits:
            return
        self._seen_hits.add(key)
        self.hits.append({"check": check, "where": where, "indicator": indicator, **evidence})

    # -- files ---------------------------------------------------------------------------------

    def _relevant(self, path: str, st: os.stat_result) -> bool:
        if self.options.all_types:
            return True
        base = os.path.basename(path)  # noqa: PTH119 - str paths on the hot path
        dot = base.rfind(".")
        if dot <= 0:
            return True  # no extension: Linux binaries and scripts
        return base[dot + 1 :].lower() in RELEVANT_SUFFIXES or bool(st.st_mode & 0o111)

    def _file(self, path: str, st: os.stat_result, scanner: Any) -> None:
        self.counts["files_seen"] += 1
        names = self.indicators.matcher.match(path) if len(self.indicators.matcher) else []
        for name in names:
            self.hit("filename", path, name.pattern, note=name.note, score=name.score, pack=name.pack)
        if not self._relevant(path, st):
            self.skips.add("type", path)
            return
        if st.st_size > self.options.max_size:
            self.skips.add("too-large", path)
            return
        try:
            checked = check_file(
                path,
                st,
                scanner,
                timeout=self.options.timeout_per_file,
                max_strings=self.options.max_strings,
                hashes=self.hash_kinds,
            )
        except Skip as skip:
            self.skips.add(skip.reason, path)
            return
        self.counts["files_scanned"] += 1
        self.counts["bytes_scanned"] += checked.size
        self._file_hits(path, checked)

    def _file_hits(self, path: str, checked: Checked) -> None:
        hashes = {"md5": checked.md5, "sha1": checked.sha1, "sha256": checked.sha256}
        found_any = any(self.indicators.hashes[k].get(v) for k, v in hashes.items() if v)
        if (found_any or checked.yara or checked.webshell) and not all(hashes.values()):
            try:  # a hit: all three hashes as evidence (a second read, for this file only)
                full = check_file(
                    path, os.lstat(path), None, timeout=self.options.timeout_per_file, max_strings=0
                )
                checked.md5, checked.sha1, checked.sha256 = full.md5, full.sha1, full.sha256
                hashes = {"md5": checked.md5, "sha1": checked.sha1, "sha256": checked.sha256}
            except (OSError, Skip):
                pass
        evidence = {"hashes": hashes, "size": checked.size}
        bad = False
        for kind, value in hashes.items():
            found = self.indicators.hashes[kind].get(value) if value else None
            if found:
                bad = True
                self.hit("hash", path, f"{kind}:{value}", note=found[0], pack=found[1], **evidence)
        for match in checked.yara:
            bad = True
            self.hit("yara", path, match["rule"], rule=match, **evidence)
        if checked.webshell:
            bad = True
            self.hit(
                "webshell",
                path,
                "heuristics",
                score=checked.webshell[0],
                markers=checked.webshell[1],
                **evidence,
            )
        if bad and self.options.quarantine is not None:
            try:
                record = quarantine(path, checked.sha256, self.options.quarantine)
            except OSError as exc:
                self.errors.append(f"quarantine {path}: {exc}")
            else:
                for h in self.hits:
                    if h["where"] == path and h["check"] in ("hash", "yara", "webshell"):
                        h["quarantined"] = record["to"]

    def walk(self, roots: list[Path]) -> None:
        scanner = None
        if self.rules is not None:
            import yara_x

            scanner = yara_x.Scanner(self.rules)
            scanner.max_matches_per_pattern(self.options.max_strings)
        excludes = list(self.options.excludes)
        if self.options.quarantine is not None:
            excludes.append(str(self.options.quarantine))
        walker = Walker(excludes, self.skips.add, self.stop)
        throttle = Throttle(self.options.cpu_cap)
        for root in roots:
            for path, st in walker.walk(root):
                if self.stopped:
                    break
                self._file(path, st, scanner)
                throttle.pause()
        self.counts["dirs"] += walker.dirs

    # -- the running system and its configuration ------------------------------------------------

    def _text_hits(self, check: str, where: str, text: str, **evidence: Any) -> bool:
        found = False
        if len(self.indicators.matcher):
            seen: set[str] = set()
            for token in [text, *(a or b for a, b in _TOKEN.findall(text))]:
                for name in self.indicators.matcher.match(token.strip(",;'")):
                    if name.pattern not in seen:
                        seen.add(name.pattern)
                        self.hit(
                            check,
                            where,
                            name.pattern,
                            note=name.note,
                            pack=name.pack,
                            text=text[:300],
                            **evidence,
                        )
                        found = True
        for token in _IP.findall(text):
            try:
                address = str(ipaddress.ip_address(token))
            except ValueError:
                continue
            if address in self.indicators.addresses:
                note, pack = self.indicators.addresses[address]
                self.hit(check, where, address, note=note, pack=pack, text=text[:300], **evidence)
                found = True
        for token in _DOMAIN.findall(text):
            dom = self.indicators.domain_hit(token)
            if dom:
                self.hit(check, where, dom[0], note=dom[1][0], pack=dom[1][1], text=text[:300], **evidence)
                found = True
        return found

    def processes(self) -> None:
        assert self.live is not None
        for proc in self.live.processes():
            self.counts["processes"] += 1
            self.proc_names[proc.pid] = proc.name
            where = f"pid {proc.pid} {proc.name}"
            self._text_hits("process", where, f"{proc.exe} {proc.cmdline}", exe=proc.exe, user=proc.user)
            if proc.exe and os.path.isabs(proc.exe):  # noqa: PTH117 - str path
                checked = self.binaries.get(proc.exe)
                if proc.exe not in self.binaries:  # many processes share a binary: hashed once
                    try:
                        checked = check_file(
                            proc.exe,
                            os.lstat(proc.exe),
                            None,
                            timeout=self.options.timeout_per_file,
                            max_strings=self.options.max_strings,
                        )
                    except (OSError, Skip):
                        checked = None
                    self.binaries[proc.exe] = checked
                if checked is None:
                    continue
                for kind, value in (("md5", checked.md5), ("sha1", checked.sha1), ("sha256", checked.sha256)):
                    found = self.indicators.hashes[kind].get(value)
                    if found:
                        self.hit(
                            "process", where, f"{kind}:{value}", note=found[0], pack=found[1], exe=proc.exe
                        )

    def connections(self) -> None:
        assert self.live is not None
        names = self.proc_names
        for conn in self.live.connections():
            self.counts["connections"] += 1
            try:
                address = str(ipaddress.ip_address(conn.remote_ip.split("%")[0]))
            except ValueError:
                continue
            found = self.indicators.addresses.get(address)
            if found:
                self.hit(
                    "connection",
                    f"{conn.local} -> {address}:{conn.remote_port}",
                    address,
                    note=found[0],
                    pack=found[1],
                    pid=conn.pid,
                    process=names.get(conn.pid or -1, ""),
                    status=conn.status,
                )

    def hosts_and_dns(self) -> None:
        assert self.live is not None
        path = self.live.hosts_file()
        try:
            with open(path, "rb") as fh:
                text = fh.read(1024 * 1024).decode("utf-8", "replace")
        except OSError:
            text = ""
        for address, names in parse_hosts(text):
            self.counts["hosts_entries"] += 1
            self._text_hits("hosts", str(path), f"{address} {' '.join(names)}")
        for name in self.live.dns_cache():
            self.counts["dns_names"] += 1
            dom = self.indicators.domain_hit(name)
            if dom:
                self.hit("dns-cache", name, dom[0], note=dom[1][0], pack=dom[1][1])

    def persistence(self, entries: Iterator[Entry]) -> None:
        for entry in entries:
            self.counts["persistence_entries"] += 1
            evidence = {"kind": entry.kind, "name": entry.name}
            self._text_hits("persistence", entry.location, entry.command, **evidence)
            if self.indicators.registry and entry.location.upper().startswith("HK"):
                key = registry_key(entry.location)
                for candidate in (key, f"{key}\\{entry.name.lower()}"):
                    found = self.indicators.registry.get(candidate)
                    if found:
                        self.hit(
                            "persistence", entry.location, candidate, note=found[0], pack=found[1], **evidence
                        )
            if entry.kind == "authorized_keys":
                digest = ssh_key_sha256(entry.command)
                if digest and digest in self.indicators.hashes["sha256"]:
                    note, pack = self.indicators.hashes["sha256"][digest]
                    self.hit(
                        "persistence", entry.location, f"sha256:{digest}", note=note, pack=pack, **evidence
                    )
                continue
            for name in heuristics(entry.command, entry.kind):
                self.hit(
                    "persistence", entry.location, f"heuristic:{name}", text=entry.command[:300], **evidence
                )


@contextmanager
def _signals(sweep: Sweep) -> Iterator[None]:
    """SIGINT and SIGTERM stop the sweep after the current file; the result is still written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        sweep.stopped = True
        sweep.stop_reason = signal.Signals(signum).name

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _resources() -> dict[str, float]:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return {}
    use = resource.getrusage(resource.RUSAGE_SELF)
    peak = _peak_kib(use.ru_maxrss)
    return {"cpu_s": round(use.ru_utime + use.ru_stime, 2), "peak_rss_mb": round(peak / 1024, 1)}


def _peak_kib(maxrss: int) -> int:
    """This program's own peak resident memory. Linux's ``ru_maxrss`` survives ``exec``: a sweep
    started from a large process reports that process's peak; ``VmHWM`` is the current image's."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return maxrss


def _roots(options: SweepOptions) -> list[Path]:
    roots = [p.absolute() for p in options.paths]
    if options.system:
        roots += [Path(w) for w in WEB_ROOTS if Path(w).is_dir()]
    kept: list[Path] = []
    for root in sorted(set(roots), key=lambda p: len(p.parts)):
        if not any(root == k or k in root.parents for k in kept):
            kept.append(root)
    return kept


def run(
    options: SweepOptions,
    indicators: Indicators,
    *,
    live: LiveSource | None = None,
    windows: WindowsSource | None = None,
    persistence_root: Path | None = None,
    on_phase: Callable[[str], None] | None = None,
    rules: Any = None,
    compile_s: float = 0.0,
) -> dict[str, Any]:
    """Sweep and return the result's body (never raises for what it meets on the host)."""
    started = datetime.now(UTC)
    t0 = time.monotonic()
    sweep = Sweep(options, indicators, live=live, windows=windows)
    phases: list[tuple[str, Callable[[], None]]] = []
    t = time.monotonic()
    c = time.process_time()
    sweep.rules = rules if rules is not None else compile_rules(indicators)
    sweep.timings["compile_rules"] = round(time.monotonic() - t, 3) + compile_s
    sweep.cpu["compile_rules"] = round(time.process_time() - c, 3) + compile_s
    phases.append(("files", lambda: sweep.walk(_roots(options))))
    if live is not None:
        phases += [
            ("processes", sweep.processes),
            ("connections", sweep.connections),
            ("hosts_dns", sweep.hosts_and_dns),
        ]
    if persistence_root is not None:
        phases.append(("persistence_linux", lambda: sweep.persistence(linux_entries(persistence_root))))
    if windows is not None:
        phases.append(("persistence_windows", lambda: sweep.persistence(windows_entries(windows))))
    with _signals(sweep):
        for name, phase in phases:
            if sweep.stopped:
                sweep.skips.add("interrupted", name)
                continue
            if on_phase:
                on_phase(name)
            t = time.monotonic()
            c = time.process_time()
            try:
                phase()
            except KeyboardInterrupt:
                sweep.stopped, sweep.stop_reason = True, "SIGINT"
            except Exception as exc:  # one check failing must not lose the others' hits
                sweep.errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
            sweep.timings[name] = round(time.monotonic() - t, 3)
            sweep.cpu[name] = round(time.process_time() - c, 3)
    elapsed = time.monotonic() - t0
    sweep.timings["total"] = round(elapsed, 3)
    files = sweep.timings.get("files", 0.0) or 1e-9
    return {
        "tool": "canhgac-sweep",
        "host": facts(),
        "started": started.isoformat(timespec="seconds"),
        "ended": datetime.now(UTC).isoformat(timespec="seconds"),
        "interrupted": sweep.stopped,
        "interrupted_by": sweep.stop_reason,
        "complete": not sweep.stopped and not sweep.errors,
        "paths": [str(p.absolute()) for p in options.paths],
        "options": {
            "max_size": options.max_size,
            "cpu_cap": options.cpu_cap,
            "timeout_per_file": options.timeout_per_file,
            "excludes": options.excludes,
            "all_types": options.all_types,
            "quarantine": str(options.quarantine) if options.quarantine else None,
            "system": options.system,
        },
        "packs": indicators.packs,
        "indicator_counts": indicators.counts(),
        "pack_skipped": {"count": indicators.skipped_count, "examples": indicators.skipped[:20]},
        "counts": sweep.counts,
        "hits": sweep.hits,
        "skipped": sweep.skips.as_dict(),
        "errors": sweep.errors,
        "timings": sweep.timings,
        "timings_cpu": sweep.cpu,
        "resources": _resources(),
        "rates": {
            "files_per_s": round(sweep.counts["files_seen"] / files, 1),
            "mb_per_s": round(sweep.counts["bytes_scanned"] / files / 1e6, 2),
        },
    }
