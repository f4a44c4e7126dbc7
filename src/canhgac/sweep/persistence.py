"""Persistence locations: where malware makes itself start again.

Linux (read under a root folder, so tests use a fixture tree): cron tables, systemd units, rc
and profile files, ``ld.so.preload``, and ``authorized_keys``. Windows: Run keys, services,
scheduled tasks and startup folders, read through :class:`WindowsSource` (the registry on a
Windows PC, JSON fixtures in tests, as CI runs on Linux). Each entry's text is checked against
the name, address and domain indicators, and against a few heuristics (a download piped to a
shell, a reverse shell, a binary in a world-writable folder).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

MAX_TEXT = 1024 * 1024

LINUX_FILES = (
    "etc/crontab",
    "etc/anacrontab",
    "etc/rc.local",
    "etc/ld.so.preload",
    "etc/profile",
    "etc/bash.bashrc",
    "etc/environment",
)
LINUX_DIRS = (
    "etc/cron.d",
    "etc/cron.hourly",
    "etc/cron.daily",
    "etc/cron.weekly",
    "etc/cron.monthly",
    "var/spool/cron",
    "var/spool/cron/crontabs",
    "etc/systemd/system",
    "usr/lib/systemd/system",
    "lib/systemd/system",
    "etc/init.d",
    "etc/profile.d",
    "etc/xdg/autostart",
    "etc/update-motd.d",
)
USER_FILES = (".bashrc", ".profile", ".bash_profile", ".bash_login", ".zshrc", ".ssh/rc", ".config/autostart")
USER_DIRS = (".config/systemd/user", ".config/autostart")

HEURISTICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (n, re.compile(rx, re.I))
    for n, rx in (
        ("download-to-shell", r"(?:curl|wget|fetch)\b[^|;\n]{0,300}\|\s*(?:ba|da|z)?sh\b"),
        ("reverse-shell", r"/dev/tcp/|\bnc(?:at)?\b[^\n]{0,80}\s-e\s|socat\b[^\n]{0,80}exec:"),
        (
            "decode-and-run",
            r"base64\s+(?:-d|--decode)[^\n]{0,80}\|\s*(?:ba)?sh\b|frombase64string|-enc(?:odedcommand)?\s+[A-Za-z0-9+/=]{40,}",
        ),
        (
            "world-writable-binary",
            r"(?:^|[\s\"'=])(?:/tmp|/dev/shm|/var/tmp)/(?!\.X11-unix|\.ICE-unix)\S+|\\(?:temp|appdata\\local\\temp|users\\public)\\\S+\.(?:exe|dll|bat|ps1|vbs)",
        ),
    )
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One place something is started from: ``location`` (file and line, or registry key),
    ``name`` and the ``command`` it runs."""

    kind: str  # cron, systemd, rc, authorized_keys, run-key, service, scheduled-task, startup
    location: str
    name: str
    command: str


class WindowsSource(Protocol):
    def run_keys(self) -> Iterable[Entry]: ...
    def services(self) -> Iterable[Entry]: ...
    def scheduled_tasks(self) -> Iterable[Entry]: ...
    def startup_items(self) -> Iterable[Entry]: ...


def _read(path: Path) -> str | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None
        with open(path, "rb") as fh:
            return fh.read(MAX_TEXT).decode("utf-8", "replace")
    except OSError:
        return None


def _lines(kind: str, path: Path) -> Iterator[Entry]:
    text = _read(path)
    if text is None:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield Entry(kind, f"{path}:{number}", path.name, stripped[:2000])


def _files_under(folder: Path, depth: int = 2) -> Iterator[Path]:
    try:
        if folder.is_symlink() or not folder.is_dir():
            return
        for child in sorted(folder.iterdir()):
            if child.is_symlink():
                continue
            if child.is_dir() and depth > 1:
                yield from _files_under(child, depth - 1)
            elif child.is_file():
                yield child
    except OSError:
        return


def _kind(rel: str) -> str:
    return "cron" if "cron" in rel else "systemd" if "systemd" in rel else "rc"


