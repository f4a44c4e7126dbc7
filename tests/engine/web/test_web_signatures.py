"""Content signatures of exposed files and pages: real-looking samples match, look-alikes do not."""

from __future__ import annotations

import io
import tarfile
import zipfile

import pytest

from canhgac.engine.checks.web_exposure import error_page_versions, version_in
from canhgac.engine.collectors.web_exposure import recognise_cms
from canhgac.engine.web import signatures as s
from canhgac.engine.web.signatures import Cms, ProbeKind, Sample

HOME = b"<!DOCTYPE html><html><head><title>Cong thong tin</title></head><body><h1>Tin tuc</h1></body></html>"
NOT_FOUND = b"<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>"


def page(body: bytes | str, status: int = 200, **headers: str) -> Sample:
    raw = body.encode() if isinstance(body, str) else body
    return Sample(status, raw, tuple((k.replace("_", "-").lower(), v) for k, v in headers.items()))


APACHE_LISTING = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
<html><head><title>Index of /uploads</title></head><body><h1>Index of /uploads</h1>
<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
<tr><td><a href="/">Parent Directory</a></td></tr><tr><td><a href="qd-123.pdf">qd-123.pdf</a></td></tr>
</table><address>Apache/2.4.41 (Ubuntu) Server at portal.test Port 443</address></body></html>"""
NGINX_LISTING = """<html>
<head><title>Index of /images/</title></head>
<body>
<h1>Index of /images/</h1><hr><pre><a href="../">../</a>
<a href="logo.png">logo.png</a>                                           01-Jan-2024 10:00    1234
</pre><hr></body>
</html>"""
IIS_LISTING = """<html><head><title>portal.test - /Portals/0/</title></head><body>
<H1>portal.test - /Portals/0/</H1><hr><pre><A HREF="/Portals/">[To Parent Directory]</A><br><br>
 1/2/2024  3:04 PM        &lt;dir&gt; <A HREF="/Portals/0/Images/">Images</A><br>
