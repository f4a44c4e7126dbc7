"""Which components a portal runs, and which versions, from what it already shows (pure).

Sources and the confidence they give (a version is what advisories are matched against):
- version files the CMS ships — Joomla ``administrator/manifests/files/joomla.xml``, Drupal 7
  ``CHANGELOG.txt``, WordPress ``readme.html``, a local jQuery file's banner: **high**, each
  recognised by its content, never by status alone;
- the page's ``generator`` meta (WordPress writes its exact version): **high**; Joomla and
  Drupal write only a branch or a major version, which identifies without a version;
- response headers (``Server``, ``X-Powered-By``, ``X-AspNet-Version``, ``X-Generator``,
  ``Liferay-Portal``, ``MicrosoftSharePointTeamServices``) and versioned asset names
  (``jquery-1.12.4.min.js``, WordPress ``?ver=``): **medium**;
- a banner naming a distribution (``Apache/2.4.41 (Ubuntu)``, ``PHP/7.4.3-4ubuntu2``) and any
  IIS banner: **low** — distributions and Windows Update patch without changing the number, so
  the banner cannot prove a flaw; Drupal 8+ ``core/CHANGELOG.txt`` (only minor releases): low.
Asset paths (``/wp-content/``, ``/media/jui/``, ``/sites/default/files/``, ``/DesktopModules/``,
Liferay's ``/o/``...) identify a CMS without a version, and say which version file to read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from canhgac.engine.vulns import components as c

MAX_EVIDENCE = 200
SCAN_CHARS = 1_000_000  # HTML beyond this is not searched (bounded regex work)


class Confidence(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 2, "medium": 1, "low": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Component:
    name: str  # canonical (canhgac.engine.vulns.components)
    version: str  # "" when unknown
    confidence: Confidence
    evidence: str  # what was seen, where

    def as_evidence(self) -> dict[str, str]:
        out = {"component": self.name, "confidence": self.confidence.value, "seen": self.evidence}
        if self.version:
            out["version"] = self.version
        return out


def _component(name: str, version: str, confidence: Confidence, evidence: str) -> Component:
    return Component(name, version, confidence, evidence[:MAX_EVIDENCE])


_VERSION = r"(\d+\.\d+(?:\.\d+){0,3})"
_DISTRO = re.compile(r"ubuntu|debian|deb\d|centos|red ?hat|rhel|\.el\d|fedora|suse|amazon|oracle|alma|rocky",
                     re.IGNORECASE)
_SERVER_TOKENS = (
    (c.APACHE, re.compile(r"\bApache/" + _VERSION, re.IGNORECASE), re.compile(r"^Apache\b", re.IGNORECASE)),
    (c.NGINX, re.compile(r"\bnginx/" + _VERSION, re.IGNORECASE), re.compile(r"^nginx\b", re.IGNORECASE)),
    (c.IIS, re.compile(r"\bMicrosoft-IIS/" + _VERSION, re.IGNORECASE), re.compile(r"^Microsoft-IIS", re.I)),
    (c.PHP, re.compile(r"\bPHP/" + _VERSION + r"([^\s,;]*)", re.IGNORECASE), None),
)


def _banner(name: str, header: str, value: str) -> list[Component]:
    """Components announced by one Server/X-Powered-By value."""
    found: list[Component] = []
    seen = f"{header}: {value}"
    for component, versioned, bare in _SERVER_TOKENS:
        match = versioned.search(value)
        if match is not None:
            qualified = bool(_DISTRO.search(value)) or component == c.IIS
            confidence = Confidence.LOW if qualified else Confidence.MEDIUM
            found.append(_component(component, match.group(1), confidence, seen))
        elif bare is not None and bare.search(value):
            found.append(_component(component, "", Confidence.MEDIUM, seen))
    if name == "x-powered-by" and value.strip().upper().startswith("ASP.NET"):
        found.append(_component(c.ASPNET, "", Confidence.MEDIUM, seen))
    return found


_LIFERAY_CE = re.compile(r"Liferay (?:Community Edition Portal|Portal Community Edition) " + _VERSION, re.I)
_DRUPAL_HEADERS = ("x-drupal-cache", "x-drupal-dynamic-cache")
_DNN_COOKIES = ("dnnpersonalization", ".dotnetnuke", "dnn_ismobile")


def from_headers(headers: Sequence[tuple[str, str]]) -> list[Component]:
    """Components announced in response headers (names lower-cased)."""
    found: list[Component] = []
    for name, value in headers:
        lowered = name.lower()
        seen = f"{name}: {value}"
        if lowered in ("server", "x-powered-by"):
            found += _banner(lowered, name, value)
        elif lowered == "x-aspnet-version" and re.match(_VERSION, value.strip()):
            found.append(_component(c.ASPNET, value.strip(), Confidence.MEDIUM, seen))
        elif (lowered == "x-generator" and "drupal" in value.lower()) or lowered in _DRUPAL_HEADERS:
            found.append(_component(c.DRUPAL, "", Confidence.MEDIUM, seen))
        elif lowered == "liferay-portal":
            ce = _LIFERAY_CE.search(value)
            found.append(_component(c.LIFERAY, ce.group(1) if ce else "", Confidence.HIGH, seen))
        elif lowered == "microsoftsharepointteamservices":
            found.append(_component(c.SHAREPOINT, value.strip()[:40], Confidence.MEDIUM, seen))
        elif lowered == "set-cookie" and value.split("=", 1)[0].strip().lower() in _DNN_COOKIES:
            found.append(_component(c.DNN, "", Confidence.MEDIUM, f"{name}: {value.split('=', 1)[0]}"))
    return found


# --- HTML ---------------------------------------------------------------------------------

_META = re.compile(r"<meta\b[^<>]{0,2000}>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_SRC = re.compile(r"""<(?:script|link)\b[^<>]{0,1000}?\b(?:src|href)\s*=\s*["']([^"'<>]{1,500})["']""",
                  re.IGNORECASE)
_CMS_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (c.WORDPRESS, re.compile(r"/wp-(?:content|includes)/", re.IGNORECASE)),
    (c.JOOMLA, re.compile(r"/media/(?:jui|system/js|templates/site)/|joomla-script-options|/components/com_",
                          re.IGNORECASE)),
    (c.DRUPAL, re.compile(r"/sites/(?:default|all)/(?:files|modules|themes)/|/(?:core/)?misc/drupal\.js|"
                          r"Drupal\.settings|data-drupal-", re.IGNORECASE)),
    (c.DNN, re.compile(r"/DesktopModules/|/js/dnncore\.js|<!-- DNN Platform|dnn_ContentPane|"
                       r"/Portals/_default/", re.IGNORECASE)),
    # Liferay pages define these globals (its assets live under /o/, too common a path alone)
    (c.LIFERAY, re.compile(r"Liferay\.(?:ThemeDisplay|Language|authToken|Session|Util)\b")),
    (c.SHAREPOINT, re.compile(r"/_layouts/15/", re.IGNORECASE)),
)
_JQUERY_NAME = re.compile(r"(?:^|/)jquery[-.]?" + r"(\d+\.\d+(?:\.\d+)?)" + r"(?:[.-](?:min|slim|pack))*\.js",
                          re.IGNORECASE)
_JQUERY_CDN = re.compile(r"/jquery/(\d+\.\d+(?:\.\d+)?)/jquery(?:\.slim)?(?:\.min)?\.js", re.IGNORECASE)
_JQUERY_PLAIN = re.compile(r"(?:^|/)jquery(?:\.slim)?(?:\.min)?\.js(?:\?(?:ver|v)=(\d+\.\d+(?:\.\d+)?))?$",
                           re.IGNORECASE)
_WP_ASSET_VER = re.compile(r"/wp-includes/[^?#]+\?ver=(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PageReading:
    components: tuple[Component, ...]
    cms: tuple[str, ...]  # CMSs whose markers the page carries (version files worth reading)
    jquery_files: tuple[str, ...]  # script URLs of jQuery without a version in the name


def _generator(content: str) -> Component | None:
    seen = f'<meta name="generator" content="{content}">'
    lowered = content.lower()
    if lowered.startswith("wordpress"):
        match = re.search(_VERSION, content)
        return _component(c.WORDPRESS, match.group(1) if match else "", Confidence.HIGH, seen)
    for name, word in ((c.JOOMLA, "joomla"), (c.DRUPAL, "drupal"), (c.DNN, "dotnetnuke"), (c.DNN, "dnn")):
        if lowered.startswith(word):
            return _component(name, "", Confidence.HIGH, seen)  # branch/major only: no version
    return None


def generators(html: str) -> list[str]:
    found: list[str] = []
    for tag in _META.findall(html):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                 for m in _ATTR.finditer(tag)}
        if attrs.get("name", "").lower() == "generator" and attrs.get("content"):
            found.append(attrs["content"].strip())
    return found


def _jquery(sources: Iterable[str]) -> tuple[list[Component], list[str]]:
    found: list[Component] = []
    plain: list[str] = []
    for src in sources:
        path = src.split("#", 1)[0]
        name_match = _JQUERY_NAME.search(path.split("?", 1)[0]) or _JQUERY_CDN.search(path)
        if name_match is not None:
            found.append(_component(c.JQUERY, name_match.group(1), Confidence.MEDIUM, f"script {src}"))
            continue
        plain_match = _JQUERY_PLAIN.search(path)
        if plain_match is None:
            continue
        if plain_match.group(1):
            found.append(_component(c.JQUERY, plain_match.group(1), Confidence.MEDIUM, f"script {src}"))
        else:
            plain.append(src)
    return found, plain


def _wordpress_assets(sources: Sequence[str]) -> Component | None:
    versions = Counter(m.group(1) for s in sources if "jquery" not in s.lower()
                       for m in [_WP_ASSET_VER.search(s)] if m is not None)
    if not versions:
        return None
    version, count = versions.most_common(1)[0]
    seen = f"/wp-includes/ assets ?ver={version} (x{count})"
    return _component(c.WORDPRESS, version, Confidence.MEDIUM, seen)


def from_html(html: str) -> PageReading:
    """Components and CMS markers in a page's HTML."""
    text = html[:SCAN_CHARS]
    found = [g for g in (_generator(v) for v in generators(text)) if g is not None]
    sources = _SRC.findall(text)
    cms = [name for name, marker in _CMS_MARKERS if marker.search(text)]
    found += [_component(name, "", Confidence.MEDIUM, f"page markers of {name}") for name in cms]
    jquery, plain = _jquery(sources)
    wordpress = _wordpress_assets(sources)
    found += jquery + ([wordpress] if wordpress is not None else [])
    cms += [comp.name for comp in found if comp.name in (c.WORDPRESS, c.JOOMLA, c.DRUPAL, c.DNN, c.LIFERAY)]
    return PageReading(tuple(found), tuple(dict.fromkeys(cms)), tuple(dict.fromkeys(plain)))