def linux_entries(root: Path) -> Iterator[Entry]:
    """Every line of every Linux persistence location under ``root``."""
    for rel in LINUX_FILES:
        yield from _lines(_kind(rel), root / rel)
    for rel in LINUX_DIRS:
        for path in _files_under(root / rel):
            yield from _lines(_kind(rel), path)
    homes = [root / "root"]
    try:  # noqa: SIM105 - as the other reads
        homes += sorted(p for p in (root / "home").iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:
        pass
    for home in homes:
        for rel in USER_FILES:
            yield from _lines("rc", home / rel)
        for rel in USER_DIRS:
            for path in _files_under(home / rel):
                yield from _lines("systemd" if "systemd" in rel else "rc", path)
        for name in ("authorized_keys", "authorized_keys2"):
            yield from _lines("authorized_keys", home / ".ssh" / name)


def ssh_key_sha256(line: str) -> str | None:
    """The SHA-256 of an authorized_keys line's key blob, in hex (what ``ssh-keygen -lf`` shows
    in base64), so a key in a pack's ``sha256`` indicators is found."""
    for field in line.split():
        if field.startswith("AAAA"):
            try:
                return hashlib.sha256(base64.b64decode(field, validate=True)).hexdigest()
            except ValueError:
                return None
    return None


STRONG_ONLY = ("rc", "authorized_keys")  # long shell scripts: a /tmp path there is often legitimate


def heuristics(command: str, kind: str = "") -> list[str]:
    return [
        name
        for name, rx in HEURISTICS
        if not (kind in STRONG_ONLY and name == "world-writable-binary") and rx.search(command)
    ]


class FixtureWindowsSource:
    """A Windows PC's persistence read from a JSON file: ``{"run_keys": [{"location", "name",
    "command"}], "services": [...], "scheduled_tasks": [...], "startup_items": [...]}`` (tests;
    also a way to check an export taken from a PC)."""

    def __init__(self, path: Path) -> None:
        self.data = json.loads(path.read_text(encoding="utf-8"))

    def _entries(self, key: str, kind: str) -> Iterator[Entry]:
        for item in self.data.get(key, []):
            yield Entry(
                kind, str(item.get("location", "")), str(item.get("name", "")), str(item.get("command", ""))
            )

    def run_keys(self) -> Iterable[Entry]:
        return self._entries("run_keys", "run-key")

    def services(self) -> Iterable[Entry]:
        return self._entries("services", "service")

    def scheduled_tasks(self) -> Iterable[Entry]:
        return self._entries("scheduled_tasks", "scheduled-task")

    def startup_items(self) -> Iterable[Entry]:
        return self._entries("startup_items", "startup")


RUN_KEYS = (
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\Run",
    r"SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce",
    r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Run",
    r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\RunOnce",
    r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
)


class RegistryWindowsSource:  # pragma: no cover - runs on Windows only; CI feeds FixtureWindowsSource
    """This Windows PC: the registry (winreg), the Tasks folder and the startup folders."""

    def _values(self, hive: int, hive_name: str, key: str) -> Iterator[Entry]:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        try:
            with winreg.OpenKey(hive, key) as handle:  # type: ignore[attr-defined,unused-ignore]
                index = 0
                while True:
                    try:
                        name, value, _t = winreg.EnumValue(handle, index)  # type: ignore[attr-defined,unused-ignore]
                    except OSError:
                        break
                    index += 1
                    yield Entry("run-key", f"{hive_name}\\{key}", str(name), str(value))
        except OSError:
            return

    def run_keys(self) -> Iterable[Entry]:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        for key in RUN_KEYS:
            yield from self._values(winreg.HKEY_LOCAL_MACHINE, "HKLM", key)  # type: ignore[attr-defined,unused-ignore]
            yield from self._values(winreg.HKEY_CURRENT_USER, "HKCU", key)  # type: ignore[attr-defined,unused-ignore]

    def services(self) -> Iterable[Entry]:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        base = r"SYSTEM\CurrentControlSet\Services"
        try:
            root = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, base)  # type: ignore[attr-defined,unused-ignore]
        except OSError:
            return
        index = 0
        while True:
            try:
                name = winreg.EnumKey(root, index)  # type: ignore[attr-defined,unused-ignore]
            except OSError:
                break
            index += 1
            try:
                with winreg.OpenKey(root, name) as key:  # type: ignore[attr-defined,unused-ignore]
                    image, _t = winreg.QueryValueEx(key, "ImagePath")  # type: ignore[attr-defined,unused-ignore]
            except OSError:
                continue
            yield Entry("service", f"HKLM\\{base}\\{name}", name, str(image))

    def scheduled_tasks(self) -> Iterable[Entry]:
        import os
        import xml.etree.ElementTree as ET

        folder = Path(os.environ.get("SystemRoot", r"C:\Windows")) / "System32" / "Tasks"  # noqa: SIM112 - Windows' own spelling
        for path in _files_under(folder, depth=6):
            try:
                tree = ET.parse(path)  # noqa: S314
            except (ET.ParseError, OSError):
                continue
            commands = [(e.text or "") for e in tree.iter() if e.tag.endswith(("Command", "Arguments"))]
            yield Entry("scheduled-task", str(path), path.name, " ".join(commands))

    def startup_items(self) -> Iterable[Entry]:
        import os

        folders = [
            Path(os.environ.get("ProgramData", r"C:\ProgramData"))  # noqa: SIM112 - Windows' own spelling
            / r"Microsoft\Windows\Start Menu\Programs\Startup"
        ]
        users = Path(os.environ.get("SystemDrive", "C:") + "\\Users")  # noqa: SIM112 - Windows' own spelling
        try:  # noqa: SIM105 - as the other reads
            folders += [
                u / r"AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup" for u in users.iterdir()
            ]
        except OSError:
            pass
        for folder in folders:
            for path in _files_under(folder, depth=1):
                yield Entry("startup", str(path), path.name, str(path))


def windows_entries(source: WindowsSource) -> Iterator[Entry]:
    for group in (source.run_keys, source.services, source.scheduled_tasks, source.startup_items):
        yield from group()


def default_windows_source() -> WindowsSource | None:
    return RegistryWindowsSource() if sys.platform == "win32" else None
