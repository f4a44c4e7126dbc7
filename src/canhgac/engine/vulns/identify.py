"""Which components a portal runs, and which versions, from what its main page shows (pure).

Sources and the confidence they give (a version is what advisories are matched against):
- the page's ``generator`` meta: WordPress writes its exact version, Joomla 1.5 its branch
  ("Joomla! 1.5": a version whose patch level is unknown), later Joomla and Drupal nothing or
  a major version only, which identifies without a version: **high**;
- response headers (``Server``, ``X-Powered-By``, ``X-AspNet-Version``, ``X-Generator``,
  ``Liferay-Portal`` with its build number, ``MicrosoftSharePointTeamServices``), versioned
  asset names (``jquery-1.12.4.min.js``), WordPress core assets' ``?ver=`` and Liferay's
  ``b=<build>`` asset parameter: **medium**;
- a banner naming a distribution (``Apache/2.4.41 (Ubuntu)``, ``PHP/7.4.3-4ubuntu2``) and any
  IIS banner: **low** — distributions and Windows Update patch without changing the number, so
  the banner cannot prove a flaw.
Asset paths (``/wp-content/``, ``/media/jui/``, ``/sites/default/files/``, ``/DesktopModules/``,
Liferay's globals...) identify a CMS without a version, and say which version files to read
(:mod:`canhgac.engine.vulns.version_files`).
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
    branch: bool = False  # ``version`` is a major.minor branch, its patch level unknown

    def as_evidence(self) -> dict[str, str]:
        out = {"component": self.name, "confidence": self.confidence.value, "seen": self.evidence}
        if self.version:
            out["version"] = self.version
        if self.branch:
            out["patch_level"] = "unknown"
        return out


def make_component(name: str, version: str, confidence: Confidence, evidence: str, *,
               branch: bool = False) -> Component:
    return Component(name, version, confidence, evidence[:MAX_EVIDENCE], branch)


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
            found.append(make_component(component, match.group(1), confidence, seen))
        elif bare is not None and bare.search(value):
            found.append(make_component(component, "", Confidence.MEDIUM, seen))
    if name == "x-powered-by" and value.strip().upper().startswith("ASP.NET"):
        found.append(make_component(c.ASPNET, "", Confidence.MEDIUM, seen))
    return found


_LIFERAY_CE = re.compile(r"Liferay (?:Community Edition Portal|Portal Community Edition) " + _VERSION, re.I)
_LIFERAY_BUILD = re.compile(r"\bBuild (\d{4})\b")


def liferay_build(build: str) -> tuple[str, bool]:
    """(version, branch) of a Liferay CE build number: 6205 is 6.2.5 (6.2 CE GA6), 7004 is 7.0.4.
    From 7.4 on, GA updates share one build number: only the branch is known."""
    major, minor, patch = int(build[0]), int(build[1]), int(build[2:])
    if (major, minor) >= (7, 4):
        return f"{major}.{minor}", True
    return f"{major}.{minor}.{patch}", False


def _liferay_header(value: str, seen: str) -> Component:
    """``Liferay Portal Community Edition 6.2 CE GA6 (Newton / Build 6205 / ...)``: the build number
    gives the patch level the name leaves out; DXP numbers differ from CE's and give no version."""
    ce = _LIFERAY_CE.search(value)
    if ce is None:
        return make_component(c.LIFERAY, "", Confidence.HIGH, seen)
    build = _LIFERAY_BUILD.search(value)
    if build is not None and build.group(1)[:2] == "".join(ce.group(1).split(".")[:2]):
        version, branch = liferay_build(build.group(1))
        return make_component(c.LIFERAY, version, Confidence.HIGH, seen, branch=branch)
    return make_component(c.LIFERAY, ce.group(1), Confidence.HIGH, seen, branch=ce.group(1).count(".") == 1)


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
            found.append(make_component(c.ASPNET, value.strip(), Confidence.MEDIUM, seen))
        elif (lowered == "x-generator" and "drupal" in value.lower()) or lowered in _DRUPAL_HEADERS:
            found.append(make_component(c.DRUPAL, "", Confidence.MEDIUM, seen))
        elif lowered == "liferay-portal":
            found.append(_liferay_header(value, seen))
        elif lowered == "microsoftsharepointteamservices":
            found.append(make_component(c.SHAREPOINT, value.strip()[:40], Confidence.MEDIUM, seen))
        elif lowered == "set-cookie" and value.split("=", 1)[0].strip().lower() in _DNN_COOKIES:
            found.append(make_component(c.DNN, "", Confidence.MEDIUM, f"{name}: {value.split('=', 1)[0]}"))
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
_WP_ASSET_VER = re.compile(r"/wp-(?:includes|admin)/[^?#]+\?ver=(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PageReading:
    components: tuple[Component, ...]
    cms: tuple[str, ...]  # CMSs whose markers the page carries (version files worth reading)
    jquery_files: tuple[str, ...]  # script URLs of jQuery without a version in the name


_JOOMLA_GENERATOR = re.compile(r"Joomla!?\s+(\d+\.\d+(?:\.\d+)?)\b", re.IGNORECASE)
# Liferay's own script and style URLs carry its build number: /combo?browserId=other&...&b=6205&t=...
_LIFERAY_ASSET_BUILD = re.compile(r"(?:/combo\?|/html/js/|browserId=)[^#]*?(?:[?&]|&amp;)b=(\d{4})(?:&|$)")


def _liferay_assets(sources: Sequence[str]) -> Component | None:
    builds = Counter(m.group(1) for s in sources for m in [_LIFERAY_ASSET_BUILD.search(s)] if m is not None)
    if not builds:
        return None
    build, count = builds.most_common(1)[0]
    version, branch = liferay_build(build)
    return make_component(c.LIFERAY, version, Confidence.MEDIUM, f"Liferay assets b={build} (x{count})",
                      branch=branch)


def _generator(content: str) -> Component | None:
    seen = f'<meta name="generator" content="{content}">'
    lowered = content.lower()
    if lowered.startswith("wordpress"):
        match = re.search(_VERSION, content)
        return make_component(c.WORDPRESS, match.group(1) if match else "", Confidence.HIGH, seen)
    joomla = _JOOMLA_GENERATOR.match(content)
    if joomla is not None:  # Joomla 1.5 wrote its branch ("Joomla! 1.5"), later releases nothing
        version = joomla.group(1)
        return make_component(c.JOOMLA, version, Confidence.HIGH, seen, branch=version.count(".") == 1)
    for name, word in ((c.JOOMLA, "joomla"), (c.DRUPAL, "drupal"), (c.DNN, "dotnetnuke"), (c.DNN, "dnn")):
        if lowered.startswith(word):
            return make_component(name, "", Confidence.HIGH, seen)  # a major version only: no version
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
            found.append(make_component(c.JQUERY, name_match.group(1), Confidence.MEDIUM, f"script {src}"))
            continue
        plain_match = _JQUERY_PLAIN.search(path)
        if plain_match is None:
            continue
        if plain_match.group(1):
            found.append(make_component(c.JQUERY, plain_match.group(1), Confidence.MEDIUM, f"script {src}"))
        else:
            plain.append(src)
    return found, plain


def _wordpress_assets(sources: Sequence[str]) -> Component | None:
    versions = Counter(m.group(1) for s in sources if "jquery" not in s.lower()
                       for m in [_WP_ASSET_VER.search(s)] if m is not None)
    if not versions:
        return None
    version, count = versions.most_common(1)[0]
    seen = f"WordPress core assets ?ver={version} (x{count})"
    return make_component(c.WORDPRESS, version, Confidence.MEDIUM, seen)


def from_html(html: str) -> PageReading:
    """Components and CMS markers in a page's HTML."""
    text = html[:SCAN_CHARS]
    found = [g for g in (_generator(v) for v in generators(text)) if g is not None]
    sources = _SRC.findall(text)
    cms = [name for name, marker in _CMS_MARKERS if marker.search(text)]
    found += [make_component(name, "", Confidence.MEDIUM, f"page markers of {name}") for name in cms]
    jquery, plain = _jquery(sources)
    wordpress = _wordpress_assets(sources)
    liferay = _liferay_assets(sources) if c.LIFERAY in cms else None
    found += jquery + [comp for comp in (wordpress, liferay) if comp is not None]
    cms += [comp.name for comp in found if comp.name in (c.WORDPRESS, c.JOOMLA, c.DRUPAL, c.DNN, c.LIFERAY)]
    return PageReading(tuple(found), tuple(dict.fromkeys(cms)), tuple(dict.fromkeys(plain)))


def merge(found: Iterable[Component]) -> tuple[Component, ...]:
    """One component per name: a version beats none, a full version a branch, then the higher
    confidence, then first seen."""
    best: dict[str, Component] = {}
    for comp in found:
        known = best.get(comp.name)
        if known is None or _weight(comp) > _weight(known):
            best[comp.name] = comp
    return tuple(sorted(best.values(), key=lambda x: x.name))


def _weight(comp: Component) -> tuple[bool, bool, int]:
    return bool(comp.version), not comp.branch, comp.confidence.rank
