"""The bodies of the portals' pages: the faultless site, and what each planted case serves.

:func:`site_pages` lists every path a :class:`~canhgac.lab.web_plan.PortalPlan`'s site serves
(the home page, styles, scripts, robots.txt, security.txt, and the planted files: a Joomla
administrator page and manifest, a Joomla 1.5 language file, WordPress core assets, DNN's client
script and licence, a Git folder, Apache and Tomcat listings, phpinfo, server-status, a
backup archive, an .env file, a SQL dump, and the robots.txt and sitemaps that alone name the
last three); anything else is :data:`NOT_FOUND`. Pages are data: how they
are answered (headers, cookies, methods) is :class:`~canhgac.lab.web_lab.PortalSite`.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from canhgac.lab.web_plan import Plant, PortalPlan

HTML, TEXT, JS = "text/html; charset=utf-8", "text/plain; charset=utf-8", "text/javascript"
XML = "application/xml"
WIDGET_JS = b"/* Cong Dich vu cong: widget tra cuu ho so, phien ban 2.1 */\n"
WIDGET_SRI = "sha384-" + base64.b64encode(hashlib.sha384(WIDGET_JS).digest()).decode()


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = HTML
    status: int = 200
    html: bool = False  # a page of the application: it sets the session cookie


NOT_FOUND = Page(
    '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"><title>Không tìm thấy'
    " trang</title></head><body><h1>404 - Không tìm thấy trang</h1></body></html>\n".encode(),
    status=404,
)
DEFACED = (
    '<html><head><meta charset="utf-8"><title>Hacked by xXx - bị hack bởi</title></head><body>'
    "<h1>Hacked by xXx</h1><p>Trang web này đã bị hack bởi xXx. Security is just an illusion.</p>"
    "</body></html>\n"
).encode()
JOOMLA_ADMIN = (
    '<!DOCTYPE html>\n<html lang="vi-vn"><head><meta charset="utf-8"><meta name="generator" '
    'content="Joomla! - Open Source Content Management"><title>Kiên Giang - Administration'
    '</title></head><body class="admin com_login view-login"><form method="post" '
    'action="/administrator/index.php" id="form-login"><input name="username" '
    'id="mod-login-username"><input name="passwd" id="mod-login-password" type="password">'
    '<input type="hidden" name="option" '
    'value="com_login"><button id="btn-login-submit">Log in</button></form></body></html>\n'
).encode()
JOOMLA_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<extension type="file" method="upgrade">
\t<name>files_joomla</name>
\t<author>Joomla! Project</author>
\t<copyright>(C) 2019 Open Source Matters, Inc.</copyright>
\t<version>4.2.7</version>
\t<creationDate>2023-01</creationDate>
\t<description>FILES_JOOMLA_XML_DESCRIPTION</description>
</extension>
"""
# Joomla 1.5 ships no files_joomla manifest; its site language file carries the release.
JOOMLA15_LANGUAGE = b"""<?xml version="1.0" encoding="utf-8"?>
<metafile version="1.5" client="site" >
\t<tag>en-GB</tag>
\t<name>English(United Kingdom)</name>
\t<version>1.5.26</version>
\t<creationDate>2012-03-27</creationDate>
\t<author>Joomla! Project</author>
\t<copyright>Copyright (C) 2005 - 2012 Open Source Matters. All rights reserved.</copyright>
</metafile>
"""
MOOTOOLS = b"var MooTools = {version: '1.12'};\n"
WORDPRESS_VERSION = "4.7.1"
WORDPRESS_ASSETS = (
    "/wp-includes/css/dashicons.min.css",
    "/wp-includes/js/wp-embed.min.js",
    "/wp-includes/js/wp-emoji-release.min.js",
)
DNN_COMMENT = (
    "<!--**********************************************************************************-->\n"
    "<!-- DNN Platform - http://www.dnnsoftware.com                                        -->\n"
    "<!-- Copyright (c) 2002-2018, by DNN Corporation                                      -->\n"
    "<!--**********************************************************************************-->\n"
)
DNN_SCRIPT = (
    b"var DNN_COL_DELIMITER = String.fromCharCode(16);\nvar __dnn_m_aNamespaces = new Array();\n"
    b"var dnn = {apiversion: new Number('04.02'), pns: '', ns: 'dnn'};\n"
)
DNN_LICENSE = (
    "DotNetNuke\u00ae - http://www.dnnsoftware.com\nCopyright (c) 2002-2018\n"
    "by DNN Corporation\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this software"
    "\n"
).encode()
GIT_CONFIG = (
    b'[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote "origin"]\n'
    b"\turl = https://git.nha-thau.test/cong-thong-tin/soyte.git\n"
    b'\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "main"]\n\tremote = origin\n'
    b"\tmerge = refs/heads/main\n"
)


