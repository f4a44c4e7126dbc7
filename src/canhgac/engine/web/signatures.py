"""What exposed files and pages really look like: probe paths and content signatures.

A probe is judged by its content, never by its status alone: each signature reads a
:class:`Sample` (status, headers, the first bytes of the body) and returns a short label of what
it recognised, or None. Labels name what was seen (a file type, a product, variable *names*)
and never quote secrets, because they travel into findings and reports. Every signature cites
where the format comes from. Pure functions, no I/O. (Version disclosure and defacement
markers live with their checks, CMS recognition with the exposure collector.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class ProbeKind(StrEnum):
    """Which web.exposure.* check a probe evidences."""

    VCS = "vcs"
    CONFIG = "config"
    BACKUP = "backup"
    PHPINFO = "phpinfo"
    STATUS = "server-status"
    ADMIN = "admin"
    LISTING = "directory-listing"


class Cms(StrEnum):
    JOOMLA = "joomla"
    WORDPRESS = "wordpress"
    DRUPAL = "drupal"
    DNN = "dotnetnuke"
    LIFERAY = "liferay"
    SHAREPOINT = "sharepoint"


@dataclass(frozen=True, slots=True)
class Sample:
    """One answer as a signature sees it (header names lower-case)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k == wanted), None)

    @property
    def text(self) -> str:
        """The body as text for ASCII markers (latin-1 never fails and keeps every byte)."""
        return self.body.decode("latin-1")

    @property
    def utf8(self) -> str:
        """The body as UTF-8 text (for words in Vietnamese), undecodable bytes replaced."""
        return self.body.decode("utf-8", errors="replace")


Signature = Callable[[Sample], str | None]


def _has(text: str, *markers: str) -> bool:
    low = text.lower()
    return all(m.lower() in low for m in markers)


_Labelled = tuple[tuple[str, tuple[str, ...]], ...]  # (label, markers) rows


def _first_label(text: str, table: _Labelled) -> str | None:
    """The label of the first row whose markers all appear in ``text`` (case-insensitive)."""
    return next((label for label, markers in table if _has(text, *markers)), None)


def _looks_html(sample: Sample) -> bool:
    return sample.body.lstrip()[:1] == b"<" and b"<html" in sample.body[:2048].lower()


# --- version control ------------------------------------------------------------------------
# gitrepository-layout(5): HEAD is "ref: refs/heads/<branch>" or a detached object id (40 hex,
# 64 with SHA-256 repositories); config is an INI file whose [core] section carries
# repositoryformatversion.
_GIT_HEAD = re.compile(r"\A(ref: refs/[^\s]+|[0-9a-f]{40}|[0-9a-f]{64})\s*\Z")
_CRED_URL = re.compile(r"url\s*=\s*\w+://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def git_head(sample: Sample) -> str | None:
    found = _GIT_HEAD.match(sample.text)
    return f"git HEAD ({found.group(1)[:60]})" if found else None


def git_config(sample: Sample) -> str | None:
    text = sample.text
    if "[core]" not in text or "repositoryformatversion" not in text:
        return None
    return "git config with credentials in a remote URL" if _CRED_URL.search(text) else "git config"


# Subversion's working-copy format (subversion/libsvn_wc/wc.h, entries.c): 1.4-1.6 write the
# format number (8, 9, 10) then the entries, starting with the directory entry "dir"; 1.7+
# keep only "12" in .svn/entries and the metadata in the SQLite database .svn/wc.db.
_SVN_ENTRIES = re.compile(r"\A(8|9|10)\n\ndir\n|\A12\s*\Z")


def svn_entries(sample: Sample) -> str | None:
    found = _SVN_ENTRIES.match(sample.text)
    return f"Subversion entries (format {found.group(0).split()[0]})" if found else None


# SQLite file format, section 1.3: every database starts with "SQLite format 3\0".
def sqlite_db(sample: Sample) -> str | None:
    return "SQLite database (Subversion wc.db)" if sample.body.startswith(b"SQLite format 3\x00") else None


# Mercurial's .hg/requires (mercurial/requirements.py): one repository feature per line.
_HG_FEATURES = frozenset({
    "revlogv1", "revlogv2", "store", "fncache", "dotencode", "generaldelta", "sparserevlog",
    "share-safe", "persistent-nodemap", "revlog-compression-zstd", "treemanifest", "largefiles",
    "lfs", "shared", "relshared", "internal-phase", "bookmarksinstore", "exp-sparse",
    "copies-sdc", "changelogv2", "dirstate-v2",
})


def hg_requires(sample: Sample) -> str | None:
    lines = [line.strip() for line in sample.text.splitlines() if line.strip()]
    known = [line for line in lines if line in _HG_FEATURES]
    return "Mercurial requires" if known and len(known) * 2 >= len(lines) else None


# --- configuration files --------------------------------------------------------------------
# dotenv files (Laravel, Symfony, Node): KEY=value lines; the keys are what give them away.
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]{1,60})\s*=", re.MULTILINE)
_ENV_SECRETS = ("PASSWORD", "SECRET", "APP_KEY", "TOKEN", "DATABASE_URL", "API_KEY", "PRIVATE")


