"""The log detections' pages in Debian's headless Chromium (Playwright) against ``canhgac serve``
on loopback: the list with data (an SQL injection probe and an SSH brute force in A's logs, a
webmail brute force in B's), its filters, a detection's evidence lines, English too; B's officer
sees only B's detections, A's is a 404. Screenshots (``logs-*.png``) in the test artifacts."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import NEEDS_CHROMIUM, PASSWORD, Session
from console_server_support import _env, served_console

pytestmark = pytest.mark.timeout(400)

SEED = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from canhgac.console.bootstrap import migrate, setup_django
ws = Path(sys.argv[1])
setup_django(workspace=ws)
migrate()
from canhgac.console.store import accounts, services
from canhgac.console.store.roles import Role
from canhgac.logs.detection import Detection, EvidenceLine
from canhgac.services.log_store import store_detections
services.sync_agencies([{"code": "SO-A", "name": "Sở Alpha", "domains": ["alpha.gov.vn"]},
                        {"code": "SO-B", "name": "Sở Beta", "domains": ["beta.gov.vn"]}])
people = (("analyst", Role.CSIRT_ANALYST, []), ("officer", Role.AGENCY_OFFICER, ["SO-B"]))
for name, role, agencies in people:
    accounts.create_account(name, sys.argv[2], role, agencies, actor="seed")
t0 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
def lines(source, texts):
    return tuple(EvidenceLine(source, 1200 + i, t0 + timedelta(seconds=7 * i), t)
                 for i, t in enumerate(texts))
def seen(rule, severity, group, source, minutes, count, clients, accounts, texts):
    return Detection(rule, severity, group, source, t0, t0 + timedelta(minutes=minutes), count, clients,
                     accounts, lines(source, texts))
web = "/var/log/nginx/alpha.gov.vn-access.log"
probe = '"GET /tin-tuc?id=1%%27%%20UNION%%20SELECT%%20NULL-- HTTP/1.1" 200 5120 "-" "sqlmap/1.8"'
sqli = seen("logs.web.sqli", "high", "client=203.0.113.9", web, 3, 27, ("203.0.113.9",), (),
            ["203.0.113.9 - - [07/Dec/2026:08:00:0%d +0700] " % i + probe for i in range(4)])
auth = "/var/log/auth.log"
failed = "Dec  7 08:0%d:00 web01 sshd[4242]: Failed password for invalid user admin from 198.51.100.7"
brute = seen("logs.auth.brute-force", "medium", "client=198.51.100.7 service=sshd", auth, 9, 64,
             ("198.51.100.7",), ("root", "admin", "oracle"),
             [failed % i + " port 5%d ssh2" % i for i in range(3)])
mail = "syslog:mail.beta.gov.vn/dovecot"
refused = ("Dec  7 08:1%d:00 mail dovecot: imap-login: Disconnected (auth failed, 1 attempts): "
           "user=<van-thu@beta.gov.vn>, rip=192.0.2.%d")
webmail = seen("logs.auth.account-attack", "high", "account=van-thu@beta.gov.vn", mail, 20, 41,
               ("192.0.2.14", "192.0.2.77", "192.0.2.91"), ("van-thu@beta.gov.vn",),
               [refused % (i, 14 + i) for i in range(3)])
store_detections([sqli, brute], lambda d: "SO-A")
store_detections([webmail], lambda d: "SO-B")
"""


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("logs-console")
    done = subprocess.run([sys.executable, "-c", SEED, str(ws), PASSWORD], capture_output=True, text=True,
                          env=_env(), timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return ws


@pytest.fixture(scope="module")
def console(workspace: Path) -> Iterator[str]:
    with served_console(workspace) as base:
        yield base


@NEEDS_CHROMIUM
def test_the_detections_pages_in_a_browser(console: str, session: Session, shots: Path) -> None:
    pytest.importorskip("playwright.sync_api")
    page = session.page
    session.login("analyst")
    page.click("nav >> a[href=\"/logs/\"]")
    page.wait_for_url("**/logs/")
    table = page.locator("#log-detections").inner_text()
    assert "client=203.0.113.9" in table and "van-thu@beta.gov.vn" in table and "198.51.100.7" in table
    session.shot(shots, "logs-detections-vi")
    page.select_option("#id_agency", "SO-B")
    page.click("#log-filters button")
    page.wait_for_url("**/logs/?agency=SO-B*")
    assert "client=203.0.113.9" not in page.locator("#log-detections").inner_text()
    page.goto(f"{session.base}/logs/")
    page.click("#log-detections tbody tr:first-child a")
    page.wait_for_url("**/logs/*/")
    assert page.locator("#detection-lines tbody tr").count() >= 3
    session.shot(shots, "logs-detection-vi")
    page.locator("button[name=language][value=en]").click()
    page.wait_for_load_state()
    assert "Evidence lines" in page.content()
    page.goto(f"{session.base}/logs/")
    assert "Attacks seen in the logs" in page.content()
    session.shot(shots, "logs-detections-en")
    officer = Session(session.context.browser, session.base)
    try:
        officer.login("officer", lands="**/agencies/SO-B/")
        officer.page.goto(f"{session.base}/logs/")
        text = officer.page.locator("#log-detections").inner_text()
        assert "van-thu@beta.gov.vn" in text and "203.0.113.9" not in text and "198.51.100.7" not in text
        officer.shot(shots, "logs-detections-officer-vi")
    finally:
        officer.close()
