"""Where a portal keeps what it never links to: candidate paths for the exposure probes (pure).

A listing or a dump at a folder no page links to is found only if someone asks for it. The
portal itself says where to ask: the links of its home page and of a couple of pages it links
to (same host; folders one and two levels deep), its robots.txt (``Disallow`` and ``Allow``
lines are *candidates*, never exclusions: this is the owner's authorised audit, and a folder
hidden from search engines is the likeliest to hold what should not be served), its sitemaps
(a sitemap index, gzip too), and the folder names common on Vietnamese agency sites. Each
:class:`Candidate` keeps where it was found, for the finding's evidence.

Everything here is total and bounded: robots.txt lines, sitemap bytes (inflated within a cap,
so a gzip bomb stops there), ``<loc>`` entries (read by a bounded pattern, never by an XML
parser, so entities are never expanded and garbage yields nothing), links, path length, and
candidates kept per source. The fetching is :mod:`canhgac.engine.web.path_discovery`.
"""

from __future__ import annotations

import contextlib
import html
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from canhgac.engine.web.signatures import (
    ProbeKind,
    ProbeSpec,
    Signature,
    appsettings,
    aspnet_config,
    backup_file,
    directory_listing,
    dotenv,
    ds_store,
    php_config,
)

MAX_ROBOTS_LINES = 2000
MAX_SITEMAP_BYTES = 1 << 20  # after inflating (the sitemap protocol allows 50 MB: we read the start)
MAX_SITEMAP_LOCS = 5000
MAX_LINKS = 1000
MAX_PATH_CHARS = 200
FOLDER_DEPTH = 2  # /a/ and /a/b/ of /a/b/c/page.html
PER_SOURCE = 40  # distinct candidates kept from one source, before the probe cap
# Folder names common on Vietnamese agency portals: documents (tài liệu, văn bản), uploads,
# pictures (hình ảnh), news (tin tức), downloads and backups.
COMMON_FOLDERS = ("/tailieu/", "/vanban/", "/upload/", "/uploads/", "/files/", "/download/", "/hinhanh/",
                  "/tintuc/", "/backup/")


