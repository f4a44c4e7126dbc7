"""The console through Django's test client, on a small real store, once per backend.

Not collected directly: ``test_console_backends.py`` runs this module in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set), because Django
is configured once per process. The store holds two agencies, A and B, each with findings;
B's officer must never see A's code, name or findings, whatever URL they try.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from markupsafe import escape

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-console-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import get_resolver  # noqa: E402
from django_otp.oath import totp  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from watch_board_support import WatchRows, seed_watch  # noqa: E402
from web_store_support import A_NAME, B_NAME, PASSWORD, USERS, A, B, seed_two_agencies  # noqa: E402
from web_store_support import logged_in as _client  # noqa: E402

from canhgac.console.store import accounts  # noqa: E402
from canhgac.console.store.account_models import SecurityEvent  # noqa: E402
from canhgac.console.store.queries import ViewerScope  # noqa: E402
from canhgac.console.store.queries.viewers import viewer_of  # noqa: E402
from canhgac.console.store.roles import Role  # noqa: E402
from canhgac.i18n import set_language  # noqa: E402

setup_test_environment()  # the test client's host, "testserver", is allowed


@dataclass(frozen=True)
class World:
    run_id: int
    watch: WatchRows  # the watch's monitors, alerts and window (``watch_board_support``)


@pytest.fixture
def world() -> Iterator[World]:
    with transaction.atomic():
        run = seed_two_agencies()
        yield World(run.pk, seed_watch())
        transaction.set_rollback(True)


def _text(answer: object) -> str:
    if getattr(answer, "streaming", False):  # a static file
        return b"".join(answer.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return answer.content.decode(errors="replace")  # type: ignore[attr-defined]


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


# --- roles and scope -------------------------------------------------------------------------

def test_each_role_maps_to_its_scope(world: World) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    for name in ("admin", "analyst", "leader"):
        viewer = viewer_of(users.get(username=name).pk)
        assert viewer is not None and viewer.scope == ViewerScope.everything(), name
    officer = viewer_of(users.get(username="officer_b").pk)
    assert officer is not None and officer.scope == ViewerScope.agencies({B})
    accounts.set_active("officer_b", False, actor="test")
    assert viewer_of(users.get(username="officer_b").pk) is None  # disabled: sees nothing
    plain = users.create_user("plain", password=PASSWORD)
    assert viewer_of(plain.pk) is None  # a Django user without a console role sees nothing


def test_an_officer_must_have_agencies_and_the_others_none(world: World) -> None:
    with pytest.raises(accounts.AccountError):
        accounts.create_account("o2", PASSWORD, Role.AGENCY_OFFICER, [], actor="test")
    with pytest.raises(accounts.AccountError):
        accounts.create_account("l2", PASSWORD, Role.LEADER, [A], actor="test")
    with pytest.raises(accounts.AccountError, match="SO-Z"):
        accounts.create_account("o3", PASSWORD, Role.AGENCY_OFFICER, ["SO-Z"], actor="test")
    with pytest.raises(accounts.AccountError):
        accounts.create_account("admin", PASSWORD, Role.LEADER, [], actor="test")  # taken


def test_the_dashboard_shows_every_agency_to_the_csirt_and_leaders(world: World) -> None:
    for name in ("admin", "analyst", "leader"):
        page = _text(_client(name).get("/dashboard/"))
        assert A_NAME in page and B_NAME in page, name
        assert 'id="agency-SO-A"' in page and 'id="agency-SO-B"' in page


def _console_urls(world: World) -> list[str]:
    """Every page the console has, with A's identifiers wherever a page takes one: a new URL
    pattern fails ``test_every_console_url_is_enumerated`` until it is listed here."""
    return ["/", "/dashboard/", f"/dashboard/?agency={A}", f"/dashboard/#agency-{A}", "/security-log/",
            f"/agencies/{A}/", f"/agencies/{A.lower()}/", f"/agencies/{B}/?agency={A}", f"/agencies/{A}%00/",
            "/agencies/../dashboard/", f"/agencies/{B}/../{A}/",
            "/security-log/?user=admin&kind=login", "/login/", "/login/totp/", "/account/totp/",
            "/account/totp/qr.svg", "/account/password/", "/account/set-password/MQ/tampered-token/",
            "/.well-known/security.txt", f"/static/console/console.css?agency={A}",
            "/reports/", "/reports/province/html/", f"/reports/agencies/{A}/html/",
            f"/reports/agencies/{A}/csv/", f"/reports/agencies/{B}/json/?agency={A}",
            "/users/", "/users/admin/", f"/users/officer_b/?agency={A}", "/inventory/",
            "/findings/", f"/findings/?agency={A}", "/findings/?q=alpha&lifecycle=all",
            *_finding_urls(A),
            "/scans/", f"/scans/?agency={A}", "/scans/?page=2", f"/scans/runs/{world.run_id}/",
            "/scans/launches/1/", "/scans/launches/1/progress/",
            "/api/v1/", "/api/v1/agencies", "/api/v1/findings?all=true",  # more in tests/web/api_cases.py
            "/watch/", "/watch/live/", f"/watch/alerts/?agency={A}", "/watch/alerts/?status=open",
            "/watch/maintenance/", "/watch/roster/", "/watch/deliveries/",
            f"/watch/deliveries/?alert={world.watch.alert_a}", *_watch_urls(world),
            "/incidents/", f"/incidents/?agency={A}", f"/incidents/?alert={world.watch.alert_a}",
            "/incidents/report-05/", f"/incidents/report-05/?agency={A}&period=2026",
            *_incident_urls(), "/indicators/", "/indicators/1/", "/indicators/1/export/",
            "/compliance/", f"/compliance/?agency={A}", f"/compliance/{A}/",
            f"/compliance/{A}/5.plan-response/", f"/compliance/{A}/5.plan-response/files/1/",
            "/compliance/summary.html", "/campaign/", f"/campaign/{A}/", f"/campaign/{A}/files/1/",
            "/sweep/", f"/sweep/{A}/", "/sweep/hosts/1/", "/logs/", f"/logs/?agency={A}", *_log_urls()]


def _log_urls() -> list[str]:
    """A detection in A's logs, stored here if there is none, by its page."""
    from canhgac.logs.detection import Detection
    from canhgac.services.log_store import fingerprint_of, store_detections

    at = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    found = Detection("logs.web.sqli", "high", "client=203.0.113.9", "/var/log/alpha.gov.vn/access.log", at,
                      at, 3, ("203.0.113.9",))
    store_detections([found], lambda _d: A, alerts=False)
    return [f"/logs/{fingerprint_of(A, found)}/"]