def dotenv(sample: Sample) -> str | None:
    if _looks_html(sample):
        return None
    names = list(dict.fromkeys(_ENV_LINE.findall(sample.text)))
    secrets = [n for n in names if any(s in n for s in _ENV_SECRETS)]
    if len(names) < 2 or (not secrets and len(names) < 3):
        return None
    return f".env file ({len(names)} variables, e.g. {', '.join((secrets or names)[:4])})"


# ASP.NET web.config / app.config (learn.microsoft.com, "ASP.NET configuration file hierarchy"):
# a <configuration> root with system.web, system.webServer, appSettings or connectionStrings.
def aspnet_config(sample: Sample) -> str | None:
    text = sample.text
    if "<configuration" not in text:
        return None
    if not any(m in text for m in ("<system.web", "<connectionStrings", "<appSettings")):
        return None
    return "ASP.NET configuration with connection strings" if "<connectionStrings" in text else (
        "ASP.NET configuration")


# ASP.NET Core appsettings.json ("Configuration in ASP.NET Core"): JSON with ConnectionStrings,
# or the template's Logging + AllowedHosts.
def appsettings(sample: Sample) -> str | None:
    text = sample.text
    if not text.lstrip().startswith("{"):
        return None
    if '"ConnectionStrings"' in text:
        return "ASP.NET Core appsettings.json with connection strings"
    return "ASP.NET Core appsettings.json" if _has(text, '"Logging"', '"AllowedHosts"') else None


# PHP configuration sources served as text because of a .bak suffix: WordPress wp-config.php
# (define('DB_PASSWORD', ...)), Joomla configuration.php (class JConfig), Drupal settings.php
# ($databases), generic config.php ($db... / $password).
_PHP_CONFIGS: _Labelled = (
    ("WordPress wp-config.php source", ("DB_PASSWORD",)),
    ("Joomla configuration.php source", ("class JConfig",)),
    ("Drupal settings.php source", ("$databases",)),
    ("PHP configuration source", ("$db",)),
    ("PHP configuration source", ("$password",)),
)


def php_config(sample: Sample) -> str | None:
    text = sample.text
    if "<?php" not in text:
        return None
    return _first_label(text, _PHP_CONFIGS)


# Finder's .DS_Store (the Bud1 buddy-allocator format): magic 00 00 00 01 "Bud1".
def ds_store(sample: Sample) -> str | None:
    return ".DS_Store (names the folder's files)" if sample.body.startswith(b"\x00\x00\x00\x01Bud1") else None