class Source(StrEnum):
    """Where a candidate path was read."""

    ROBOTS = "robots.txt"
    SITEMAP = "sitemap"
    HOME = "home page"
    LINKED = "linked page"
    COMMON = "common folder name"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A path to probe: a folder (``/a/``, a listing probe) or a file (a backup or config probe)."""

    path: str
    kind: ProbeKind
    source: Source
    via: str = ""  # the sitemap or page it was read in (its path)

    @property
    def found_via(self) -> str:
        """What the evidence says: ``sitemap /sitemap.xml``, ``link on /gioi-thieu/``, ``robots.txt``."""
        if self.source is Source.SITEMAP:
            return f"sitemap {self.via}".strip()
        if self.source in (Source.HOME, Source.LINKED):
            return f"link on {self.via or '/'}"
        return self.source.value


@dataclass(frozen=True, slots=True)
class DiscoveryRead:
    """One document discovery read (robots.txt, a sitemap, a linked page) and what it gave."""

    path: str
    status: int | None = None
    found: int = 0  # candidate paths it named
    note: str = ""  # the fetch error, "sitemap index", "truncated"...

    def as_evidence(self) -> str:
        status = "no answer" if self.status is None else str(self.status)
        note = f", {self.note}" if self.note else ""
        return f"{self.path}: {status}, {self.found} paths{note}"[:300]


@dataclass(frozen=True, slots=True)
class PathDiscovery:
    """What discovery found for one portal: candidates grouped by source, in priority order."""

    groups: tuple[tuple[Candidate, ...], ...] = ()
    reads: tuple[DiscoveryRead, ...] = ()
    stopped: str = ""  # why discovery ended early ("time budget spent")

    def choose(self, skip: Iterable[str], limit: int) -> tuple[Candidate, ...]:
        """Up to ``limit`` candidates not in ``skip``, one source after the other in turn, so a
        huge sitemap cannot crowd out robots.txt or the common names."""
        return interleave(self.groups, set(skip), limit)

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"read": [r.as_evidence() for r in self.reads[:12]],
                               "candidates": len({c.path for g in self.groups for c in g})}
        if self.stopped:
            out["stopped"] = self.stopped
        return out


def interleave(groups: Sequence[Sequence[Candidate]], skip: set[str], limit: int) -> tuple[Candidate, ...]:
    """Round-robin over the groups, first occurrence of a path wins, at most ``limit``."""
    chosen: list[Candidate] = []
    seen = set(skip)
    cursors = [iter(g) for g in groups]
    while cursors and len(chosen) < limit:
        for cursor in list(cursors):
            picked = next((c for c in cursor if c.path not in seen), None)
            if picked is None:
                cursors.remove(cursor)
                continue
            seen.add(picked.path)
            chosen.append(picked)
            if len(chosen) >= limit:
                break
    return tuple(chosen)


# --- which files are worth a probe ----------------------------------------------------------
_CONFIG_FILES: tuple[tuple[re.Pattern[str], Signature], ...] = (
    (re.compile(r"^\.env(\.[\w-]+)?$|\.env$", re.IGNORECASE), dotenv),
    (re.compile(r"^web\.config(\.\w+)?$", re.IGNORECASE), aspnet_config),
    (re.compile(r"^appsettings[\w.-]*\.json$", re.IGNORECASE), appsettings),
    (re.compile(r"\.(php|inc)(\.(bak|old|orig|save|swp|txt|\d)|~)$", re.IGNORECASE), php_config),
    (re.compile(r"^\.DS_Store$"), ds_store),
)
_DUMPS = re.compile(r"\.(sql|dump|bak|backup|bk)(\.(gz|zip|bz2|xz|7z))?$", re.IGNORECASE)
_ARCHIVES = re.compile(r"\.(zip|rar|7z|tar|tgz|gz|bz2|xz)$", re.IGNORECASE)
# Words that make a linked archive a backup rather than a published download (bieu-mau.zip is not)
_BACKUP_WORDS = re.compile(r"backup|bak|sao-?luu|dump|database|(^|[^a-z])db([^a-z]|$)|htdocs|public_html|"
                           r"www|source|ma-?nguon", re.IGNORECASE)


def file_probe(name: str, *, hidden: bool) -> tuple[ProbeKind, Signature] | None:
    """The check and signature for a file named ``name``, or None when it is not worth a probe.

    ``hidden``: named only in robots.txt (the owner hides it), so any archive counts; an
    archive a page or sitemap links to counts only when its name says backup (a published form
    pack is no exposure)."""
    for pattern, signature in _CONFIG_FILES:
        if pattern.search(name):
            return ProbeKind.CONFIG, signature
    if _DUMPS.search(name) or (_ARCHIVES.search(name) and (hidden or _BACKUP_WORDS.search(name))):
        return ProbeKind.BACKUP, backup_file
    return None


def probe_spec(candidate: Candidate) -> ProbeSpec:
    """The probe of one candidate, carrying where it was found."""
    found = None if candidate.kind is ProbeKind.LISTING else file_probe(
        candidate.path.rsplit("/", 1)[-1], hidden=True)
    signature = found[1] if found is not None else directory_listing
    return ProbeSpec(candidate.path, candidate.kind, signature, source=candidate.found_via)


# --- paths ----------------------------------------------------------------------------------
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_ODD_CHARS = re.compile(r'[\x00-\x1f\x7f<>"{}|\\^`]')  # never in a real path: garbage, or markup
_USABLE = re.compile(r"^/[A-Za-z0-9%:@!$&'()*+,;=._~/-]*$")


def clean_path(raw: str) -> str | None:
    """``raw`` as a path to ask for (non-ASCII percent-encoded), or None if unusable or odd."""
    if _ODD_CHARS.search(raw):
        return None
    path = quote(raw.strip(), safe=_PATH_SAFE)
    if not path.startswith("/") or len(path) > MAX_PATH_CHARS or "//" in path or not _USABLE.match(path):
        return None
    if any(seg in (".", "..") or seg.lower() in ("%2e", "%2e%2e", ".%2e", "%2e.") for seg in path.split("/")):
        return None
    return path


def path_candidates(raw: str, source: Source, via: str = "", *, hidden: bool = False) -> list[Candidate]:
    """The folders (one and two levels deep) on a path, then the file itself if worth a probe."""
    path = clean_path(raw)
    if path is None:
        return []
    segments = path.split("/")[1:]
    folders, name = segments[:-1], segments[-1]
    found = [Candidate("/" + "/".join(folders[:depth]) + "/", ProbeKind.LISTING, source, via)
             for depth in range(1, min(len(folders), FOLDER_DEPTH) + 1)]
    probe = file_probe(name, hidden=hidden) if name else None
    if probe is not None:
        found.append(Candidate(path, probe[0], source, via))
    return found


def same_host_path(url: str, host: str, base: str = "") -> str | None:
    """The path of ``url`` (absolute, or relative to ``base``) when it is on ``host``, else None."""
    try:
        parts = urlsplit(urljoin(base, url.strip()) if base else url.strip())
        if parts.scheme not in ("http", "https", "") or (parts.hostname or "").lower() != host.lower():
            return None
    except ValueError:  # a malformed port or IPv6 literal
        return None
    return parts.path or "/"


def unique(candidates: Iterable[Candidate], limit: int = PER_SOURCE) -> tuple[Candidate, ...]:
    """First occurrence of each path, at most ``limit``."""
    out: dict[str, Candidate] = {}
    for candidate in candidates:
        out.setdefault(candidate.path, candidate)
        if len(out) >= limit:
            break
    return tuple(out.values())


def common_folders() -> tuple[Candidate, ...]:
    return tuple(Candidate(f, ProbeKind.LISTING, Source.COMMON) for f in COMMON_FOLDERS)


# --- robots.txt -----------------------------------------------------------------------------
_ROBOTS_LINE = re.compile(r"^\s*(allow|disallow|sitemap)\s*:\s*(\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RobotsTxt:
    paths: tuple[str, ...] = ()  # Allow/Disallow paths, wildcards cut to the folder before them
    sitemaps: tuple[str, ...] = ()  # Sitemap: URLs as written


def robots_path(value: str) -> str | None:
    """The literal part of an Allow/Disallow value: ``/a/*.php`` -> ``/a/``; ``/private`` -> ``/private/``."""
    cut = re.split(r"[*$#]", value.split("?", 1)[0], maxsplit=1)
    literal = cut[0]
    if not literal.startswith("/"):
        return None
    if len(cut) > 1:  # a wildcard or anchor: only the folder before it is literal
        literal = literal[: literal.rfind("/") + 1]
    last = literal.rsplit("/", 1)[-1]
    if last and "." not in last:  # "/private" blocks the folder /private/ (and /private.html...)
        literal += "/"
    return literal if literal != "/" else None


def parse_robots(text: str) -> RobotsTxt:
    """Every Allow/Disallow path and Sitemap URL, whatever the user-agent group; never raises."""
    if text.lstrip()[:1] == "<":  # an HTML page (a soft-404 site answers robots.txt with it)
        return RobotsTxt()
    paths: list[str] = []
    sitemaps: list[str] = []
    for line in text.splitlines()[:MAX_ROBOTS_LINES]:
        found = _ROBOTS_LINE.match(line.split("#", 1)[0])
        if found is None:
            continue
        field, value = found.group(1).lower(), found.group(2)[:2048]
        if field == "sitemap":
            sitemaps.append(value)
        elif (path := robots_path(value)) is not None:
            paths.append(path)
    return RobotsTxt(tuple(dict.fromkeys(paths)), tuple(dict.fromkeys(sitemaps)))


# --- sitemaps (sitemaps.org protocol 0.9) ---------------------------------------------------
_LOC = re.compile(rb"<(?:[\w.-]{1,40}:)?loc\s{0,40}>([^<]{0,4096})<", re.IGNORECASE)
_INDEX = re.compile(rb"<(?:[\w.-]{1,40}:)?sitemapindex[\s>]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SitemapParse:
    locs: tuple[str, ...] = ()  # <loc> values, entity-decoded, in order
    index: bool = False  # a sitemap index: the locs are sitemaps
    note: str = ""  # "gzip", "truncated", "not gzip"


def inflate(body: bytes, cap: int = MAX_SITEMAP_BYTES) -> tuple[bytes, str]:
    """``body`` un-gzipped within ``cap`` bytes when it is gzip (a .xml.gz sitemap), with a note."""
    if not body.startswith(b"\x1f\x8b"):
        return body[:cap], "truncated" if len(body) > cap else ""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, cap)
    except zlib.error:
        return b"", "broken gzip"
    if inflater.unconsumed_tail or len(data) >= cap:
        return data, "gzip, truncated"
    return data, "gzip" if inflater.eof else "gzip, incomplete"


def parse_sitemap(body: bytes) -> SitemapParse:
    """The ``<loc>`` entries of a sitemap or sitemap index (gzip or not); never raises."""
    data, note = inflate(body)
    locs: list[str] = []
    for found in _LOC.finditer(data):
        value = html.unescape(found.group(1).decode("utf-8", errors="replace")).strip()
        if value:
            locs.append(value)
        if len(locs) >= MAX_SITEMAP_LOCS:
            note = ", ".join(filter(None, (note, f"first {MAX_SITEMAP_LOCS} entries")))
            break
    return SitemapParse(tuple(locs), bool(_INDEX.search(data[:65536])), note)


# --- links of a page ------------------------------------------------------------------------
_LINK_ATTRS = {"a": "href", "area": "href", "link": "href", "img": "src", "script": "src", "iframe": "src",
               "frame": "src", "embed": "src", "source": "src", "form": "action"}


class _Links(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if len(self.links) >= MAX_LINKS:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        attr = _LINK_ATTRS.get(tag)
        raw = values.get(attr, "").strip() if attr else ""
        with contextlib.suppress(ValueError):  # a malformed IPv6 literal in a URL
            if tag == "base" and values.get("href"):
                self.base = urljoin(self.base, values["href"].strip())
            elif raw and not raw.lower().startswith(("data:", "javascript:", "mailto:", "tel:", "#")):
                self.links.append(urljoin(self.base, raw))


def page_links(page: str, base_url: str) -> tuple[str, ...]:
    """Absolute URLs of the links and resources of an HTML page, in order (at most MAX_LINKS)."""
    parser = _Links(base_url)
    try:
        parser.feed(page)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's rare internal complaints on garbage
        pass
    return tuple(dict.fromkeys(parser.links))


_PAGE_EXTENSIONS = ("", ".html", ".htm", ".shtml", ".php", ".asp", ".aspx", ".jsp", ".do")


def looks_like_page(path: str) -> bool:
    """A link worth reading for more links: a folder or a page, not a document or an asset."""
    name = path.rsplit("/", 1)[-1]
    extension = name[name.rfind("."):].lower() if "." in name else ""
    return path != "/" and extension in _PAGE_EXTENSIONS
