"""A sweep's settings and their defaults (what a sweep on a PC in use should do unasked)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

# File types worth hashing and scanning with YARA (every path is still matched by name):
# executables and libraries, scripts, web pages that run on the server, documents with macros,
# archives and disk images; plus files with no extension and executable files (Linux binaries).
WEB_SUFFIXES = frozenset(
    [
        "php",
        "php3",
        "php4",
        "php5",
        "php7",
        "phtml",
        "phar",
        "inc",
        "asp",
        "aspx",
        "ashx",
        "asmx",
        "ascx",
        "cshtml",
        "jsp",
        "jspx",
        "cfm",
    ]
)
RELEVANT_SUFFIXES = frozenset(
    [
        "exe",
        "dll",
        "sys",
        "scr",
        "cpl",
        "ocx",
        "com",
        "drv",
        "efi",
        "bat",
        "cmd",
        "ps1",
        "psm1",
        "psd1",
        "vbs",
        "vbe",
        "js",
        "jse",
        "wsf",
        "wsh",
        "hta",
        "lnk",
        "msi",
        "msp",
        "jar",
        "class",
        "war",
        "ear",
        "apk",
        "elf",
        "so",
        "ko",
        "o",
        "bin",
        "dat",
        "tmp",
        "sh",
        "bash",
        "zsh",
        "py",
        "pyc",
        "pl",
        "pm",
        "rb",
        "lua",
        "cgi",
        "doc",
        "docm",
        "dot",
        "dotm",
        "xls",
        "xlsm",
        "xlsb",
        "xla",
        "xlam",
        "ppt",
        "pptm",
        "potm",
        "rtf",
        "pdf",
        "one",
        "chm",
        "zip",
        "rar",
        "7z",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "cab",
        "iso",
        "img",
        "vhd",
        "vhdx",
    ]
) | WEB_SUFFIXES  # the web scripts are scanned wherever they are

if sys.platform == "win32":  # pragma: no cover - Windows
    DEFAULT_EXCLUDES: tuple[str, ...] = ()
    WEB_ROOTS: tuple[str, ...] = (r"C:\inetpub\wwwroot", r"C:\xampp\htdocs", r"C:\wamp64\www", r"C:\wamp\www")
else:
    DEFAULT_EXCLUDES = (
        "/proc",
        "/sys",
        "/dev",
        "/run",
        "/snap",
        "/var/lib/docker/overlay2",
        "/var/lib/containers",
    )
    WEB_ROOTS = ("/var/www", "/srv/www", "/srv/http", "/usr/share/nginx/html", "/opt/lampp/htdocs")

DEFAULT_MAX_SIZE = 100 * 1024 * 1024
IN_MEMORY_LIMIT = 32 * 1024 * 1024  # read whole and scanned from memory; above: chunks + scan_file
CHUNK = 1024 * 1024


def default_paths() -> list[Path]:
    if sys.platform == "win32":  # pragma: no cover - Windows
        drive = os.environ.get("SystemDrive", "C:")  # noqa: SIM112 - Windows' own spelling
        return [Path(drive + "\\")]
    return [Path("/")]


@dataclass(slots=True)
class SweepOptions:
    paths: list[Path] = field(default_factory=default_paths)
    max_size: int = DEFAULT_MAX_SIZE
    cpu_cap: int = 50  # percent of one core; 100 = no cap
    timeout_per_file: float = 30.0
    excludes: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    all_types: bool = False
    quarantine: Path | None = None
    live: bool = True  # processes and connections
    system: bool = True  # hosts file, DNS cache, persistence, web roots of this machine
    system_root: Path = field(default_factory=lambda: Path(os.sep if sys.platform != "win32" else "C:\\"))
    max_strings: int = 10  # matched strings kept per YARA hit
    max_examples: int = 20  # example paths kept per skip reason
