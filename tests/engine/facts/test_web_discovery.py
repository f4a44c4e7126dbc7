"""Path discovery's pure parsers: robots.txt, sitemaps (index, gzip), page links, candidate paths
and the fair choice among sources; hostile input (bombs, garbage, endless entries) stays bounded."""

from __future__ import annotations

import gzip
import time

import pytest

from canhgac.engine.facts.web_discovery import (
    COMMON_FOLDERS,
    MAX_LINKS,
    MAX_ROBOTS_LINES,
    MAX_SITEMAP_BYTES,
    MAX_SITEMAP_LOCS,
    Candidate,
    DiscoveryRead,
    PathDiscovery,
    Source,
    clean_path,
    common_folders,
    file_probe,
    interleave,
    looks_like_page,
    page_links,
    parse_robots,
    parse_sitemap,
    path_candidates,
    probe_spec,
    robots_path,
    same_host_path,
    unique,
)
from canhgac.engine.web.signatures import ProbeKind, Sample

HOST = "www.soyte.gov.test"
URLSET = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://www.soyte.gov.test/</loc><lastmod>2024-05-01</lastmod></url>
  <url><loc>
      https://www.soyte.gov.test/tin-tuc/chuyen-doi-so.html?id=1&amp;lang=vi
  </loc></url>
  <url><loc>https://www.soyte.gov.test/ho-so/2024/ke-hoach.pdf</loc></url>
  <url><loc>https://cdn.other.test/ho-so-khac/</loc></url>
</urlset>
"""
INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sm:sitemap><sm:loc>https://www.soyte.gov.test/sitemap-1.xml.gz</sm:loc></sm:sitemap>
</sm:sitemapindex>
"""


def paths(found: list[Candidate] | tuple[Candidate, ...]) -> list[tuple[str, ProbeKind]]:
    return [(c.path, c.kind) for c in found]


# --- robots.txt -----------------------------------------------------------------------------


def test_robots_disallow_and_allow_lines_are_candidates_and_sitemaps_are_kept() -> None:
    text = ("# robots.txt của Sở Y tế\nUser-agent: *\nDisallow: /quan-tri/\nDisallow: /*.php$\n"
            "disallow:/tailieu-noibo   # không cho tìm kiếm\nAllow: /wp-admin/admin-ajax.php\n"
            "Disallow: /sao-luu/csdl-2023.sql\nDisallow:\nUser-agent: Googlebot\nDisallow: /quan-tri/\n"
            "Sitemap: https://www.soyte.gov.test/sitemap_index.xml\nCrawl-delay: 10\n")
    robots = parse_robots(text)
    assert robots.paths == ("/quan-tri/", "/tailieu-noibo/", "/wp-admin/admin-ajax.php",
                            "/sao-luu/csdl-2023.sql")
    assert robots.sitemaps == ("https://www.soyte.gov.test/sitemap_index.xml",)


@pytest.mark.parametrize(("value", "path"), [
    ("/quan-tri/", "/quan-tri/"),
    ("/private", "/private/"),  # a bare name blocks the folder
    ("/baocao.xlsx", "/baocao.xlsx"),
    ("/wp-admin/*.php", "/wp-admin/"),  # only the literal folder before a wildcard
    ("/search?q=", "/search/"),
    ("/*?", None),
    ("/", None),
    ("*.pdf$", None),
    ("https://example.test/x/", None),
])
def test_robots_path(value: str, path: str | None) -> None:
    assert robots_path(value) == path


def test_robots_served_as_a_soft_404_page_or_garbage_gives_nothing() -> None:
    assert parse_robots("<!DOCTYPE html><html><body>Disallow: /x/</body></html>").paths == ()
    assert parse_robots("\x00\xff\ufffd garbage Disallow /x/ \n:::\n").paths == ()


def test_huge_robots_reads_only_its_first_lines() -> None:
    text = "".join(f"Disallow: /f{i}/\n" for i in range(MAX_ROBOTS_LINES * 10))
    started = time.monotonic()
    robots = parse_robots(text)
    assert len(robots.paths) == MAX_ROBOTS_LINES and time.monotonic() - started < 2


# --- sitemaps -------------------------------------------------------------------------------


def test_urlset_entries_are_decoded_and_trimmed() -> None:
    parsed = parse_sitemap(URLSET.encode())
    assert not parsed.index and parsed.note == ""
    assert parsed.locs == ("https://www.soyte.gov.test/", "https://www.soyte.gov.test/tin-tuc/chuyen-doi-so.html"
                           "?id=1&lang=vi", "https://www.soyte.gov.test/ho-so/2024/ke-hoach.pdf",
                           "https://cdn.other.test/ho-so-khac/")


def test_sitemap_index_with_namespace_prefix_and_a_gzip_sitemap() -> None:
    index = parse_sitemap(INDEX.encode())
    assert index.index and index.locs == ("https://www.soyte.gov.test/sitemap-1.xml.gz",)
    child = parse_sitemap(gzip.compress(URLSET.encode()))
    assert (child.index, child.note, len(child.locs)) == (False, "gzip", 4)


