"""The files a CMS ships that tell its version (canhgac.engine.vulns.version_files), read purely."""

from __future__ import annotations

from canhgac.engine.vulns import version_files as vf
from canhgac.engine.vulns.identify import Component, Confidence

JOOMLA15_LANGUAGE = """<?xml version="1.0" encoding="utf-8"?>
<metafile version="1.5" client="site" >
\t<tag>en-GB</tag>
\t<name>English(United Kingdom)</name>
\t<version>1.5.26</version>
\t<creationDate>2008-03-15</creationDate>
\t<author>Joomla! Project</author>
</metafile>"""


def test_joomla_manifest_and_language_file() -> None:
    manifest = """<?xml version="1.0" encoding="utf-8"?>
<extension type="file" method="upgrade">
  <name>files_joomla</name><author>Joomla! Project</author>
  <version>4.2.7</version><creationDate>2023-01</creationDate>
</extension>"""
    assert vf.joomla_manifest(manifest, "/x") == Component("joomla", "4.2.7", Confidence.HIGH, "/x")
    assert vf.joomla_manifest("<html><body>Not found</body></html>", "/x") is None
    where = "/language/en-GB/en-GB.xml"
    assert vf.joomla_language(JOOMLA15_LANGUAGE, where) == Component(
        "joomla", "1.5.26", Confidence.MEDIUM, f"{where}: <version>1.5.26")
    branch_only = JOOMLA15_LANGUAGE.replace("\t<version>1.5.26</version>\n", "")
    assert vf.joomla_language(branch_only, where) == Component(
        "joomla", "1.5", Confidence.MEDIUM, f'{where}: <metafile version="1.5"', branch=True)
    assert vf.joomla_language("<html><h1>Trang chủ</h1><version>1.0.0</version></html>", where) is None


def test_drupal_wordpress_jquery_files() -> None:
    changelog = "\nDrupal 7.57, 2018-02-21\n----------------\n- Fixed security issues.\n\nDrupal 7.56, 2017"
    assert vf.drupal_changelog(changelog, "/CHANGELOG.txt", core=False).version == "7.57"  # type: ignore[union-attr]
    core = vf.drupal_changelog("Drupal 8.5.0, 2018-03-07\n", "/core/CHANGELOG.txt", core=True)
    assert core is not None and core.confidence is Confidence.LOW
    readme = "<h1 id='logo'>WordPress</h1><br /> Version 4.7.1</h1>"
    assert vf.wordpress_readme(readme, "/readme.html").version == "4.7.1"  # type: ignore[union-attr]
    assert vf.wordpress_readme("<br /> Version 4.7.1", "/readme.html") is None  # not WordPress's
    feed = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Sở Y tế</title>'
            "<generator>https://wordpress.org/?v=5.8.1</generator></channel></rss>")
    assert vf.wordpress_feed(feed, "/feed/") == Component(
        "wordpress", "5.8.1", Confidence.HIGH, "/feed/: <generator>https://wordpress.org/?v=5.8.1</generator>")
    assert vf.wordpress_feed("<rss><generator>Joomla! - Open Source</generator></rss>", "/feed/") is None
    banner = "/*! jQuery v1.12.4 | (c) jQuery Foundation | jquery.org/license */\n!function(a,b){"
    assert vf.jquery_banner(banner, "/js/jquery.min.js").version == "1.12.4"  # type: ignore[union-attr]


def test_dnn_and_liferay_files_identify_without_a_version() -> None:
    licence = "DotNetNuke® - http://www.dotnetnuke.com\nCopyright (c) 2002-2018"
    assert vf.dnn_license(licence, "/l") is not None
    script = "var __dnn_m_aNamespaces = new Array();\nvar dnn = {apiversion: new Number('04.02')};"
    assert vf.dnn_script(script, "/js/dnn.js") == Component(
        "dotnetnuke", "", Confidence.HIGH, "/js/dnn.js: DNN client API")
    assert vf.dnn_script("function site(){}", "/js/dnn.js") is None
    jsonws = ("<html><head><title>JSONWS API</title><script>Liferay.ThemeDisplay={}</script><script src="
              '"/html/js/barebone.jsp?browserId=other&amp;b=6205&amp;t=1"></script></head>'
              "<body>/api/jsonws/invoke</body></html>")
    found = vf.liferay_jsonws(jsonws, "/api/jsonws")
    assert found is not None
    assert (found.name, found.version, found.branch) == ("liferay-portal", "6.2.5", False)
    assert vf.liferay_jsonws("<html>Not found</html>", "/api/jsonws") is None


def test_every_cms_has_a_bounded_file_list() -> None:
    assert {cms: [path for path, _ in files] for cms, files in vf.VERSION_FILES.items()} == {
        "joomla": ["administrator/manifests/files/joomla.xml", "language/en-GB/en-GB.xml"],
        "drupal": ["CHANGELOG.txt", "core/CHANGELOG.txt"],
        "wordpress": ["readme.html", "feed/"],
        "dotnetnuke": ["Documentation/License.txt", "js/dnn.js"],
        "liferay-portal": ["api/jsonws"],
    }
