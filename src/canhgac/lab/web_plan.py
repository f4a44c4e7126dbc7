"""The plan of the demo province's web portals: one per agency, and the findings each must cause.

Agency N's portal is ``https://www.<domain>/`` on 127.46.N.1 (ports 443 and 80). The control
(STTTT) plants nothing; every other portal is the same faultless site with the cases of its
:class:`PortalPlan` switched on, so a scan's web findings must be exactly :data:`EXPECTED`.
:func:`dns_additions` gives the zones the portals' names. The sites themselves are
:mod:`canhgac.lab.web_lab` (answers) and :mod:`canhgac.lab.web_pages` (bodies).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from canhgac.lab.names import ORG

PORTS = {"https": 443, "http": 80}


class Plant(StrEnum):
    """A planted case (the findings each one causes are listed in :data:`EXPECTED`)."""

    SOFT_404 = "soft-404"  # 200 with the home page for every unknown path: must yield nothing
    JOOMLA = "joomla-4.2.7"  # generator meta, the manifest with 4.2.7, /administrator/ login
    JOOMLA_15 = "joomla-1.5"  # generator "Joomla! 1.5"; only /language/en-GB/en-GB.xml says 1.5.26
    WORDPRESS_ASSETS = "wordpress-4.7.1-assets"  # no generator: core assets' ?ver=4.7.1 tell it
    DNN = "dnn"  # a DNN site that shows no version: identified, never judged (not applicable)
    GIT = "git"  # /.git/HEAD and /.git/config served
    LISTING = "directory-listing"  # /uploads/ is an Apache "Index of" page
    DEFACED = "defaced"  # the home page carries a defacer's page
    NO_REDIRECT = "no-https-redirect"  # http:// serves the site instead of redirecting
    NO_HSTS = "no-hsts"
    NO_HEADERS = "no-security-headers"  # no CSP, X-Frame-Options, X-Content-Type-Options
    WEAK_COOKIE = "weak-cookie"  # session cookie without Secure, HttpOnly, SameSite
    CORS = "cors-any-origin"  # echoes any Origin with Allow-Credentials: true
    TRACE = "trace"  # TRACE echoes the request; OPTIONS advertises it
    PHPINFO = "phpinfo"  # /phpinfo.php
    SERVER_STATUS = "server-status"  # Apache /server-status
    BACKUP = "backup-zip"  # /backup.zip, a real zip archive
    ENV = "env-file"  # /.env with database credentials
    OLD_APACHE = "apache-2.4.49"  # Server: Apache/2.4.49 (Unix), CVE-2021-41773
    MIXED = "mixed-content"  # a script loaded over http://
    NO_SRI = "third-party-without-sri"  # an external script without integrity=
    SECTXT_EXPIRED = "security-txt-expired"
    CERT_EXPIRED = "cert-expired"
    # TLS 1.3 and ECDHE-AEAD by default, plus static-RSA AES128-SHA under TLS 1.2 (issue 11)
    STATIC_RSA = "static-rsa-extra-suite"
    # Exposures no page links to, reached only by path discovery (issue 11):
    # robots.txt names a sitemap index, whose gzip sitemap names a file in /ho-so-luu-tru/, a listing
    SITEMAP_LISTING = "sitemap-listing"
    VANBAN_LISTING = "vanban-listing"  # /vanban/ is a Tomcat listing: its common name is all that leads there
    ROBOTS_BACKUP = "robots-backup"  # robots.txt disallows /sao-luu/csdl-congthongtin-2023.sql, a MySQL dump


STATIC_RSA_EXTRA_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:AES128-SHA"


@dataclass(frozen=True)
class PortalPlan:
    """One site: its name, address, page kind and planted cases (none: faultless)."""

    number: int
    host: str
    name: str  # the agency, as the page shows it
    plants: frozenset[Plant] = frozenset()
    address: str = ""
    session_cookie: str = "PHPSESSID"
    webmail: bool = False

    @property
    def url(self) -> str:
        return f"https://{self.host}/"

    @property
    def domain(self) -> str:
        return self.host.split(".", 1)[1]


def _portal(number: int, domain: str, name: str, *plants: Plant, cookie: str = "PHPSESSID") -> PortalPlan:
    return PortalPlan(number, f"www.{domain}", name, frozenset(plants), f"127.46.{number}.1", cookie)


def _d(label: str) -> str:
    return f"{label}.{ORG}" if label else ORG


PORTALS: tuple[PortalPlan, ...] = (
    _portal(
        1, ORG, "Ủy ban nhân dân tỉnh Kiên Giang", Plant.JOOMLA, cookie="9d4bb4a09f511681369671a08beff228"
    ),  # Joomla names its session cookie by a hash
    _portal(2, _d("stttt"), "Sở Thông tin và Truyền thông"),  # the control
    _portal(3, _d("soyte"), "Sở Y tế", Plant.GIT, Plant.LISTING),
    _portal(4, _d("sogddt"), "Sở Giáo dục và Đào tạo", Plant.DEFACED, Plant.SECTXT_EXPIRED),
    _portal(5, _d("snv"), "Sở Nội vụ", Plant.NO_REDIRECT, Plant.NO_HSTS, Plant.NO_SRI, Plant.ROBOTS_BACKUP),
    _portal(
        6,
        _d("stc"),
        "Sở Tài chính",
        Plant.NO_HEADERS,
        Plant.WEAK_COOKIE,
        Plant.DNN,
        cookie="ASP.NET_SessionId",
    ),
    _portal(
        7,
        _d("phuquoc"),
        "Ủy ban nhân dân thành phố Phú Quốc",
        Plant.CORS,
        Plant.TRACE,
        Plant.VANBAN_LISTING,
        cookie="JSESSIONID",
    ),
    _portal(
        8,
        _d("rachgia"),
        "Ủy ban nhân dân thành phố Rạch Giá",
        Plant.PHPINFO,
        Plant.SERVER_STATUS,
        Plant.JOOMLA_15,
        Plant.STATIC_RSA,
    ),
    _portal(9, _d("bqlkkt"), "Ban Quản lý Khu kinh tế", Plant.BACKUP, Plant.ENV, Plant.WORDPRESS_ASSETS),
    _portal(
        10, _d("congbao"), "Công báo tỉnh Kiên Giang", Plant.OLD_APACHE, Plant.MIXED, Plant.SITEMAP_LISTING
    ),
    _portal(11, _d("vinhthuan"), "Ủy ban nhân dân xã Vĩnh Thuận", Plant.SOFT_404),
    _portal(12, "baokiengiang.test", "Báo Kiên Giang", Plant.CERT_EXPIRED),
)
CONTROL_URL = f"https://www.{_d('stttt')}/"

# Findings a scan of the portals must report, and no others. Assumptions for the checks' authors:
# the Joomla generator meta (no version) counts as disclosure; the same-host http:// script on
# congbao is mixed content, not a third-party script; an expired certificate fails only
# web.tls.cert-expired (content checks still run or error); soft-404 answers yield nothing.
EXPECTED: tuple[tuple[str, str], ...] = (
    ("web.components.vulnerable", f"https://www.{ORG}/"),  # Joomla 4.2.7: CVE-2023-23752
    ("web.exposure.admin", f"https://www.{ORG}/"),
    # the generator tag names Joomla without a version (as Joomla 4 sends it): not a disclosure
    ("web.exposure.vcs", f"https://www.{_d('soyte')}/"),
    ("web.exposure.directory-listing", f"https://www.{_d('soyte')}/"),
    ("web.defacement", f"https://www.{_d('sogddt')}/"),
    ("web.security-txt", f"https://www.{_d('sogddt')}/"),
    ("web.https.redirect", f"https://www.{_d('snv')}/"),
    ("web.hsts", f"https://www.{_d('snv')}/"),
    ("web.third-party-scripts", f"https://www.{_d('snv')}/"),
    ("web.exposure.backup", f"https://www.{_d('snv')}/"),  # named only by robots.txt
    ("web.headers.csp", f"https://www.{_d('stc')}/"),
    ("web.headers.frame", f"https://www.{_d('stc')}/"),
    ("web.headers.content-type-options", f"https://www.{_d('stc')}/"),
    ("web.cookies.flags", f"https://www.{_d('stc')}/"),
    ("web.cors.credentials", f"https://www.{_d('phuquoc')}/"),
    ("web.methods.risky", f"https://www.{_d('phuquoc')}/"),
    ("web.exposure.directory-listing", f"https://www.{_d('phuquoc')}/"),  # /vanban/, by its common name
    ("web.exposure.phpinfo", f"https://www.{_d('rachgia')}/"),
    ("web.exposure.server-status", f"https://www.{_d('rachgia')}/"),
    ("web.components.vulnerable", f"https://www.{_d('rachgia')}/"),  # Joomla 1.5.26: CVE-2015-8562
    ("web.disclosure.version", f"https://www.{_d('rachgia')}/"),  # generator "Joomla! 1.5"
    # every accepted suite is judged: AES128-SHA is static RSA (no forward secrecy) and CBC-SHA1
    ("web.tls.forward-secrecy", f"https://www.{_d('rachgia')}/"),
    ("web.tls.ciphers", f"https://www.{_d('rachgia')}/"),
    ("web.exposure.backup", f"https://www.{_d('bqlkkt')}/"),
    ("web.exposure.config", f"https://www.{_d('bqlkkt')}/"),
    ("web.components.vulnerable", f"https://www.{_d('bqlkkt')}/"),  # WordPress 4.7.1: CVE-2017-1001000
    ("web.components.vulnerable", f"https://www.{_d('congbao')}/"),  # Apache 2.4.49: CVE-2021-41773
    ("web.disclosure.version", f"https://www.{_d('congbao')}/"),
    ("web.mixed-content", f"https://www.{_d('congbao')}/"),
    ("web.exposure.directory-listing", f"https://www.{_d('congbao')}/"),  # named only in a sitemap
    ("web.tls.cert-expired", "https://www.baokiengiang.test/"),
    # Not planted on the server: baokiengiang.test has no CAA anywhere up its tree (province.py).
    ("web.caa", "https://www.baokiengiang.test/"),
)

Records = dict[tuple[str, str], list[str]]


def dns_additions(zone_head: Callable[[str, list[tuple[str, str]]], Records]) -> dict[str, Records]:
    """Records to add (zone origin -> records): ``www.<domain>`` A records for every portal.

    ``zone_head`` is accepted for symmetry with :func:`canhgac.lab.mail_lab.dns_additions`;
    every record belongs to an agency zone that already exists.
    """
    additions: dict[str, Records] = {}
    for plan in PORTALS:
        additions.setdefault(plan.domain, {})[(f"{plan.host}.", "A")] = [plan.address]
    return additions
