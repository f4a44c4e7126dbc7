"""Component identification from headers, HTML and version files (pure functions)."""

from __future__ import annotations

from canhgac.engine.vulns import identify as ident
from canhgac.engine.vulns.identify import Component, Confidence


def found(components: list[Component] | tuple[Component, ...]) -> dict[str, tuple[str, Confidence]]:
    return {c.name: (c.version, c.confidence) for c in ident.merge(components)}


def test_server_banners() -> None:
    headers = [("server", "Apache/2.4.49 (Unix) OpenSSL/1.1.1k PHP/7.4.21"), ("x-powered-by", "PHP/7.4.21")]
    assert found(ident.from_headers(headers)) == {
        "apache-httpd": ("2.4.49", Confidence.MEDIUM), "php": ("7.4.21", Confidence.MEDIUM)}
    assert found(ident.from_headers([("server", "nginx/1.18.0")])) == {"nginx": ("1.18.0", Confidence.MEDIUM)}
    assert found(ident.from_headers([("server", "nginx")])) == {"nginx": ("", Confidence.MEDIUM)}


def test_distribution_and_iis_banners_are_low_confidence() -> None:
    assert found(ident.from_headers([("server", "Apache/2.4.41 (Ubuntu)")])) == {
        "apache-httpd": ("2.4.41", Confidence.LOW)}
    assert found(ident.from_headers([("x-powered-by", "PHP/7.4.3-4ubuntu2.18")])) == {
        "php": ("7.4.3", Confidence.LOW)}
    assert found(ident.from_headers([("server", "Microsoft-IIS/6.0"), ("x-powered-by", "ASP.NET"),
                                     ("x-aspnet-version", "4.0.30319")])) == {
        "microsoft-iis": ("6.0", Confidence.LOW), "aspnet": ("4.0.30319", Confidence.MEDIUM)}


def test_portal_headers() -> None:
    liferay = ("liferay-portal",
               "Liferay Community Edition Portal 7.2.0 CE GA1 (Mueller / Build 7200 / June 4, 2019)")
    assert found(ident.from_headers([liferay])) == {"liferay-portal": ("7.2.0", Confidence.HIGH)}
    dxp = ("liferay-portal", "Liferay Digital Experience Platform 7.2.10")
    # DXP numbers its releases differently from the community edition: identified, no version
    assert found(ident.from_headers([dxp])) == {"liferay-portal": ("", Confidence.HIGH)}
    assert "drupal" in found(ident.from_headers([("x-generator", "Drupal 8 (https://www.drupal.org)")]))
    assert "dotnetnuke" in found(ident.from_headers([("set-cookie", "dnn_IsMobile=False; path=/")]))
    assert "sharepoint" in found(ident.from_headers([("microsoftsharepointteamservices", "16.0.0.5422")]))


def test_generator_meta() -> None:
    page = ident.from_html('<html><head><meta content="WordPress 4.7.1" name="generator"></head></html>')
    assert found(page.components) == {"wordpress": ("4.7.1", Confidence.HIGH)}
    assert page.cms == ("wordpress",)
    joomla = ident.from_html("<meta name='generator' content='Joomla! - Open Source Content Management' />")
    assert found(joomla.components) == {"joomla": ("", Confidence.HIGH)}
    drupal = ident.from_html('<meta name="Generator" content="Drupal 7 (http://drupal.org)" />')
    assert found(drupal.components) == {"drupal": ("", Confidence.HIGH)}  # major only: no version


def test_asset_markers_name_the_cms() -> None:
    html = """<link href="/media/jui/css/bootstrap.min.css" rel="stylesheet">
    <script src="/media/system/js/core.js"></script>"""
    assert ident.from_html(html).cms == ("joomla",)
    assert ident.from_html('<img src="/sites/default/files/logo.png">').cms == ("drupal",)
    assert ident.from_html('<script src="/DesktopModules/DnnForge/x.js"></script>').cms == ("dotnetnuke",)
    assert ident.from_html('<script src="/o/frontend-js-web/liferay/x.js"></script><script>Liferay.'
                           'ThemeDisplay.getUserId()</script>').cms == ("liferay-portal",)
    assert ident.from_html("<p>plain site</p>").cms == ()