def _scripts(plan: PortalPlan) -> str:
    tags = [
        '<script src="/js/site.js" nonce="__NONCE__"></script>',
        '<script nonce="__NONCE__">window.portal = {lang: "vi"};</script>',
        '<script src="https://widget.dichvucong.test/v2/tra-cuu.js" nonce="__NONCE__" '
        f'integrity="{WIDGET_SRI}" crossorigin="anonymous"></script>',
    ]
    if Plant.MIXED in plan.plants:  # an old hard-coded absolute URL
        tags.append(f'<script src="http://{plan.host}/js/thongke.js" nonce="__NONCE__"></script>')
    if Plant.NO_SRI in plan.plants:
        tags.append('<script src="https://counter.thongke-truycap.test/dem.js" nonce="__NONCE__"></script>')
    return "\n".join(tags)


def _main(plan: PortalPlan) -> str:
    if plan.webmail:
        return (
            '<form method="post" action="/?_task=login"><input name="_user"><input name="_pass" '
            'type="password"><button>Đăng nhập</button></form>'
        )
    notice = (
        '<a href="/uploads/quyet-dinh-123-2024.pdf">Quyết định số 123/QĐ-SYT</a>'
        if Plant.LISTING in plan.plants
        else '<a href="/van-ban/">Văn bản chỉ đạo điều hành</a>'
    )
    return (
        f"<h2>Tin tức - Sự kiện</h2><article><h3>{plan.name} đẩy mạnh chuyển đổi số</h3><p>Cung cấp dịch"
        f" vụ công trực tuyến toàn trình.</p></article><h2>Thông báo</h2><ul><li>{notice}</li></ul>"
    )


def _head_extras(plan: PortalPlan) -> str:
    """What a planted CMS puts in the page head: its generator tag, comments and assets."""
    has = plan.plants.__contains__
    if has(Plant.JOOMLA):
        return '<meta name="generator" content="Joomla! - Open Source Content Management">\n'
    if has(Plant.JOOMLA_15):
        return (
            '<meta name="generator" content="Joomla! 1.5 - Open Source Content Management" />\n'
            '<script type="text/javascript" src="/media/system/js/mootools.js"></script>\n'
        )
    if has(Plant.WORDPRESS_ASSETS):  # a hardened WordPress: generator removed, ?ver= left on core assets
        return "".join(
            f"<link rel='stylesheet' href='{a}?ver={WORDPRESS_VERSION}' media='all' />\n"
            if a.endswith(".css")
            else f"<script src='{a}?ver={WORDPRESS_VERSION}'></script>\n"
            for a in WORDPRESS_ASSETS
        )
    if has(Plant.DNN):
        return (
            DNN_COMMENT + '<meta id="MetaGenerator" name="GENERATOR" content="DotNetNuke " />\n'
            '<script src="/js/dnn.js?cdv=120" type="text/javascript"></script>\n'
        )
    return ""


def _home(plan: PortalPlan) -> bytes:
    generator = _head_extras(plan)
    title = plan.name if plan.webmail else f"Cổng thông tin điện tử - {plan.name}"
    return (
        f'<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n{generator}<meta '
        f'name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n<link '
        'rel="stylesheet" href="/css/site.css">\n</head>\n<body>\n<header><img src="/images/logo.png" '
        f'alt="Logo"><h1>{plan.name}</h1></header>\n<nav><a href="/">Trang chủ</a> '
        '<a href="/gioi-thieu/">Giới thiệu</a></nav>'
        f"\n<main>{_main(plan)}</main>\n<footer>© 2024 {plan.name}. Đường dây nóng: 0297 3862 000."
        f"</footer>\n{_scripts(plan)}\n</body>\n</html>\n"
    ).encode()


