"""The users page through Django's test client, on the store of ``console_cases``, once per
backend (``test_users_page_backends``): administrators only; create, change role and
agencies, disable and enable, require TOTP, each logged with the administrator as the actor;
refusals shown, nothing half-done; an administrator cannot lock themselves out.
"""

from __future__ import annotations

from console_cases import PASSWORD, USERS, A, B, World, _client, _events, _text, world
from django.contrib.auth import get_user_model

from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.queries import ViewerScope
from canhgac.console.store.queries.viewers import viewer_of

__all__ = ["world"]  # the fixture

NEW = {"username": "lan", "role": "agency-officer", "agencies": [A], "password": PASSWORD,
       "password2": PASSWORD}


def _viewer(name: str) -> object:
    return viewer_of(get_user_model().objects.get(username=name).pk)


def test_only_administrators_reach_the_users_pages(world: World) -> None:
    for name in ("analyst", "leader", "officer_b"):
        client = _client(name)
        for url in ("/users/", "/users/admin/", "/users/officer_b/"):
            assert client.get(url).status_code == 403, (name, url)
        assert client.post("/users/", NEW).status_code == 403
        assert client.post("/users/officer_b/", {"action": "disable"}).status_code == 403
    assert not get_user_model().objects.filter(username="lan").exists()
    assert _viewer("officer_b") is not None  # still enabled
    assert _client().get("/users/")["Location"].startswith("/login/?next=")


def test_the_list_shows_every_account_with_role_and_agencies(world: World) -> None:
    page = _text(_client("admin").get("/users/"))
    for name in USERS:
        assert f'id="user-{name}"' in page, name
    row = page[page.index('id="user-officer_b"'):]
    row = row[:row.index("</tr>")]
    assert "Cán bộ cơ quan" in row and B in row and "đang hoạt động" in row


def test_an_administrator_creates_an_officer_bound_to_an_agency(world: World) -> None:
    admin = _client("admin")
    answer = admin.post("/users/", {**NEW, "totp_required": "on"})
    assert answer.status_code == 302 and answer["Location"] == "/users/lan/"
    viewer = _viewer("lan")
    assert viewer is not None and viewer.scope == ViewerScope.agencies({A})  # type: ignore[attr-defined]
    assert viewer.totp_required  # type: ignore[attr-defined]
    (event,) = _events("user.created")[-1:]
    assert (event.username, event.actor) == ("lan", "admin")
    assert event.detail == {"role": "agency-officer", "agencies": [A], "totp_required": True}
    page = _text(admin.get("/users/lan/"))
    assert "lan" in page and A in page and "ev-user-created" in page


def test_refused_creations_say_why_and_create_nothing(world: World) -> None:
    admin = _client("admin")
    before = SecurityEvent.objects.count()
    cases = [
        ({"password": "ngắn", "password2": "ngắn"}, "Mật khẩu này quá ngắn"),
        ({"password": "password1234", "password2": "password1234"}, "mật khẩu phổ biến nhất"),
        ({"password2": PASSWORD + "x"}, "Hai mật khẩu không khớp nhau"),
        ({"agencies": []}, "phải được gắn với ít nhất một cơ quan"),
        ({"role": "leader"}, "xem được mọi cơ quan"),
        ({"role": "root", "agencies": []}, "root"),
        ({"username": "officer_b"}, "đã tồn tại"),
        ({"username": " lan"}, "1 đến 150 ký tự"),
        ({"agencies": ["SO-NONE"]}, "SO-NONE"),
    ]
    for change, expected in cases:
        answer = admin.post("/users/", {**NEW, **change})
        assert answer.status_code == 400, change
        assert expected in _text(answer), (change, _text(answer)[:3000])
    assert not get_user_model().objects.filter(username__in=["lan", " lan"]).exists()
    assert SecurityEvent.objects.count() == before  # no account change was logged either


def test_role_access_and_totp_changes_are_applied_and_logged(world: World) -> None:
    admin = _client("admin")
    officer = _client("officer_b")
    answer = admin.post("/users/officer_b/", {"action": "role", "role": "agency-officer", "agencies": [A, B]})
    assert answer.status_code == 302
    assert _viewer("officer_b").scope == ViewerScope.agencies({A, B})  # type: ignore[attr-defined]
    (changed,) = _events("user.role_changed")
    assert changed.actor == "admin"
    assert changed.detail["after"] == {"role": "agency-officer", "agencies": [A, B]}
    assert admin.post("/users/officer_b/", {"action": "disable"}).status_code == 302
    assert officer.get("/dashboard/").status_code == 302  # the open session ends at its next page
    assert admin.post("/users/officer_b/", {"action": "enable"}).status_code == 302
    assert admin.post("/users/officer_b/", {"action": "require-totp"}).status_code == 302
    assert _client("officer_b").get("/dashboard/")["Location"] == "/account/totp/"
    assert admin.post("/users/officer_b/", {"action": "lift-totp"}).status_code == 302
    assert [(e.kind, e.actor) for e in SecurityEvent.objects.filter(username="officer_b", actor="admin")
            .order_by("pk")] == [("user.role_changed", "admin"), ("user.disabled", "admin"),
                                 ("user.enabled", "admin"), ("user.totp_required", "admin"),
                                 ("user.totp_required", "admin")]
    page = _text(admin.get("/users/officer_b/"))
    assert page.count('class="ev-user-totp_required"') == 2


def test_a_refused_change_says_why_and_changes_nothing(world: World) -> None:
    admin = _client("admin")
    answer = admin.post("/users/officer_b/", {"action": "role", "role": "agency-officer"})
    assert answer.status_code == 400 and "phải được gắn với ít nhất một cơ quan" in _text(answer)
    assert admin.post("/users/officer_b/", {"action": "role", "role": "king"}).status_code == 400
    assert admin.post("/users/officer_b/", {"action": "explode"}).status_code == 400
    assert _viewer("officer_b").scope == ViewerScope.agencies({B})  # type: ignore[attr-defined]
    assert _events("user.role_changed") == []
    assert admin.get("/users/nobody/").status_code == 404
    assert admin.post("/users/nobody/", {"action": "disable"}).status_code == 404


def test_an_administrator_cannot_lock_themselves_out(world: World) -> None:
    admin = _client("admin")
    own = admin.post("/users/admin/", {"action": "disable"})
    assert own.status_code == 400 and "không thể vô hiệu hóa tài khoản của chính mình" in _text(own)
    demote = admin.post("/users/admin/", {"action": "role", "role": "leader"})
    assert demote.status_code == 400
    assert admin.get("/users/").status_code == 200  # still an administrator, still active
    assert _events("user.disabled") == [] and _events("user.role_changed") == []
    assert admin.post("/users/admin/", {"action": "require-totp"}).status_code == 302  # this is allowed