def _incident_urls() -> list[str]:
    """An incident of A, opened here if there is none, by its page."""
    from canhgac.console.store.incident_models import Incident
    from canhgac.services import incidents

    found = Incident.objects.filter(agency_code=A).first()
    if found is None:
        found_id = incidents.open_incident(ViewerScope.everything(), incidents.IncidentSettings(),
                                           incidents.Actor("test"), agency=A, title=f"{A_NAME} bị tấn công")
    else:
        found_id = found.pk
    return [f"/incidents/{found_id}/"]


def _watch_urls(world: World) -> list[str]:
    """A's alerts (and the one grouping A's and B's portals), A's monitors, each by its page."""
    w = world.watch
    monitors = [i for target, i in w.monitors.items() if "alpha" in target]
    return [f"/watch/alerts/{w.alert_a}/", f"/watch/alerts/{w.grouped}/",
            *(f"/watch/monitors/{i}/" for i in monitors)]


def _finding_urls(code: str) -> list[str]:
    """Each finding page of agency ``code``, by full fingerprint and by prefix."""
    from canhgac.console.store.models import Finding

    fingerprints = Finding.objects.filter(agency_code=code).values_list("fingerprint", flat=True)
    return [u for fp in fingerprints for u in (f"/findings/{fp}/", f"/findings/{fp[:8]}/")]


def test_a_nul_byte_in_a_page_request_is_refused_before_the_database(world: World) -> None:
    """PostgreSQL text holds no NUL (a 500 otherwise): not found in a path, a bad request in a
    parameter or a form field."""
    analyst = _client("analyst")
    assert analyst.get(f"/agencies/{A}\x00/").status_code == 404
    assert analyst.get("/findings/", {"q": "a\x00b"}).status_code == 400
    assert analyst.get("/findings/", {"agency\x00": A}).status_code == 400
    assert analyst.post("/findings/triage/", {"note": "x\x00"}).status_code == 400