def _security_txt(plan: PortalPlan) -> bytes:
    days = -120 if Plant.SECTXT_EXPIRED in plan.plants else 330
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return (
        f"# Đầu mối tiếp nhận báo cáo lỗ hổng - {plan.name}\nContact: mailto:attt@{plan.domain}\n"
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}\nPreferred-Languages: vi, en\n"
        f"Canonical: https://{plan.host}/.well-known/security.txt\n"
    ).encode()


Files = tuple[tuple[str, str, str], ...]  # (name, last modified, size)
UPLOADS: Files = (
    ("bao-cao-tai-chinh-2023.xlsx", "2024-03-02 09:21", "1.2M"),
    ("danh-sach-can-bo.docx", "2024-04-18 14:05", " 88K"),
    ("quyet-dinh-123-2024.pdf", "2024-05-12 08:14", "245K"),
)
ARCHIVE_FOLDER = "/ho-so-luu-tru/"  # named only in the sitemap of a SITEMAP_LISTING portal
ARCHIVE: Files = (
    ("cong-bao-so-12-2024.pdf", "2024-06-03 10:02", "1.8M"),
    ("du-thao-nghi-quyet-chua-cong-bo.docx", "2024-06-10 16:40", "212K"),
)
VANBAN: Files = (
    ("qd-01-2024-ubnd.pdf", "2024-01-08 07:55", "310K"),
    ("cv-noi-bo-ho-so-nhan-su.xlsx", "2024-02-21 14:30", "95K"),
)
DUMP_PATH = "/sao-luu/csdl-congthongtin-2023.sql"  # named only by the robots.txt of a ROBOTS_BACKUP portal


def _listing(folder: str = "/uploads/", files: Files = UPLOADS) -> bytes:
    """An Apache mod_autoindex page."""
    rows = "".join(
        f'<tr><td valign="top"><img src="/icons/layout.gif" alt="[   ]"></td><td><a href="{n}">{n}'
        f'</a></td><td align="right">{when}  </td><td align="right">{size}</td></tr>\n'
        for n, when, size in files
    )
    name = folder.rstrip("/")
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html>\n <head>\n  <title>Index of '
        f"{name}</title>\n </head>\n <body>\n<h1>Index of {name}</h1>\n  <table>\n   <tr><th><a "
        'href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a '
        'href="?C=S;O=A">Size</a></th></tr>\n<tr><td valign="top"><img src="/icons/back.gif" '
        'alt="[PARENTDIR]"></td><td>'
        f'<a href="/">Parent Directory</a></td></tr>\n{rows}</table>\n</body></html>\n'
    ).encode()


def _tomcat_listing(folder: str, files: Files) -> bytes:
    """Tomcat's DefaultServlet listing (``listings`` set to true in conf/web.xml)."""
    rows = "".join(
        f'<tr><td align="left">&nbsp;&nbsp;<a href="{folder}{n}"><tt>{n}</tt></a></td><td '
        f'align="right"><tt>{size.strip().lower()}b</tt></td><td align="right"><tt>{when}</tt>'
        "</td></tr>"
        for n, when, size in files
    )
    return (
        f'<!doctype html><html lang="vi"><head><title>Directory Listing For [{folder}]</title></head>'
        f'<body><h1>Directory Listing For [{folder}]</h1><hr class="line"><table width="100%">'
        '<tr><td align="left"><strong>Filename</strong></td><td align="center"><strong>Size</strong></td>'
        f'<td align="right"><strong>Last Modified</strong></td></tr>{rows}</table><hr class="line">'
        "</body></html>"
    ).encode()