</pre><hr></body></html>"""


@pytest.mark.parametrize(("body", "label"), [
    (APACHE_LISTING, "Apache"),
    (NGINX_LISTING, "nginx"),
    (IIS_LISTING, "IIS"),
    ("<html><head><title>Directory listing for /</title></head><body><ul></ul></body></html>", "Python"),
])
def test_directory_listing_styles(body: str, label: str) -> None:
    found = s.directory_listing(page(body))
    assert found is not None and label in found


def test_ordinary_pages_are_not_listings() -> None:
    assert s.directory_listing(page(HOME)) is None
    assert s.directory_listing(page("<p>Index of documents: see the list below</p>")) is None


def test_git_files() -> None:
    assert s.git_head(page("ref: refs/heads/main\n")) == "git HEAD (ref: refs/heads/main)"
    assert s.git_head(page("4b825dc642cb6eb9a060e54bf8d69288fbee4904\n")) is not None
    assert s.git_head(page(HOME)) is None
    assert s.git_head(page("ref: refs/heads/main\n<html>")) is None
    config = "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
    assert s.git_config(page(config)) == "git config"
    leaked = config + '[remote "origin"]\n\turl = https://dev:S3cret@git.example.test/portal.git\n'
    label = s.git_config(page(leaked))
    assert label is not None and "credentials" in label and "S3cret" not in label


def test_svn_and_hg() -> None:
    assert s.svn_entries(page("12\n")) is not None
    assert s.svn_entries(page("10\n\ndir\n1234\nhttps://svn.test/portal\n")) is not None
    assert s.svn_entries(page("120 items")) is None
    assert s.sqlite_db(page(b"SQLite format 3\x00\x10\x00")) is not None
    assert s.hg_requires(page("dotencode\nfncache\ngeneraldelta\nrevlogv1\nstore\n")) == "Mercurial requires"
    assert s.hg_requires(page(HOME)) is None


def test_dotenv_names_variables_not_values() -> None:
    env = "APP_NAME=Portal\nAPP_KEY=base64:abcd\nDB_HOST=10.0.0.5\nDB_PASSWORD=hunter2\n"
    label = s.dotenv(page(env))
    assert label is not None and "DB_PASSWORD" in label and "hunter2" not in label
    assert s.dotenv(page("<html><body>FOO=1\nBAR=2\nBAZ=3</body></html>")) is None
    assert s.dotenv(page("just text\n")) is None


def test_config_files() -> None:
    web_config = ('<?xml version="1.0"?><configuration><connectionStrings><add name="Db" '
                  'connectionString="Server=.;Password=x" /></connectionStrings><system.web />'
                  "</configuration>")
    assert s.aspnet_config(page(web_config)) == "ASP.NET configuration with connection strings"
    assert s.aspnet_config(page(HOME)) is None
    assert s.appsettings(page('{"ConnectionStrings": {"Default": "Server=."}}')) is not None
    assert s.appsettings(page('{"name": "x"}')) is None
    wp = "<?php\ndefine( 'DB_NAME', 'wp' );\ndefine( 'DB_PASSWORD', 'pw' );\n"
    assert s.php_config(page(wp)) == "WordPress wp-config.php source"
    joomla = "<?php\nclass JConfig {\n\tpublic $password = 'pw';\n}\n"
    assert s.php_config(page(joomla)) == "Joomla configuration.php source"
    assert s.php_config(page("<?php echo 'hello';")) is None
    assert s.ds_store(page(b"\x00\x00\x00\x01Bud1\x00\x00\x10\x00")) is not None


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.php", "<?php")
    return out.getvalue()


def _tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        data = b"<?php"
        info = tarfile.TarInfo("index.php")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize(("body", "label"), [
    (_zip(), "ZIP"),
    (_tar(), "tar"),
    (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
    (b"7z\xbc\xaf\x27\x1c\x00\x04", "7-Zip"),
    (b"Rar!\x1a\x07\x01\x00", "RAR"),
    (b"BZh91AY&SY\x00", "bzip2"),
    (b"-- MySQL dump 10.13  Distrib 8.0.36\n--\n-- Host: localhost\n", "MySQL"),
    (b"-- phpMyAdmin SQL Dump\n-- version 5.2.1\n", "phpMyAdmin"),
    (b"DROP TABLE IF EXISTS `u`;\nCREATE TABLE `u` (id int);\nINSERT INTO `u` VALUES (1);", "SQL"),
    (b"TAPE\x00\x00\x00\x00", "SQL Server"),
])
def test_backup_magic(body: bytes, label: str) -> None:
    found = s.backup_file(page(body))
    assert found is not None and label in found


def test_backups_need_magic_not_a_name() -> None:
    assert s.backup_file(page(HOME)) is None
    assert s.backup_file(page("<html><body>CREATE TABLE and INSERT INTO explained</body></html>")) is None


def test_diagnostics_pages() -> None:
    info = ('<html><head><title>PHP 8.1.2 - phpinfo()</title></head><body><h1 class="p">PHP Version 8.1.2'
            "</h1></body></html>")
    assert s.phpinfo(page(info)) == "phpinfo() page (PHP 8.1.2)"
    assert s.phpinfo(page(HOME)) is None
    status = "<html><head><title>Apache Status</title></head><body><h1>Apache Server Status for portal</h1>"
    assert s.status_page(page(status)) == "Apache server-status (mod_status)"
    nginx = "Active connections: 2 \nserver accepts handled requests\n 10 10 12 \nReading: 0 Writing: 1\n"
    assert s.status_page(page(nginx)) == "nginx stub_status"
    elmah = "<h1>Error log for /LM/W3SVC/1/ROOT</h1> Powered by ELMAH"
    assert s.status_page(page(elmah)) == "ELMAH error log"
    assert s.status_page(page(HOME)) is None


@pytest.mark.parametrize(("body", "label"), [
    ('<form id="form-login"><input type="hidden" name="option" value="com_login"></form>', "Joomla"),
    ('<form name="loginform" id="loginform"><input type="submit" id="wp-submit"></form>', "WordPress"),
    ('<form id="user-login-form"><input type="hidden" name="form_id" value="user_login_form">', "Drupal"),
    ('<input name="dnn$ctr1$Login$Login_DNN$txtUsername" id="dnn_ctr1_Login_Login_DNN_txtUsername">',
     "DotNetNuke"),
    ('<input id="_com_liferay_login_web_portlet_LoginPortlet_password" type="password">', "Liferay"),
    ('<input name="pma_username" id="input_username">', "phpMyAdmin"),
    ("<title>Quản trị hệ thống</title><form><input type='password' name='p'></form>", "password"),
])
def test_admin_logins(body: str, label: str) -> None:
    found = s.admin_login(page(body))
    assert found is not None and label in found


def test_http_auth_and_sharepoint() -> None:
    basic = page("", 401, www_authenticate='Basic realm="admin"')
    assert s.admin_login(basic) == "HTTP Basic authentication prompt"
    sharepoint = page("", 401, www_authenticate="NTLM", microsoftsharepointteamservices="16.0.0.5095")
    assert s.admin_login(sharepoint) == "SharePoint sign-in (HTTP NTLM)"
    assert s.admin_login(page(HOME)) is None
    assert s.admin_login(page("<form><input type='password' name='q'></form>")) is None  # no admin words


@pytest.mark.parametrize(("sample", "cms"), [
    (page('<link href="/wp-content/themes/x/style.css">'), Cms.WORDPRESS),
    (page('<meta name="generator" content="Joomla! - Open Source Content Management">'), Cms.JOOMLA),
    (page("<p>x</p>", x_generator="Drupal 10 (https://www.drupal.org)"), Cms.DRUPAL),
    (page('<img src="/Portals/0/logo.png">'), Cms.DNN),
    (page("<script>Liferay.ThemeDisplay</script>"), Cms.LIFERAY),
    (page("<p>x</p>", microsoftsharepointteamservices="16.0.0.5095"), Cms.SHAREPOINT),
    (page(HOME), None),
])
def test_recognise_cms(sample: Sample, cms: Cms | None) -> None:
    assert recognise_cms(sample) is cms


def test_versions() -> None:
    assert version_in("nginx/1.18.0") == "1.18.0"
    assert version_in("Microsoft-IIS/10.0") == "10.0"
    assert version_in("4.0.30319") == "4.0.30319"
    assert version_in("nginx") is None
    assert version_in("Joomla! - Open Source Content Management") is None
    err = page(APACHE_LISTING + "<hr><center>nginx/1.24.0</center>", 404)
    assert error_page_versions(err) == ("Apache/2.4.41 (Ubuntu)", "nginx/1.24.0")
    assert error_page_versions(page(NOT_FOUND, 404)) == ()


def test_plan_is_small_and_narrows_with_a_cms() -> None:
    unknown = s.plan_probes(None, "portal.test", ("/static/js/",))
    wordpress = s.plan_probes(Cms.WORDPRESS, "portal.test")
    assert len(unknown) <= 37  # plus two baselines and the shared main page: at most 40 requests
    assert len(wordpress) < len(unknown)
    admin = [p.path for p in wordpress if p.kind is ProbeKind.ADMIN]
    assert admin == ["/wp-login.php", "/phpmyadmin/", "/admin/"]
    listing = [p.path for p in wordpress if p.kind is ProbeKind.LISTING]
    assert listing[0] == "/wp-content/uploads/"
    assert "/portal.test.zip" in [p.path for p in unknown]
    kinds = [p.kind for p in unknown]
    assert kinds.index(ProbeKind.VCS) < kinds.index(ProbeKind.ADMIN) < kinds.index(ProbeKind.BACKUP)
    assert set(kinds) == set(ProbeKind)
    assert s.plan_probes(None, "a/../b")[-1].path == "/a..b.zip"