def test_every_console_url_is_enumerated(world: World) -> None:
    patterns = {str(p.pattern) for p in get_resolver().url_patterns}
    shapes = ((r"^agencies/[^/]+/$", "agencies/<str:code>/"),
              (r"^findings/[0-9a-f]+/$", "findings/<str:fingerprint>/"),
              (r"^reports/province/[^/]+/$", "reports/province/<str:fmt>/"),
              (r"^reports/agencies/[^/]+/[^/]+/$", "reports/agencies/<str:code>/<str:fmt>/"),
              (r"^users/[^/]+/$", "users/<str:username>/"),
              (r"^account/set-password/[^/]+/[^/]+/$", "account/set-password/<str:uidb64>/<str:token>/"),
              (r"^scans/runs/\d+/$", "scans/runs/<int:run_id>/"),
              (r"^scans/launches/\d+/$", "scans/launches/<int:launch_id>/"),
              (r"^scans/launches/\d+/progress/$", "scans/launches/<int:launch_id>/progress/"),
              (r"^watch/alerts/\d+/$", "watch/alerts/<int:alert_id>/"),
              (r"^watch/monitors/\d+/$", "watch/monitors/<int:monitor_id>/"),
              (r"^incidents/\d+/$", "incidents/<int:incident_id>/"),
              (r"^indicators/\d+/$", "indicators/<int:pack_id>/"),
              (r"^indicators/\d+/export/$", "indicators/<int:pack_id>/export/"),
              (r"^compliance/summary\.[a-z]+$", "compliance/summary.<str:fmt>"),
              (r"^compliance/[^/]+/[^/]+/files/\d+/$",
               "compliance/<str:code>/<str:item>/files/<int:file_id>/"),
              (r"^compliance/[^/]+/[0-9][^/]*/$", "compliance/<str:code>/<str:item>/"),
              (r"^compliance/[A-Z][^/]+/$", "compliance/<str:code>/"),
              (r"^campaign/[^/]+/files/\d+/$", "campaign/<str:code>/files/<int:record_id>/"),
              (r"^campaign/[A-Z][^/]+/$", "campaign/<str:code>/"),
              (r"^sweep/hosts/\d+/$", "sweep/hosts/<int:host_id>/"),
              (r"^sweep/[A-Z][^/]+/$", "sweep/<str:code>/"),
              (r"^logs/[0-9a-f]{32}/$", "logs/<str:fingerprint>/"))
    listed = set()
    for u in _console_urls(world):
        u = re.sub(r"[?#].*", "", u).lstrip("/")
        for shape, pattern in shapes:
            u = re.sub(shape, pattern, u)
        listed.add(u)
    posts = {"logout/", "account/language/", "findings/triage/", "findings/<str:fingerprint>/triage/",
             "findings/<str:fingerprint>/retest/", "watch/alerts/<int:alert_id>/ack/",
             "watch/monitors/<int:monitor_id>/edit/", "watch/monitors/<int:monitor_id>/accept-baseline/",
             "watch/maintenance/<int:window_id>/end/", "watch/deliveries/<int:delivery_id>/requeue/",
             *(f"incidents/<int:incident_id>/{a}/" for a in ("entries", "move", "link", "notify", "details",
                                                              "capacity", "indicators")),
             "incidents/<int:incident_id>/forms/<str:form>/",
             "compliance/<str:code>/<str:item>/answer/", "compliance/<str:code>/<str:item>/review/",
             *(f"campaign/<str:code>/{a}/" for a in ("step", "reopen", "letter", "letters", "send-all")),
             "sweep/hosts/<int:host_id>/unpin/"}
    signed = {"alerts/ack/<str:token>/"}  # needs a signed link: tests/watch/delivery_cases.py
    assert patterns - posts - signed <= listed  # those take POST only


def test_an_officer_never_sees_another_agency_by_url_or_id(world: World) -> None:
    officer = _client("officer_b")
    for url in _console_urls(world):
        page = _text(officer.get(url, follow=True))
        page = page.replace(str(escape(url.partition("#")[0])), "")  # the page's own address, echoed
        assert A not in page and A_NAME not in page and "alpha.gov.vn" not in page, url
    board = _text(officer.get("/dashboard/"))
    assert B_NAME in board and 'id="agency-SO-B"' in board  # the test can fail: B's data is shown
    assert officer.get(f"/agencies/{A}/").status_code == 404  # as if it did not exist
    assert officer.get("/agencies/SO-NONE/").status_code == 404
    assert all(officer.get(u).status_code == 404 for u in _finding_urls(A)) and _finding_urls(A)
    own = _text(officer.get(f"/agencies/{B}/"))
    assert "beta.gov.vn" in own and "Tên miền có bản ghi SPF" in own