def _robots(plan: PortalPlan) -> bytes:
    has = plan.plants.__contains__
    lines = ["User-agent: *"]
    lines += ["Disallow: /quan-tri/", f"Disallow: {DUMP_PATH}"] if has(Plant.ROBOTS_BACKUP) else ["Allow: /"]
    if has(Plant.SITEMAP_LISTING):
        lines.append(f"Sitemap: https://{plan.host}/sitemap_index.xml")
    return ("\n".join(lines) + "\n").encode()


_SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _sitemap_index(plan: PortalPlan) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex {_SITEMAP_NS}>\n  <sitemap><loc>https://'
        f"{plan.host}/sitemaps/cong-bao.xml.gz</loc><lastmod>2024-06-10</lastmod></sitemap>\n"
        "</sitemapindex>\n"
    ).encode()


def _sitemap_gz(plan: PortalPlan) -> bytes:
    urls = ("/", "/gioi-thieu/", f"{ARCHIVE_FOLDER}{ARCHIVE[0][0]}")
    entries = "".join(f"  <url><loc>https://{plan.host}{u}</loc></url>\n" for u in urls)
    xml = f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {_SITEMAP_NS}>\n{entries}</urlset>\n'
    return gzip.compress(xml.encode(), mtime=0)


def _dump() -> bytes:
    return (
        b"-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)\n--\n-- Host: localhost    "
        b"Database: congthongtin\n-- ------------------------------------------------------\n\n"
        b"DROP TABLE IF EXISTS `nguoi_dung`;\n"
        b"CREATE TABLE `nguoi_dung` (`id` int NOT NULL, `ten_dang_nhap` varchar(64));\n"
        b"INSERT INTO `nguoi_dung` VALUES (1,'quantri');\n"
    )


def _phpinfo(plan: PortalPlan) -> bytes:
    rows = "".join(
        f'<tr><td class="e">{k} </td><td class="v">{v} </td></tr>\n'
        for k, v in (
            ("System", f"Linux {plan.host} 5.15.0-105-generic #115-Ubuntu SMP x86_64"),
            ("Server API", "Apache 2.0 Handler"),
            ("Loaded Configuration File", "/etc/php/8.1/apache2/php.ini"),
            ("DOCUMENT_ROOT", f"/var/www/{plan.host}"),
        )
    )
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>PHP 8.1.2-1ubuntu2.14 - phpinfo()'
        '</title></head><body><div class="center"><table><tr class="h"><td><h1 class="p">PHP Version '
        f"8.1.2-1ubuntu2.14</h1></td></tr></table><table>\n{rows}</table><h2>PHP Credits</h2></div>"
        "</body></html>\n"
    ).encode()


def _server_status(plan: PortalPlan) -> bytes:
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<html><head>\n<title>Apache Status'
        f"</title>\n</head><body>\n<h1>Apache Server Status for {plan.host} (via {plan.address})</h1>\n"
        "<dl><dt>Server Version: Apache</dt>\n<dt>Server MPM: event</dt>\n</dl><hr /><dl>\n<dt>Server "
        "uptime:  12 days 3 hours 41 minutes</dt>\n<dt>Total accesses: 1843211 - Total Traffic: 21.4 GB"
        "</dt>\n<dt>4 requests currently being processed, 71 idle workers</dt>\n</dl><pre>__W_K_____R__"
        '</pre>\n<table border="0"><tr><th>Srv</th><th>PID</th><th>Client</th><th>VHost</th><th>Request'
        f"</th></tr>\n<tr><td><b>0-0</b></td><td>4121</td><td>203.113.131.7</td><td>{plan.host}:443</td>"
        "<td>GET /tin-tuc/ HTTP/1.1</td></tr>\n</table>\n</body></html>\n"
    ).encode()


def _backup_zip(plan: PortalPlan) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            (f"{plan.host}/index.php", "<?php require 'bootstrap.php';\n"),
            (f"{plan.host}/config/database.php", "<?php return ['password' => 'lab-only'];\n"),
            ("db/portal.sql", "-- MySQL dump 10.13\nCREATE TABLE `users` (`id` int);\n"),
        ):
            archive.writestr(zipfile.ZipInfo(name, (2024, 5, 1, 8, 0, 0)), text)
    return out.getvalue()