# --- version files ------------------------------------------------------------------------

_JOOMLA_VERSION = re.compile(r"<version>\s*" + _VERSION + r"[^<]{0,40}</version>", re.IGNORECASE)
_DRUPAL_LINE = re.compile(r"^Drupal (\d+\.\d+(?:\.\d+)?)(?:-[a-z0-9.]+)?, \d{4}-\d{2}-\d{2}", re.MULTILINE)
_WP_README = re.compile(r"<br\s*/?>\s*version\s+(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)
_JQUERY_BANNER = re.compile(r"/\*!?\s*jQuery (?:JavaScript Library )?v(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)


def joomla_manifest(text: str, where: str) -> Component | None:
    """``joomla.xml``: an <extension> named files_joomla, with its <version>."""
    lowered = text[:20000].lower()
    if "<extension" not in lowered or "files_joomla" not in lowered:
        return None
    match = _JOOMLA_VERSION.search(text[:20000])
    return _component(c.JOOMLA, match.group(1) if match else "", Confidence.HIGH, f"{where}")


def drupal_changelog(text: str, where: str, *, core: bool) -> Component | None:
    """``CHANGELOG.txt``: the newest "Drupal X.Y, YYYY-MM-DD" line (first in the file)."""
    match = _DRUPAL_LINE.search(text[:20000])
    if match is None:
        return None
    confidence = Confidence.LOW if core else Confidence.HIGH
    return _component(c.DRUPAL, match.group(1), confidence, f"{where}: {match.group(0)}")


def wordpress_readme(text: str, where: str) -> Component | None:
    head = text[:20000]
    if "wordpress" not in head.lower():
        return None
    match = _WP_README.search(head)
    if match is None:
        return None
    return _component(c.WORDPRESS, match.group(1), Confidence.HIGH, f"{where}: {match.group(0)}")


def jquery_banner(text: str, where: str) -> Component | None:
    match = _JQUERY_BANNER.search(text[:2000])
    if match is None:
        return None
    return _component(c.JQUERY, match.group(1), Confidence.HIGH, f"{where}: {match.group(0)}")


def dnn_license(text: str, where: str) -> Component | None:
    head = text[:5000].lower()
    if ("dotnetnuke" in head or "dnn corp" in head) and "copyright" in head:
        return _component(c.DNN, "", Confidence.HIGH, where)
    return None


def merge(found: Iterable[Component]) -> tuple[Component, ...]:
    """One component per name: a version beats none, then the higher confidence, then first seen."""
    best: dict[str, Component] = {}
    for comp in found:
        known = best.get(comp.name)
        if known is None or _weight(comp) > _weight(known):
            best[comp.name] = comp
    return tuple(sorted(best.values(), key=lambda x: x.name))


def _weight(comp: Component) -> tuple[bool, int]:
    return bool(comp.version), comp.confidence.rank
