"""The files a CMS ships that tell its version, and how to read each one (pure).

Read only for a CMS the main page shows (:func:`canhgac.engine.vulns.identify.from_html`), each
recognised by its content, never by its status alone:
- Joomla 1.6+ ``administrator/manifests/files/joomla.xml`` (``<version>`` of files_joomla): high;
  the site language ``language/en-GB/en-GB.xml`` (``<metafile>``, its ``<version>``, or in
  Joomla 1.5 only the branch in ``<metafile version="1.5">``): medium — the core language
  pack is updated with the core, but can be replaced on its own;
- Drupal 7 ``CHANGELOG.txt``: high; Drupal 8+ ``core/CHANGELOG.txt`` (minor releases only): low;
- WordPress ``readme.html`` (up to 3.x: "Version 4.7.1"-style line) and the ``feed/`` RSS
  ``<generator>https://wordpress.org/?v=X</generator>``: high;
- DNN ``Documentation/License.txt`` and ``js/dnn.js`` (the client API DNN pages load): they
  identify DNN, no version (DNN publishes none in a file a visitor may read);
- Liferay ``api/jsonws`` (the JSON web services catalogue): identifies Liferay, and its asset
  links give the build number when it shows them;
- a local jQuery file's banner (``/*! jQuery v1.12.4``): high.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from canhgac.engine.vulns import components as c
from canhgac.engine.vulns.identify import Component, Confidence, from_html, make_component

Reader = Callable[[str, str], Component | None]
HEAD = 20000  # every marker is in a file's first bytes

_VERSION = r"(\d+\.\d+(?:\.\d+){0,2})"
_JOOMLA_VERSION = re.compile(r"<version>\s*" + _VERSION + r"[^<]{0,40}</version>", re.IGNORECASE)
_METAFILE_BRANCH = re.compile(r"<metafile\b[^>]{0,200}\bversion\s*=\s*[\"'](\d+\.\d+)[\"']", re.IGNORECASE)
_DRUPAL_LINE = re.compile(r"^Drupal (\d+\.\d+(?:\.\d+)?)(?:-[a-z0-9.]+)?, \d{4}-\d{2}-\d{2}", re.MULTILINE)
_WP_README = re.compile(r"<br\s*/?>\s*version\s+(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)
_WP_FEED = re.compile(r"<generator>\s*https?://wordpress\.org/\?v=(\d+\.\d+(?:\.\d+)?)\s*</generator>",
                      re.IGNORECASE)
_JQUERY_BANNER = re.compile(r"/\*!?\s*jQuery (?:JavaScript Library )?v(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)


def joomla_manifest(text: str, where: str) -> Component | None:
    """``joomla.xml``: an <extension> named files_joomla, with its <version>."""
    lowered = text[:HEAD].lower()
    if "<extension" not in lowered or "files_joomla" not in lowered:
        return None
    match = _JOOMLA_VERSION.search(text[:HEAD])
    return make_component(c.JOOMLA, match.group(1) if match else "", Confidence.HIGH, where)


def joomla_language(text: str, where: str) -> Component | None:
    """``en-GB.xml``: a language <metafile> with its <version>, else the branch of the metafile."""
    head = text[:HEAD]
    if "<metafile" not in head.lower():
        return None
    match = _JOOMLA_VERSION.search(head)
    if match is not None:
        seen = f"{where}: <version>{match.group(1)}"
        return make_component(c.JOOMLA, match.group(1), Confidence.MEDIUM, seen)
    branch = _METAFILE_BRANCH.search(head)
    if branch is not None:
        return make_component(c.JOOMLA, branch.group(1), Confidence.MEDIUM, f"{where}: {branch.group(0)}",
                          branch=True)
    return make_component(c.JOOMLA, "", Confidence.MEDIUM, where)


def drupal_changelog(text: str, where: str, *, core: bool) -> Component | None:
    """``CHANGELOG.txt``: the newest "Drupal X.Y, YYYY-MM-DD" line (first in the file)."""
    match = _DRUPAL_LINE.search(text[:HEAD])
    if match is None:
        return None
    confidence = Confidence.LOW if core else Confidence.HIGH
    return make_component(c.DRUPAL, match.group(1), confidence, f"{where}: {match.group(0)}")


def wordpress_readme(text: str, where: str) -> Component | None:
    head = text[:HEAD]
    if "wordpress" not in head.lower():
        return None
    match = _WP_README.search(head)
    if match is None:
        return None
    return make_component(c.WORDPRESS, match.group(1), Confidence.HIGH, f"{where}: {match.group(0)}")


def wordpress_feed(text: str, where: str) -> Component | None:
    """The RSS feed's ``<generator>https://wordpress.org/?v=5.8.1</generator>``."""
    match = _WP_FEED.search(text[:HEAD])
    if match is None:
        return None
    return make_component(c.WORDPRESS, match.group(1), Confidence.HIGH, f"{where}: {match.group(0)}")


def jquery_banner(text: str, where: str) -> Component | None:
    match = _JQUERY_BANNER.search(text[:2000])
    if match is None:
        return None
    return make_component(c.JQUERY, match.group(1), Confidence.HIGH, f"{where}: {match.group(0)}")


def dnn_license(text: str, where: str) -> Component | None:
    head = text[:5000].lower()
    if ("dotnetnuke" in head or "dnn corp" in head) and "copyright" in head:
        return make_component(c.DNN, "", Confidence.HIGH, where)
    return None


def dnn_script(text: str, where: str) -> Component | None:
    """``js/dnn.js``: DNN's client API defines ``__dnn_m_aNamespaces`` and ``dnn.apiversion``."""
    head = text[:HEAD]
    if "__dnn_m_aNamespaces" in head or re.search(r"\bapiversion\s*:\s*new Number", head):
        return make_component(c.DNN, "", Confidence.HIGH, f"{where}: DNN client API")
    return None


def liferay_jsonws(text: str, where: str) -> Component | None:
    """``api/jsonws``: Liferay's JSON web services catalogue, with the build of its assets."""
    head = text[:HEAD * 5]
    if "jsonws" not in head.lower() or "liferay" not in head.lower():
        return None
    versioned = next((comp for comp in from_html(head).components if comp.name == c.LIFERAY and comp.version),
                     None)
    if versioned is not None:
        seen = f"{where}: {versioned.evidence}"
        return make_component(c.LIFERAY, versioned.version, Confidence.MEDIUM, seen, branch=versioned.branch)
    return make_component(c.LIFERAY, "", Confidence.HIGH, f"{where}: JSON web services catalogue")


def _drupal(core: bool) -> Reader:
    return lambda text, where: drupal_changelog(text, where, core=core)


# Per CMS, the files to read (relative to the page's folder), most telling first.
VERSION_FILES: dict[str, tuple[tuple[str, Reader], ...]] = {
    c.JOOMLA: (("administrator/manifests/files/joomla.xml", joomla_manifest),
               ("language/en-GB/en-GB.xml", joomla_language)),
    c.DRUPAL: (("CHANGELOG.txt", _drupal(False)), ("core/CHANGELOG.txt", _drupal(True))),
    c.WORDPRESS: (("readme.html", wordpress_readme), ("feed/", wordpress_feed)),
    c.DNN: (("Documentation/License.txt", dnn_license), ("js/dnn.js", dnn_script)),
    c.LIFERAY: (("api/jsonws", liferay_jsonws),),
}