# --- backups and dumps ----------------------------------------------------------------------
# Magic numbers: ZIP (PKWARE APPNOTE.TXT 4.3.7 local header, 4.3.16 empty archive), gzip
# (RFC 1952 2.3.1, deflate), bzip2 ("BZh" + block size), xz (xz file format 2.1.1.1), 7-Zip
# (7zFormat.txt signature header), RAR 4/5 (rarlab technote), POSIX tar ("ustar" at offset 257),
# pg_dump custom format ("PGDMP"), SQL Server backups (Microsoft Tape Format, "TAPE").
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"PK\x03\x04", 0, "ZIP archive"),
    (b"PK\x05\x06", 0, "ZIP archive (empty)"),
    (b"\x1f\x8b\x08", 0, "gzip archive"),
    (b"\xfd7zXZ\x00", 0, "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7-Zip archive"),
    (b"Rar!\x1a\x07", 0, "RAR archive"),
    (b"ustar", 257, "tar archive"),
    (b"PGDMP", 0, "PostgreSQL dump (custom format)"),
    (b"TAPE", 0, "SQL Server backup (MTF)"),
)
_BZIP2 = re.compile(rb"\ABZh[1-9]1AY&SY")
# Plain SQL dumps: the headers mysqldump, mariadb-dump, phpMyAdmin and pg_dump write first.
_DUMP_HEADERS = (
    ("-- MySQL dump", "MySQL dump"),
    ("-- MariaDB dump", "MariaDB dump"),
    ("-- phpMyAdmin SQL Dump", "phpMyAdmin SQL dump"),
    ("-- PostgreSQL database dump", "PostgreSQL dump"),
    ("-- Adminer", "Adminer SQL dump"),
)
_SQL_STATEMENTS = re.compile(r"\b(CREATE TABLE|INSERT INTO|DROP TABLE IF EXISTS)\b", re.IGNORECASE)


def archive(sample: Sample) -> str | None:
    body = sample.body
    for magic, offset, label in _MAGIC:
        if body[offset:offset + len(magic)] == magic:
            return label
    return "bzip2 archive" if _BZIP2.match(body) else None


def sql_dump(sample: Sample) -> str | None:
    if _looks_html(sample):
        return None
    head = sample.text[:4096]
    label = next((label for marker, label in _DUMP_HEADERS if marker.lower() in head.lower()), None)
    if label is not None:
        return label
    kinds = {m.upper() for m in _SQL_STATEMENTS.findall(sample.text)}
    return "SQL statements (database dump)" if len(kinds) >= 2 else None


def backup_file(sample: Sample) -> str | None:
    return archive(sample) or sql_dump(sample)


# --- diagnostics pages ----------------------------------------------------------------------
# PHP's ext/standard/info.c: the page title holds "phpinfo()" and the first heading
# "PHP Version x.y.z".
_PHP_VERSION = re.compile(r"PHP Version\s*(?:</[^>]+>\s*<[^>]+>)?\s*([0-9][0-9.]*)")


def phpinfo(sample: Sample) -> str | None:
    text = sample.text
    if "phpinfo()" not in text or "PHP Version" not in text:
        return None
    found = _PHP_VERSION.search(text)
    return f"phpinfo() page (PHP {found.group(1)})" if found else "phpinfo() page"


# Apache mod_status ("Apache Server Status for"), mod_info ("Apache Server Information"),
# nginx stub_status ("Active connections:" and "server accepts handled requests"), ASP.NET
# trace.axd (System.Web TraceHandler: "Application Trace"), ELMAH ("Error log for", "ELMAH").
_STATUS_PAGES: _Labelled = (
    ("Apache server-status (mod_status)", ("Apache Server Status for",)),
    ("Apache server-info (mod_info)", ("Apache Server Information",)),
    ("nginx stub_status", ("Active connections:", "server accepts handled requests")),
    ("ASP.NET trace.axd", ("Application Trace", "trace.axd")),
    ("ELMAH error log", ("Error log for", "ELMAH")),
)


def status_page(sample: Sample) -> str | None:
    return _first_label(sample.text, _STATUS_PAGES)


# --- directory listings ---------------------------------------------------------------------
# Apache mod_autoindex (modules/generators/mod_autoindex.c): "Index of /dir" title and heading,
# a "Parent Directory" link or the sort links "?C=N;O=D". nginx autoindex
# (ngx_http_autoindex_module.c): "Index of" title and "<hr><pre><a href="../">../</a>". IIS
# directory browsing: "<H1>host - /dir/</H1>", "[To Parent Directory]" and "&lt;dir&gt;" rows.
# Tomcat's DefaultServlet: "Directory Listing For"; Python http.server and lighttpd alike.
_INDEX_TITLE = re.compile(r"<title>\s*Index of /", re.IGNORECASE)
_IIS_ROW = re.compile(r"&lt;dir&gt;\s*<a href=", re.IGNORECASE)