def test_pages_need_a_login(world: World) -> None:
    anonymous = _client()
    for url in ("/dashboard/", "/security-log/", "/account/totp/", "/account/totp/qr.svg", "/login/totp/",
                "/account/password/"):
        answer = anonymous.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/?next="), url


def test_only_administrators_read_the_security_log(world: World) -> None:
    for name in ("analyst", "leader", "officer_b"):
        assert _client(name).get("/security-log/").status_code == 403, name
    admin = _client("admin")
    _client().post("/login/", {"username": "leader", "password": "not the password"})
    created = _text(admin.get("/security-log/?kind=user.created"))
    assert created.count('<tr class="ev-user-created">') == len(USERS) and "officer_b" in created
    logins = _text(admin.get("/security-log/?kind=login"))
    assert logins.count('<tr class="ev-login">') == 4  # the three refused users' logins and the admin's
    assert '<tr class="ev-login-failed">' not in logins
    failures = _text(admin.get("/security-log/?user=leader"))
    assert failures.count('<tr class="ev-login-failed">') == 1 and "192.0.2.10" in failures


def test_a_disabled_user_loses_access_at_the_next_page(world: World) -> None:
    officer = _client("officer_b")
    accounts.set_active("officer_b", False, actor="admin")
    assert officer.get("/dashboard/").status_code == 302  # the session no longer authenticates
    again = _client().post("/login/", {"username": "officer_b", "password": PASSWORD})
    assert again.status_code == 401
    assert [e.actor for e in _events("user.disabled")] == ["admin"]


def test_a_role_change_is_logged_with_before_and_after(world: World) -> None:
    accounts.set_role("officer_b", Role.AGENCY_OFFICER, [A, B], actor="admin")
    (event,) = _events("user.role_changed")
    assert event.detail == {"before": {"role": "agency-officer", "agencies": [B]},
                            "after": {"role": "agency-officer", "agencies": [A, B]}}
    assert A_NAME in _text(_client("officer_b").get("/dashboard/"))  # now bound to A too


def test_an_officer_of_one_agency_lands_on_its_page(world: World) -> None:
    officer = _client()
    login = officer.post("/login/", {"username": "officer_b", "password": PASSWORD})
    assert login["Location"] == "/"
    assert officer.get("/")["Location"] == f"/agencies/{B}/"
    assert _client("analyst").get("/")["Location"] == "/dashboard/"


def test_the_agency_page_groups_findings_by_clause_with_evidence_and_remediation(world: World) -> None:
    page = _text(_client("analyst").get(f"/agencies/{A}/"))
    assert A_NAME in page and B_NAME not in page
    clauses = re.findall(r'<section class="clause" id="clause-([A-Z0-9]+)-', page)
    assert "CV430" in clauses  # 430/BTTTT-CATTT's mail clauses hold both findings
    first = page[page.index('<section class="clause"'):]
    first = first[:first.index("</section>")]
    assert "Tên miền có bản ghi SPF" in first  # the finding is listed under its clause
    assert "v=spf1" in page  # the remediation, rendered from the catalog's Markdown
    assert "google-site-verification=a1" in page  # the evidence: the TXT records seen
    assert "alpha.gov.vn" in page  # the declared domain, under assets
    assert 'href="/agencies/SO-A/"' in _text(_client("analyst").get("/dashboard/"))


# --- login, lockout, passwords, sessions ----------------------------------------------------

def test_login_and_failure_are_logged_with_the_address(world: World) -> None:
    client = _client()
    bad = client.post("/login/", {"username": "analyst", "password": "wrong password here"})
    assert bad.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in _text(bad)
    good = client.post("/login/", {"username": "analyst", "password": PASSWORD, "next": "/dashboard/"})
    assert good.status_code == 302 and good["Location"] == "/dashboard/"
    assert [(e.username, e.address) for e in _events("login.failed")] == [("analyst", "192.0.2.10")]
    assert [(e.username, e.address) for e in _events("login")] == [("analyst", "192.0.2.10")]