def test_gzip_bomb_is_inflated_only_up_to_the_cap() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (200 * MAX_SITEMAP_BYTES))  # 200 MiB of spaces, 200 KiB packed
    started = time.monotonic()
    parsed = parse_sitemap(bomb)
    assert parsed.locs == () and parsed.note == "gzip, truncated"
    assert time.monotonic() - started < 2


def test_broken_gzip_and_garbage_xml_give_no_entries() -> None:
    assert parse_sitemap(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 20).note == "broken gzip"
    cut = gzip.compress(URLSET.encode())[:200]  # a sitemap.xml.gz cut by the body cap
    assert parse_sitemap(cut).note == "gzip, incomplete"
    for garbage in (b"", b"\x00\xff" * 1000, b"<urlset><url><loc>", b"<loc><loc><loc>", b"<<<>>>&&&;",
                    b"<!DOCTYPE html><html><body><h1>Trang ch\xe1\xbb\xa7</h1></body></html>"):
        assert parse_sitemap(garbage).locs == ()


def test_entities_are_never_expanded() -> None:
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
              ']><urlset><url><loc>https://www.soyte.gov.test/&lol2;/</loc></url></urlset>')
    assert parse_sitemap(laughs.encode()).locs == ("https://www.soyte.gov.test/&lol2;/",)


def test_endless_sitemaps_are_bounded_in_entries_and_time() -> None:
    many = b"<urlset>" + b"".join(b"<url><loc>https://h/d%d/p.html</loc></url>" % i for i in range(30000))
    started = time.monotonic()
    parsed = parse_sitemap(many)
    assert len(parsed.locs) == MAX_SITEMAP_LOCS and "first 5000 entries" in parsed.note
    unclosed = b"<urlset>" + (b"<loc>" + b" " * 4000) * 250  # 1 MiB of never-closed entries
    assert parse_sitemap(unclosed).locs == ()
    assert time.monotonic() - started < 3


# --- links and paths ------------------------------------------------------------------------


def test_page_links_are_absolute_in_order_and_skip_scripts_and_mail() -> None:
    page = ('<html><head><base href="https://www.soyte.gov.test/vi/">'
            '<link rel="stylesheet" href="/css/a.css"></head><body><a href="tin-tuc/">Tin</a>'
            '<a href="javascript:void(0)">x</a><a href="mailto:a@b">m</a>'
            '<a href="#top">t</a><img src="/uploads/2024/logo.png"><a href="http://[::1">broken</a>'
            '<form action="/tim-kiem/"></form><a href="tin-tuc/">again</a></body></html>')
    assert page_links(page, "https://www.soyte.gov.test/") == (
        "https://www.soyte.gov.test/css/a.css", "https://www.soyte.gov.test/vi/tin-tuc/",
        "https://www.soyte.gov.test/uploads/2024/logo.png", "https://www.soyte.gov.test/tim-kiem/")


def test_page_links_are_capped_and_garbage_never_raises() -> None:
    page = "".join(f'<a href="/p{i}/">{i}</a>' for i in range(MAX_LINKS * 3))
    assert len(page_links(page, "https://h/")) == MAX_LINKS
    assert page_links("<a href='/x/'<<<\x00<![CDATA[ </a <a href=", "https://h/") == ()


def test_same_host_path() -> None:
    assert same_host_path("https://WWW.SOYTE.gov.test/a/b.html?x=1", HOST) == "/a/b.html"
    assert same_host_path("http://www.soyte.gov.test", HOST) == "/"
    assert same_host_path("/a/", HOST, "https://www.soyte.gov.test/") == "/a/"
    for other in ("https://cdn.other.test/a/", "https://soyte.gov.test/a/", "ftp://www.soyte.gov.test/a/",
                  "/a/", "http://[::1/x"):
        assert same_host_path(other, HOST) is None, other


def test_folders_two_levels_deep_then_the_file_when_worth_a_probe() -> None:
    assert paths(path_candidates("/uploads/2024/05/qd-123.pdf", Source.HOME)) == [
        ("/uploads/", ProbeKind.LISTING), ("/uploads/2024/", ProbeKind.LISTING)]
    assert paths(path_candidates("/sao-luu/csdl-2023.sql", Source.SITEMAP)) == [
        ("/sao-luu/", ProbeKind.LISTING), ("/sao-luu/csdl-2023.sql", ProbeKind.BACKUP)]
    assert paths(path_candidates("/cau-hinh/.env", Source.ROBOTS, hidden=True)) == [
        ("/cau-hinh/", ProbeKind.LISTING), ("/cau-hinh/.env", ProbeKind.CONFIG)]
    assert paths(path_candidates("/index.php", Source.HOME)) == []