def directory_listing(sample: Sample) -> str | None:
    text = sample.text
    if _INDEX_TITLE.search(text):
        if "?C=N;O=D" in text or "Parent Directory" in text or "<address>Apache" in text:
            return "Apache directory listing (mod_autoindex)"
        if re.search(r'<hr>\s*<pre>\s*<a href="\.\./">\.\./</a>', text, re.IGNORECASE):
            return "nginx directory listing (autoindex)"
        return "directory listing (Index of)"
    if "[To Parent Directory]" in text or _IIS_ROW.search(text):
        return "IIS directory listing (directory browsing)"
    if "Directory Listing For [" in text:
        return "Tomcat directory listing"
    if _has(text, "<title>Directory listing for /"):
        return "directory listing (Python http.server)"
    return None


# --- administration logins ------------------------------------------------------------------
_PASSWORD_INPUT = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)
_ADMIN_WORDS = re.compile(
    r"admin|administrator|qu\u1ea3n tr\u1ecb|qu&#7843;n tr&#7883;|login|log in|sign in|"
    r"\u0111\u0103ng nh\u1eadp|&#273;&#259;ng nh&#7853;p",
    re.IGNORECASE,
)
# Each CMS's own login form: Joomla's mod_login posts option=com_login
# (administrator/modules/mod_login); WordPress wp-login.php's form id "loginform" and button
# "wp-submit"; Drupal's user login form ids user_login (7) / user_login_form (8+); DNN's login
# module controls "dnn_ctr..._Login_..." (DesktopModules/AuthenticationServices/DNN/Login.ascx);
# Liferay's login portlet namespace (_com_liferay_login_web_portlet_LoginPortlet_, portlet 58
# before 7.0); SharePoint's sign-in control (ctl00$PlaceHolderMain$signInControl);
# phpMyAdmin's cookie authentication form (pma_username).
_ADMIN_FORMS: _Labelled = (
    ("Joomla administrator login", ('value="com_login"',)),
    ("WordPress login (wp-login.php)", ('id="loginform"', "wp-submit")),
    ("Drupal user login", ('value="user_login_form"',)),
    ("Drupal user login", ('value="user_login"',)),
    ("DotNetNuke login", ("dnn_ctr", "_Login_")),
    ("Liferay login", ("_com_liferay_login_web_portlet_LoginPortlet_",)),
    ("Liferay login", ("_58_password",)),
    ("SharePoint sign-in", ("signInControl",)),
    ("phpMyAdmin login", ("pma_username",)),
    ("phpMyAdmin login", ("<title>phpMyAdmin",)),
)


def _http_auth(sample: Sample) -> str | None:
    challenge = sample.header("www-authenticate")
    if sample.status != 401 or not challenge:
        return None
    scheme = challenge.split()[0] if challenge.split() else "?"
    if sample.header("microsoftsharepointteamservices") is not None:
        return f"SharePoint sign-in (HTTP {scheme})"
    return f"HTTP {scheme} authentication prompt"


def admin_login(sample: Sample) -> str | None:
    auth = _http_auth(sample)
    if auth is not None:
        return auth
    text = sample.text
    known = _first_label(text, _ADMIN_FORMS)
    if known is not None:
        return known
    if _PASSWORD_INPUT.search(text) and _ADMIN_WORDS.search(sample.utf8):
        return "login form with a password field"
    return None


# --- the probe list -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ProbeSpec:
    """One path to ask for, the check it evidences and the signature that recognises it.

    ``cms``: probed only when the main page shows that CMS, or no CMS was recognised.
    ``follow``: follow in-scope redirects (login pages move around; files do not).
    ``source``: where path discovery found it (``sitemap /sitemap.xml``); "" for the fixed list.
    """

    path: str
    kind: ProbeKind
    signature: Signature
    cms: Cms | None = None
    follow: bool = False
    source: str = ""