def test_jquery_from_script_names() -> None:
    for src, version in [
        ("/js/jquery-1.12.4.min.js", "1.12.4"),
        ("https://code.jquery.com/jquery-3.4.1.slim.min.js", "3.4.1"),
        ("https://ajax.googleapis.com/ajax/libs/jquery/1.11.3/jquery.min.js", "1.11.3"),
        ("/wp-includes/js/jquery/jquery.min.js?ver=3.7.1", "3.7.1"),
        ("/scripts/jquery.1.8.2.js", "1.8.2"),
    ]:
        page = ident.from_html(f'<script type="text/javascript" src="{src}"></script>')
        assert found(page.components)["jquery"] == (version, Confidence.MEDIUM), src
    for src in ("/js/jquery-ui-1.12.1.min.js", "/js/jquery-migrate-3.0.0.js", "/js/jquery.cookie.js"):
        page = ident.from_html(f'<script src="{src}"></script>')
        assert "jquery" not in found(page.components), src
    plain = ident.from_html('<script src="/Resources/Shared/scripts/jquery/jquery.min.js"></script>')
    assert plain.jquery_files == ("/Resources/Shared/scripts/jquery/jquery.min.js",)


def test_wordpress_version_from_core_assets_not_from_jquery() -> None:
    html = """<link rel='stylesheet' href='/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2'>
    <script src='/wp-includes/js/jquery/jquery.min.js?ver=3.7.1'></script>
    <script src='/wp-includes/js/wp-embed.min.js?ver=6.4.2'></script>
    <script src='/wp-content/plugins/contact-form-7/includes/js/index.js?ver=5.8.4'></script>"""
    result = found(ident.from_html(html).components)
    assert result["wordpress"] == ("6.4.2", Confidence.MEDIUM)
    assert result["jquery"] == ("3.7.1", Confidence.MEDIUM)


def test_merge_prefers_a_version_then_confidence() -> None:
    merged = found([
        Component("joomla", "", Confidence.HIGH, "meta"),
        Component("joomla", "4.2.7", Confidence.HIGH, "manifest"),
        Component("wordpress", "6.4.1", Confidence.MEDIUM, "assets"),
        Component("wordpress", "6.4.2", Confidence.HIGH, "generator"),
    ])
    assert merged == {"joomla": ("4.2.7", Confidence.HIGH), "wordpress": ("6.4.2", Confidence.HIGH)}
    # a full version read from a file beats the branch a generator tag gave
    exact = ident.merge([Component("joomla", "1.5", Confidence.HIGH, "meta", branch=True),
                         Component("joomla", "1.5.26", Confidence.MEDIUM, "en-GB.xml")])
    assert exact == (Component("joomla", "1.5.26", Confidence.MEDIUM, "en-GB.xml"),)


def test_issue11_generator_major_minor_is_a_branch() -> None:
    meta = '<meta name="generator" content="Joomla! 1.5 - Open Source Content Management" />'
    page = ident.from_html(meta)
    assert page.components == (Component("joomla", "1.5", Confidence.HIGH, '<meta name="generator" content='
                                         '"Joomla! 1.5 - Open Source Content Management">', branch=True),)
    assert page.cms == ("joomla",)
    full = ident.from_html(meta.replace("1.5", "1.5.26"))
    assert [(c.version, c.branch) for c in full.components] == [("1.5.26", False)]


def test_issue11_liferay_build_number_gives_the_patch_level() -> None:
    header = ("liferay-portal",
              "Liferay Portal Community Edition 6.2 CE GA6 (Newton / Build 6205 / January 6, 2016)")
    assert [(c.version, c.branch) for c in ident.from_headers([header])] == [("6.2.5", False)]
    bare = ("liferay-portal", "Liferay Portal Community Edition 6.2 CE GA6")
    assert [(c.version, c.branch) for c in ident.from_headers([bare])] == [("6.2", True)]
    html = ('<script>Liferay.ThemeDisplay.getUserId()</script><script src="/combo?browserId=other&amp;'
            'minifierType=js&amp;languageId=vi_VN&amp;b=7004&amp;t=1500000000000"></script>')
    assert found(ident.from_html(html).components) == {"liferay-portal": ("7.0.4", Confidence.MEDIUM)}
    assert ident.liferay_build("7413") == ("7.4", True)  # 7.4 GA updates share one build number
    # a b= parameter on a page that is not Liferay's says nothing
    assert ident.from_html('<script src="/combo?browserId=x&b=6205"></script>').components == ()


def test_hostile_html_is_bounded() -> None:
    html = "<meta " * 50_000 + '<script src="' + "a" * 100_000
    reading = ident.from_html(html)
    assert reading.components == ()
    garbage = "\ufffd\x00<meta name=generator content='WordPress \ud800 9'>"
    assert ident.from_html(garbage).cms == ("wordpress",)