def _env(plan: PortalPlan) -> bytes:
    return (
        f"APP_NAME=CongThongTin\nAPP_ENV=production\nAPP_KEY=base64:{'QUJD' * 11}\nAPP_DEBUG=false\n"
        f"APP_URL=https://{plan.host}\n\nDB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_PORT=3306\n"
        "DB_DATABASE=portal\nDB_USERNAME=portal\nDB_PASSWORD=lab-only-not-a-secret\n\n"
        f"MAIL_MAILER=smtp\nMAIL_HOST=mail.{plan.domain}\nMAIL_PORT=587\n"
    ).encode()


def site_pages(plan: PortalPlan) -> dict[str, Page]:
    """Every path the site serves (anything else is 404, or the home page on a soft-404 site)."""
    has = plan.plants.__contains__
    found: dict[str, Page] = {
        "/": Page(DEFACED if has(Plant.DEFACED) else _home(plan), html=True),
        "/css/site.css": Page(b"body{font-family:sans-serif;margin:0}\n", "text/css; charset=utf-8"),
        "/js/site.js": Page(b"document.documentElement.classList.add('js');\n", "text/javascript"),
        "/robots.txt": Page(_robots(plan), TEXT),
        "/.well-known/security.txt": Page(_security_txt(plan), TEXT),
    }
    planted: list[tuple[Plant, str, Callable[[], Page]]] = [
        (Plant.JOOMLA, "/administrator/", lambda: Page(JOOMLA_ADMIN, html=True)),
        (
            Plant.JOOMLA,
            "/administrator/manifests/files/joomla.xml",
            lambda: Page(JOOMLA_MANIFEST, "application/xml"),
        ),
        (Plant.JOOMLA_15, "/language/en-GB/en-GB.xml", lambda: Page(JOOMLA15_LANGUAGE, "text/xml")),
        (Plant.JOOMLA_15, "/media/system/js/mootools.js", lambda: Page(MOOTOOLS, JS)),
        (Plant.DNN, "/js/dnn.js", lambda: Page(DNN_SCRIPT, JS)),
        (Plant.DNN, "/Documentation/License.txt", lambda: Page(DNN_LICENSE, TEXT)),
        (Plant.GIT, "/.git/HEAD", lambda: Page(b"ref: refs/heads/main\n", TEXT)),
        (Plant.GIT, "/.git/config", lambda: Page(GIT_CONFIG, TEXT)),
        (Plant.LISTING, "/uploads/", lambda: Page(_listing())),
        (Plant.PHPINFO, "/phpinfo.php", lambda: Page(_phpinfo(plan))),
        (Plant.SERVER_STATUS, "/server-status", lambda: Page(_server_status(plan))),
        (Plant.BACKUP, "/backup.zip", lambda: Page(_backup_zip(plan), "application/zip")),
        (Plant.ENV, "/.env", lambda: Page(_env(plan), TEXT)),
        (Plant.SITEMAP_LISTING, "/sitemap_index.xml", lambda: Page(_sitemap_index(plan), XML)),
        (
            Plant.SITEMAP_LISTING,
            "/sitemaps/cong-bao.xml.gz",
            lambda: Page(_sitemap_gz(plan), "application/gzip"),
        ),
        (Plant.SITEMAP_LISTING, ARCHIVE_FOLDER, lambda: Page(_listing(ARCHIVE_FOLDER, ARCHIVE))),
        (Plant.VANBAN_LISTING, "/vanban/", lambda: Page(_tomcat_listing("/vanban/", VANBAN))),
        (Plant.ROBOTS_BACKUP, DUMP_PATH, lambda: Page(_dump(), "application/sql")),
    ]
    found.update({path: make() for plant, path, make in planted if has(plant)})
    if has(Plant.WORDPRESS_ASSETS):
        found.update(
            {
                a: Page(b"/* WordPress core asset */\n", "text/css" if a.endswith(".css") else JS)
                for a in WORDPRESS_ASSETS
            }
        )
    return found