# Ordered cheapest evidence first: tiny metadata files, then configuration files, diagnostics
# pages, login pages, directory listings, and archives last (the largest answers).
PROBES: tuple[ProbeSpec, ...] = (
    ProbeSpec("/.git/HEAD", ProbeKind.VCS, git_head),
    ProbeSpec("/.git/config", ProbeKind.VCS, git_config),
    ProbeSpec("/.svn/entries", ProbeKind.VCS, svn_entries),
    ProbeSpec("/.hg/requires", ProbeKind.VCS, hg_requires),
    ProbeSpec("/.svn/wc.db", ProbeKind.VCS, sqlite_db),
    ProbeSpec("/.env", ProbeKind.CONFIG, dotenv),
    ProbeSpec("/.DS_Store", ProbeKind.CONFIG, ds_store),
    ProbeSpec("/web.config", ProbeKind.CONFIG, aspnet_config),
    ProbeSpec("/appsettings.json", ProbeKind.CONFIG, appsettings),
    ProbeSpec("/config.php.bak", ProbeKind.CONFIG, php_config),
    ProbeSpec("/wp-config.php.bak", ProbeKind.CONFIG, php_config, Cms.WORDPRESS),
    ProbeSpec("/configuration.php.bak", ProbeKind.CONFIG, php_config, Cms.JOOMLA),
    ProbeSpec("/server-status", ProbeKind.STATUS, status_page),
    ProbeSpec("/server-info", ProbeKind.STATUS, status_page),
    ProbeSpec("/nginx_status", ProbeKind.STATUS, status_page),
    ProbeSpec("/trace.axd", ProbeKind.STATUS, status_page),
    ProbeSpec("/elmah.axd", ProbeKind.STATUS, status_page),
    ProbeSpec("/phpinfo.php", ProbeKind.PHPINFO, phpinfo),
    ProbeSpec("/info.php", ProbeKind.PHPINFO, phpinfo),
    ProbeSpec("/administrator/", ProbeKind.ADMIN, admin_login, Cms.JOOMLA, follow=True),
    ProbeSpec("/wp-login.php", ProbeKind.ADMIN, admin_login, Cms.WORDPRESS, follow=True),
    ProbeSpec("/user/login", ProbeKind.ADMIN, admin_login, Cms.DRUPAL, follow=True),
    ProbeSpec("/Login.aspx", ProbeKind.ADMIN, admin_login, Cms.DNN, follow=True),
    ProbeSpec("/c/portal/login", ProbeKind.ADMIN, admin_login, Cms.LIFERAY, follow=True),
    ProbeSpec("/_layouts/15/Authenticate.aspx", ProbeKind.ADMIN, admin_login, Cms.SHAREPOINT, follow=True),
    ProbeSpec("/phpmyadmin/", ProbeKind.ADMIN, admin_login, follow=True),
    ProbeSpec("/admin/", ProbeKind.ADMIN, admin_login, follow=True),
)
# Archive names tried at the site root; "{host}" is the portal's host name.
BACKUP_NAMES = ("backup.zip", "backup.sql", "db.sql", "backup.tar.gz", "site.tar.gz", "{host}.zip")
# Upload folders each CMS creates (listing them exposes every uploaded document), and generic ones.
LISTING_DIRS: dict[Cms | None, tuple[str, ...]] = {
    Cms.WORDPRESS: ("/wp-content/uploads/",),
    Cms.JOOMLA: ("/images/",),
    Cms.DRUPAL: ("/sites/default/files/",),
    Cms.DNN: ("/Portals/0/",),
    None: ("/uploads/", "/images/"),
}
MAX_LISTING_DIRS = 3


def plan_probes(cms: Cms | None, host: str, page_dirs: tuple[str, ...] = ()) -> tuple[ProbeSpec, ...]:
    """The probes for one site: CMS-specific ones only for its CMS (all when none is known),
    up to MAX_LISTING_DIRS folders (the page's own asset folders first), then the archives."""
    fixed = [p for p in PROBES if p.cms is None or cms is None or p.cms is cms]
    dirs = list(dict.fromkeys((*page_dirs, *LISTING_DIRS.get(cms, ()), *LISTING_DIRS[None])))
    listing = [ProbeSpec(d, ProbeKind.LISTING, directory_listing) for d in dirs[:MAX_LISTING_DIRS]]
    safe_host = re.sub(r"[^A-Za-z0-9.-]", "", host)
    backups = [ProbeSpec("/" + name.format(host=safe_host), ProbeKind.BACKUP, backup_file)
               for name in BACKUP_NAMES]
    return (*fixed, *listing, *backups)