@pytest.mark.parametrize("raw", ["/../etc/passwd", "/a/./b/", "/a//b/", "/%2e%2e/x/", "relative/x/",
                                 "/" + "a" * 300 + "/", "/a/\x00/", "/a/<script>/"])
def test_odd_paths_are_refused(raw: str) -> None:
    assert clean_path(raw) is None
    assert path_candidates(raw, Source.ROBOTS) == []


def test_vietnamese_folder_names_are_percent_encoded() -> None:
    assert clean_path("/văn bản/") == "/v%C4%83n%20b%E1%BA%A3n/"


@pytest.mark.parametrize(("name", "hidden", "kind"), [
    (".env", False, ProbeKind.CONFIG),
    ("web.config.bak", False, ProbeKind.CONFIG),
    ("appsettings.Production.json", False, ProbeKind.CONFIG),
    ("configuration.php.bak", False, ProbeKind.CONFIG),
    ("wp-config.php~", False, ProbeKind.CONFIG),
    ("csdl-2023.sql", False, ProbeKind.BACKUP),
    ("portal.sql.gz", False, ProbeKind.BACKUP),
    ("backup-2024.zip", False, ProbeKind.BACKUP),
    ("bieu-mau-ho-so.zip", False, None),  # a published form pack, linked on purpose
    ("bieu-mau-ho-so.zip", True, ProbeKind.BACKUP),  # the same name hidden by robots.txt
    ("quyet-dinh.pdf", True, None),
    ("index.php", True, None),
])
def test_file_probe(name: str, hidden: bool, kind: ProbeKind | None) -> None:
    found = file_probe(name, hidden=hidden)
    assert (found[0] if found else None) is kind


def test_probe_spec_carries_the_source_and_the_right_signature() -> None:
    listing = probe_spec(Candidate("/ho-so/", ProbeKind.LISTING, Source.SITEMAP, "/sitemap.xml"))
    assert (listing.source, listing.kind) == ("sitemap /sitemap.xml", ProbeKind.LISTING)
    index_of = Sample(200, b"<title>Index of /ho-so/</title>")
    assert listing.signature(index_of) == "directory listing (Index of)"
    dump = probe_spec(Candidate("/sao-luu/csdl.sql", ProbeKind.BACKUP, Source.ROBOTS))
    assert dump.source == "robots.txt"
    assert dump.signature(Sample(200, b"-- MySQL dump 10.13\nCREATE TABLE `x` (`id` int);\n")) == "MySQL dump"
    env = probe_spec(Candidate("/.env", ProbeKind.CONFIG, Source.HOME, "/"))
    assert env.source == "link on /" and env.signature(Sample(200, b"DB_HOST=x\nDB_PASSWORD=y\n"))
    linked = Candidate("/a/", ProbeKind.LISTING, Source.LINKED, "/gioi-thieu/")
    assert linked.found_via == "link on /gioi-thieu/"
    assert common_folders()[0].found_via == "common folder name"


def test_looks_like_page() -> None:
    assert [p for p in ("/", "/gioi-thieu/", "/tin-tuc.html", "/Pages/TinTuc.aspx", "/vb/qd.pdf",
                        "/css/site.css", "/lien-he") if looks_like_page(p)] == [
        "/gioi-thieu/", "/tin-tuc.html", "/Pages/TinTuc.aspx", "/lien-he"]


# --- choosing among sources -----------------------------------------------------------------


def test_choice_takes_each_source_in_turn_skips_known_paths_and_stops_at_the_limit() -> None:
    sitemap = tuple(Candidate(f"/s{i}/", ProbeKind.LISTING, Source.SITEMAP, "/sm.xml") for i in range(50))
    robots = (Candidate("/an/", ProbeKind.LISTING, Source.ROBOTS), Candidate("/s1/", ProbeKind.LISTING,
                                                                              Source.ROBOTS))
    found = PathDiscovery((robots, sitemap, common_folders()))
    chosen = found.choose({"/tailieu/"}, 8)
    assert [c.path for c in chosen] == ["/an/", "/s0/", COMMON_FOLDERS[1], "/s1/", "/s2/", COMMON_FOLDERS[2],
                                        "/s3/", COMMON_FOLDERS[3]]
    assert chosen[3].source is Source.ROBOTS  # the first source to name a path keeps it
    everything = interleave((robots, common_folders()), {"/uploads/"}, 100)
    assert len(everything) == 2 + len(COMMON_FOLDERS) - 1
    assert len(unique(sitemap * 3)) == 40


def test_evidence_names_what_was_read() -> None:
    found = PathDiscovery((common_folders(),), (DiscoveryRead("/robots.txt", 200, 3),
                                                DiscoveryRead("/sitemap.xml", None, 0, "timeout: no answer")),
                          "time budget spent")
    assert found.as_evidence() == {
        "read": ["/robots.txt: 200, 3 paths", "/sitemap.xml: no answer, 0 paths, timeout: no answer"],
        "candidates": len(COMMON_FOLDERS), "stopped": "time budget spent"}