def test_a_foreign_next_url_is_ignored(world: World) -> None:
    answer = _client().post("/login/", {"username": "analyst", "password": PASSWORD,
                                        "next": "https://evil.example/steal"})
    assert answer["Location"] == "/"


def test_five_failures_lock_the_account_for_fifteen_minutes(world: World) -> None:
    from axes.models import AccessAttempt

    client = _client()
    for _ in range(4):
        assert client.post("/login/", {"username": "leader", "password": "not it at all"}).status_code == 401
    assert client.post("/login/", {"username": "leader", "password": "not it at all"}).status_code == 429
    locked = _client(REMOTE_ADDR="192.0.2.99").post("/login/", {"username": "leader", "password": PASSWORD})
    assert locked.status_code == 429 and "15" in _text(locked)  # the right password, from elsewhere
    assert [e.username for e in _events("login.locked_out")][:1] == ["leader"]
    by_address = _client().post("/login/", {"username": "analyst", "password": PASSWORD})
    assert by_address.status_code == 429  # the address that failed five times is locked too
    AccessAttempt.objects.update(attempt_time=datetime.now(UTC) - timedelta(minutes=16))
    assert _client().post("/login/", {"username": "leader", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize(("password", "lang", "expected"), [
    ("short pw 1", "en", "too short: it needs at least 12 characters"),
    ("short pw 1", "vi", "quá ngắn"),
    ("password1234", "en", "among the most common"),
    ("123456789012345", "en", "only digits"),
    ("officer_b_2024", "en", "too similar to the user name"),
])
def test_the_password_policy_refuses(world: World, password: str, lang: str, expected: str) -> None:
    set_language(lang)
    try:
        with pytest.raises(accounts.PasswordRejectedError) as refused:
            accounts.check_password("officer_b_2024", password)
    finally:
        set_language("vi")
    assert any(expected in reason for reason in refused.value.reasons), refused.value.reasons


def test_a_good_password_passes_and_is_stored_hashed(world: World) -> None:
    from django.contrib.auth import get_user_model

    accounts.check_password("newcomer", "mưa rào tháng sáu 7")
    user = get_user_model().objects.get(username="analyst")
    assert PASSWORD not in user.password and user.check_password(PASSWORD)


def test_logout_takes_a_post_and_ends_the_session(world: World) -> None:
    client = _client("analyst")
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302
    assert [e.username for e in _events("logout")] == ["analyst"]


def test_a_form_without_its_csrf_token_is_refused(world: World) -> None:
    strict = _client(enforce_csrf_checks=True)
    answer = strict.post("/login/", {"username": "analyst", "password": PASSWORD})
    assert answer.status_code == 403 and "Biểu mẫu đã hết hạn" in _text(answer)
    assert "<style" not in _text(answer)  # the console's page, not Django's (inline CSS)


def test_cookies_are_httponly_and_samesite(world: World) -> None:
    client = _client()
    client.get("/login/")
    client.post("/login/", {"username": "analyst", "password": PASSWORD})
    for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["httponly"] and cookie["samesite"] == "Lax", name
        assert not cookie["secure"]  # plain HTTP on loopback; Secure with CANHGAC_CONSOLE_TLS=1


# --- TOTP ------------------------------------------------------------------------------------

def _code(device: TOTPDevice, *, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _enrol(client: Client, username: str) -> TOTPDevice:
    page = client.get("/account/totp/")
    assert page.status_code == 200 and "<img" in _text(page)
    qr = client.get("/account/totp/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    assert client.post("/account/totp/", {"token": "000000" if _code(device) != "000000" else "111111"}
                       ).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # the refusal above slowed further attempts down, as it should
    assert client.post("/account/totp/", {"token": _code(device)})["Location"] == "/"
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_enrolled_users_must_pass_totp_at_every_login(world: World) -> None:
    device = _enrol(_client("analyst"), "analyst")
    assert [e.username for e in _events("totp.enrolled")] == ["analyst"]
    client = _client()
    login = client.post("/login/", {"username": "analyst", "password": PASSWORD, "next": "/security-log/"})
    assert login["Location"].startswith("/login/totp/")
    assert client.get("/dashboard/")["Location"] == "/login/totp/"  # nothing before the code
    assert client.get("/account/totp/")["Location"] == "/login/totp/"  # no second device either
    assert client.get("/account/totp/qr.svg").status_code == 404
    assert client.post("/login/totp/", {"token": "12345x"}).status_code == 401
    assert [e.username for e in _events("totp.failed")] == ["analyst"]
    device.refresh_from_db()
    device.throttle_reset()  # the failure above slowed further attempts down, as it should
    passed = client.post("/login/totp/", {"token": _code(device, offset=1), "next": "/dashboard/"})
    assert passed.status_code == 302 and passed["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_an_administrator_can_require_totp_before_any_page(world: World) -> None:
    accounts.set_totp_required("leader", True, actor="admin")
    client = _client("leader")
    assert client.get("/dashboard/")["Location"] == "/account/totp/"
    page = _text(client.get("/account/totp/"))
    assert "Quản trị viên yêu cầu" in page
    _enrol(client, "leader")
    assert client.get("/dashboard/").status_code == 200


# --- language and the page itself ------------------------------------------------------------

def test_vietnamese_by_default_and_english_per_user(world: World) -> None:
    client = _client("analyst")
    page = _text(client.get("/dashboard/"))
    assert '<html lang="vi">' in page and "Đăng xuất" in page and "Cơ quan" in page
    switched = client.post("/account/language/", {"language": "en", "next": "/dashboard/"})
    assert switched["Location"] == "/dashboard/"
    page = _text(client.get("/dashboard/"))
    assert '<html lang="en">' in page and "Log out" in page and "Agencies, worst first" in page
    other = _text(_client("leader").get("/dashboard/"))
    assert '<html lang="vi">' in other  # one user's choice is theirs alone
    assert _client().post("/account/language/", {"language": "fr"}).status_code == 400


def test_times_and_ratios_print_as_in_the_reports() -> None:
    """The pages' ``when`` and ``percent`` filters are the reports' formatters in the request's
    language (one way to print a time or a ratio)."""
    from datetime import UTC, datetime

    from django.utils import translation

    from canhgac.i18n.formats import format_percent
    from canhgac.reports.view import format_time
    from canhgac.web.jinja import environment

    env = environment()
    moment = datetime(2026, 12, 6, 20, 5, tzinfo=UTC)
    for lang in ("vi", "en"):
        with translation.override(lang):
            assert env.filters["when"](moment) == format_time(moment, lang)  # type: ignore[arg-type]
            assert env.filters["when"](None) == ""
            assert env.filters["percent"](0.875) == format_percent(0.875, lang)
    assert format_time(moment, "vi") == "03:05 07/12/2026 (+07:00)"


def test_the_login_page_follows_the_language_cookie(world: World) -> None:
    client = _client()
    client.post("/account/language/", {"language": "en", "next": "/login/"})
    assert "Log in to the canhgac console" in _text(client.get("/login/"))


def test_every_page_sends_the_security_headers(world: World) -> None:
    client = _client("admin")
    for url in ("/login/", "/dashboard/", "/security-log/", "/no-such-page/", "/static/console/console.css"):
        answer = client.get(url)
        csp = answer["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp, url
        assert "frame-ancestors 'none'" in csp and answer["X-Content-Type-Options"] == "nosniff", url
        assert answer["Referrer-Policy"] == "same-origin", url
    assert client.get("/dashboard/")["X-Frame-Options"] == "DENY"
    assert client.get("/dashboard/")["Cache-Control"] == "no-store"
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "Không tìm thấy trang" in _text(missing)


def test_the_dashboard_explains_each_grade(world: World) -> None:
    page = _text(_client("admin").get("/dashboard/"))
    row_a = page[page.index('id="agency-SO-A"'):page.index('id="agency-SO-B"')]
    # A: two high findings (15 risk points each) -> 30 points, score 100*100/130 = 76.9, grade B
    assert "Thư điện tử 30 = 30" in row_a and "76,9" in row_a and "grade-B" in row_a
    assert "Tên miền có bản ghi SPF" in row_a  # the requirement not met, in the viewer's language
    opened = re.findall(r'<td class="num warm">(\d+)</td>', row_a)
    assert opened == ["2"]  # two open high findings
