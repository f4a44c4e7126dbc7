"""A portal's page and security.txt as facts, with their pure parsers (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin

from canhgac.engine.facts.web import FetchError, WebResponse

MAX_TEXT_CHARS = 200_000


MAX_RESOURCES = 500
MAX_LINKS = 500


# Elements whose text a visitor never sees.
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head", "svg"})


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr", "param"})


# (tag, attribute) pairs that make the browser fetch something, and whether the fetch is
# "active" content (can read or rewrite the page: W3C Mixed Content, section 3) or passive.
_FETCHING: dict[tuple[str, str], bool] = {
    ("script", "src"): True, ("iframe", "src"): True, ("frame", "src"): True,
    ("object", "data"): True, ("embed", "src"): True, ("form", "action"): True,
    ("img", "src"): False, ("audio", "src"): False, ("video", "src"): False,
    ("source", "src"): False, ("video", "poster"): False,
}


_ACTIVE_LINKS = frozenset({"stylesheet", "preload", "modulepreload", "import"})
# the same pairs by tag, in order: a start tag looks up its own (every tag of a page asks)
_FETCHING_BY_TAG: dict[str, tuple[tuple[str, bool], ...]] = {}
for (_tag, _attr), _active in _FETCHING.items():
    _FETCHING_BY_TAG[_tag] = (*_FETCHING_BY_TAG.get(_tag, ()), (_attr, _active))


_SKIPPED_SCHEMES = ("data:", "javascript:", "about:", "blob:", "mailto:", "tel:", "#")


@dataclass(frozen=True, slots=True)
class Subresource:
    tag: str  # script, link, img, iframe, form...
    url: str  # absolute
    active: bool  # W3C Mixed Content: blockable (scripts, styles, frames, forms) vs passive
    integrity: str = ""  # Subresource Integrity metadata, as written
    third_party: bool = False  # another organisation's domain than the page's

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tag": self.tag, "url": self.url[:300]}
        if self.integrity:
            out["integrity"] = self.integrity[:120]
        return out


@dataclass(frozen=True, slots=True)
class PageParse:
    title: str = ""
    text: str = ""  # visible text, whitespace collapsed, capped
    generators: tuple[str, ...] = ()
    resources: tuple[Subresource, ...] = ()
    links: tuple[str, ...] = ()  # the <a href> targets, absolute, without fragment, in order, deduplicated


class _PageParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base_url
        self.title: list[str] = []
        self.text: list[str] = []
        self.text_len = 0
        self.generators: list[str] = []
        self.resources: list[Subresource] = []
        self.links: dict[str, None] = {}
        self.stack: list[str] = []
        self.hidden = 0  # how many of the open elements hide their text (script, style, head...)
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.base, values["href"].strip())
        elif tag == "meta" and values.get("name", "").lower() == "generator" and values.get("content"):
            self.generators.append(values["content"].strip()[:200])
        elif tag == "title":
            self.in_title = True
        elif tag == "a" and len(self.links) < MAX_LINKS:
            href = values.get("href", "").strip()
            if href and not href.lower().startswith(_SKIPPED_SCHEMES):
                self.links[urldefrag(urljoin(self.base, href))[0]] = None
        self._resource(tag, values)
        if tag not in _VOID:
            self.stack.append(tag)
            self.hidden += tag in _HIDDEN

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in self.stack:  # close it and whatever was left open inside it
            while self.stack:
                closed = self.stack.pop()
                self.hidden -= closed in _HIDDEN
                if closed == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.hidden and self.text_len < MAX_TEXT_CHARS:
            self.text.append(data)
            self.text_len += len(data)

    def _resource(self, tag: str, values: dict[str, str]) -> None:
        if len(self.resources) >= MAX_RESOURCES:
            return
        if tag == "link":
            rels = set(values.get("rel", "").lower().split())
            found = [("href", bool(rels & _ACTIVE_LINKS))] if rels & (_ACTIVE_LINKS | {"icon"}) else []
        else:
            found = [(attr, active) for attr, active in _FETCHING_BY_TAG.get(tag, ()) if attr in values]
        for attr, active in found:
            raw = values.get(attr, "").strip()
            if not raw or raw.lower().startswith(_SKIPPED_SCHEMES):
                continue
            url = urljoin(self.base, raw)
            self.resources.append(Subresource(tag, url, active, values.get("integrity", "").strip()))


def parse_page(html: str, base_url: str) -> PageParse:
    """Title, visible text, generators, subresources and links of an HTML page; never raises."""
    parser = _PageParser(base_url)
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's rare internal complaints on garbage
        pass
    text = re.sub(r"\s+", " ", " ".join(parser.text)).strip()[:MAX_TEXT_CHARS]
    title = re.sub(r"\s+", " ", "".join(parser.title)).strip()[:500]
    return PageParse(title, text, tuple(parser.generators), tuple(parser.resources), tuple(parser.links))


# --- security.txt (RFC 9116) ----------------------------------------------------------------
_PGP_HEAD = "-----BEGIN PGP SIGNED MESSAGE-----"


_PGP_SIG = "-----BEGIN PGP SIGNATURE-----"


_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):\s*(.*?)\s*$")


def _unsign(text: str) -> tuple[str, bool]:
    """The cleartext of an OpenPGP cleartext-signed message (RFC 4880 section 7), else text."""
    if _PGP_HEAD not in text:
        return text, False
    body = text.split(_PGP_HEAD, 1)[1]
    body = body.split("\n\n", 1)[1] if "\n\n" in body else ""  # skip the armor headers (Hash: ...)
    body = body.split(_PGP_SIG, 1)[0]
    lines = [line[2:] if line.startswith("- ") else line for line in body.splitlines()]
    return "\n".join(lines), True


def parse_security_txt(text: str) -> tuple[tuple[tuple[str, str], ...], bool]:
    """(field name lower-cased, value) pairs in order, and whether the file was signed."""
    clear, signed = _unsign(text.replace("\r\n", "\n"))
    fields: list[tuple[str, str]] = []
    for line in clear.splitlines()[:1000]:
        if line.lstrip().startswith("#"):
            continue
        found = _FIELD.match(line.strip())
        if found:
            fields.append((found.group(1).lower(), found.group(2)[:500]))
    return tuple(fields), signed


@dataclass(frozen=True, slots=True)
class SecurityTxt:
    url: str
    status: int | None = None
    content_type: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    signed: bool = False
    error: FetchError | None = None  # why there is no answer
    detail: str = ""

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k == name]

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "status": self.status}
        if self.content_type:
            out["content_type"] = self.content_type
        if self.fields:
            out["fields"] = [f"{k}: {v}" for k, v in self.fields[:20]]
        if self.error is not None:
            out["error"] = f"{self.error.value}: {self.detail}"
        return out


def security_txt_of(resp: WebResponse) -> SecurityTxt:
    """The security.txt facts of one answer (its fields only when it is a 200)."""
    if resp.status is None or resp.error is not None:
        return SecurityTxt(resp.url, error=resp.error or FetchError.PROTOCOL, detail=resp.detail)
    content_type = (resp.header("content-type") or "").split(";")[0].strip().lower()
    fields: tuple[tuple[str, str], ...] = ()
    signed = False
    if resp.status == 200:
        fields, signed = parse_security_txt(resp.text())
    return SecurityTxt(resp.url, resp.status, content_type, fields, signed)


# --- the facts ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WebHygieneFacts:
    url: str
    page_url: str = ""  # where the page was finally served from
    status: int | None = None
    error: FetchError | None = None  # why the page could not be read
    detail: str = ""
    page: PageParse = field(default_factory=PageParse)
    security_txt: tuple[SecurityTxt, ...] = ()  # /.well-known/security.txt, then /security.txt
    keywords: tuple[str, ...] = ()  # defacement keywords looked for
    observed_at: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    @property
    def https(self) -> bool:
        return self.page_url.lower().startswith("https://")

    def as_evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "page": self.page_url, "status": self.status}
        if self.error is not None:
            out["error"] = f"{self.error.value}: {self.detail}"
        return out

