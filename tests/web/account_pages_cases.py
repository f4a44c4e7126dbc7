"""A user's own password and the administrator's set-password link, through Django's test client,
on the store of ``console_cases``, once per backend (``test_account_pages_backends``); and the
console's security.txt.

Changing one's password keeps this session and ends the others; a wrong current password is a
failed login that counts toward the lockout. A link is shown once, works once, expires after 72
hours, and a used, expired, altered or disabled user's link answers a clear page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from console_cases import PASSWORD, World, _client, _events, _text, world
from django.contrib.auth import get_user_model
from django.test import override_settings

from canhgac.console.store import account_passwords, accounts

__all__ = ["world"]  # the fixture

NEW = "sông Hậu mùa nước nổi 2026"
LINK = re.compile(r'<code class="key" id="password-link">http://testserver(/account/set-password/[^<]+)</code>')


def _change(client: object, current: str = PASSWORD, new: str = NEW, again: str | None = None) -> object:
    return client.post("/account/password/", {  # type: ignore[attr-defined]
        "current_password": current, "new_password": new, "new_password2": new if again is None else again})


def _logs_in(username: str, password: str) -> bool:
    return int(_client().post("/login/", {"username": username, "password": password}).status_code) == 302


# --- changing one's own password -------------------------------------------------------------

def test_a_user_changes_their_password_keeping_this_session_and_ending_the_others(world: World) -> None:
    other_browser = _client("leader")
    client = _client("leader")
    page = _text(client.get("/dashboard/"))
    assert 'href="/account/password/"' in page  # in the header, for every role
    assert client.get("/account/password/").status_code == 200
    answer = _change(client)
    assert answer.status_code == 302 and answer["Location"] == "/account/password/?changed=1"
    assert 'id="password-changed"' in _text(client.get(answer["Location"]))
    assert client.get("/dashboard/").status_code == 200  # this session stays
    ended = other_browser.get("/dashboard/")
    assert ended.status_code == 302 and ended["Location"].startswith("/login/")
    (event,) = _events("password.changed")
    assert (event.username, event.actor, event.address, event.detail) == (
        "leader", "leader", "192.0.2.10", {"via": "console"})
    assert not _logs_in("leader", PASSWORD) and _logs_in("leader", NEW)
    assert NEW not in get_user_model().objects.get(username="leader").password


def test_a_wrong_current_password_is_a_failed_login_and_counts_toward_the_lockout(world: World) -> None:
    client = _client("analyst")
    wrong = _change(client, current="not my password at all")
    assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in _text(wrong)
    (failed,) = _events("login.failed")
    assert (failed.username, failed.address, failed.detail) == ("analyst", "192.0.2.10",
                                                                {"purpose": "password.change"})
    for _ in range(3):
        assert _change(client, current="still not my password").status_code == 400
    locked = _change(client, current="and not this one either")
    assert locked.status_code == 429  # the fifth failure: django-axes locks name and address
    assert _change(client).status_code == 429  # even the right password, while locked
    assert get_user_model().objects.get(username="analyst").check_password(PASSWORD)
    assert _events("password.changed") == []
    assert not _logs_in("analyst", PASSWORD)  # the login is locked too


@pytest.mark.parametrize(("new", "again", "expected"), [
    ("ngắn quá", None, "Mật khẩu này quá ngắn"),
    ("password1234", None, "mật khẩu phổ biến nhất"),
    ("123456789012345", None, "chỉ gồm chữ số"),
    (NEW, NEW + "x", "Hai mật khẩu mới không khớp nhau"),
    (PASSWORD, None, "trùng mật khẩu hiện tại"),
])
def test_a_refused_new_password_says_why_and_changes_nothing(world: World, new: str, again: str | None,
                                                              expected: str) -> None:
    client = _client("officer_b")
    answer = _change(client, new=new, again=again)
    assert answer.status_code == 400 and expected in _text(answer), _text(answer)[:3000]
    assert get_user_model().objects.get(username="officer_b").check_password(PASSWORD)
    assert _events("password.changed") == []
    assert client.get("/dashboard/").status_code == 200


def test_the_password_form_needs_its_csrf_token_and_a_login(world: World) -> None:
    strict = _client(enforce_csrf_checks=True)
    strict.post("/login/", {"username": "analyst", "password": PASSWORD})  # the login form is refused too
    assert _change(strict).status_code == 403
    assert _client().get("/account/password/")["Location"].startswith("/login/?next=")
    assert _change(_client()).status_code == 302  # to the login page: nothing changed
    assert get_user_model().objects.get(username="analyst").check_password(PASSWORD)


# --- the set-password link -------------------------------------------------------------------

def _new_user(name: str = "lan") -> None:
    from canhgac.console.store.roles import Role

    accounts.create_account(name, "một mật khẩu tạm rất dài 1", Role.CSIRT_ANALYST, actor="test")


def _make_link(name: str = "lan") -> str:
    page = _client("admin").post(f"/users/{name}/", {"action": "password-link"})
    assert page.status_code == 200, _text(page)[:2000]
    found = LINK.search(_text(page))
    assert found, _text(page)[:4000]
    return found.group(1)


def _set(client: object, link: str, new: str = NEW, again: str | None = None) -> object:
    return client.post(link, {"new_password": new, "new_password2": new if again is None else again})  # type: ignore[attr-defined]


def test_a_link_is_shown_once_to_the_administrator_and_works_once(world: World) -> None:
    _new_user()
    link = _make_link()
    (made,) = _events("password.link_created")
    assert (made.username, made.actor) == ("lan", "admin")
    assert link not in _text(_client("admin").get("/users/lan/"))  # shown in the answer only
    visitor = _client()
    form = visitor.get(link)
    assert form.status_code == 200 and "lan" in _text(form)
    assert _set(visitor, link, again=NEW + "x").status_code == 400  # the typing is checked
    weak = _set(visitor, link, new="password1234")
    assert weak.status_code == 400 and "mật khẩu phổ biến nhất" in _text(weak)
    done = _set(visitor, link)
    assert done.status_code == 302 and done["Location"] == "/login/?password=set"
    assert 'id="password-set"' in _text(visitor.get(done["Location"]))
    (used,) = _events("password.set_by_link")
    assert (used.username, used.actor, used.address) == ("lan", "lan", "192.0.2.10")
    assert _logs_in("lan", NEW)
    for answer in (visitor.get(link), _set(_client(), link, new="một mật khẩu khác hẳn 99")):
        assert answer.status_code == 400 and 'id="link-invalid"' in _text(answer)
    assert get_user_model().objects.get(username="lan").check_password(NEW)


def test_a_link_expires_after_72_hours(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _new_user()
    link = _make_link()
    now = account_passwords.TOKENS._now()
    monkeypatch.setattr(account_passwords.TOKENS, "_now", lambda: now + timedelta(hours=71))
    assert _client().get(link).status_code == 200
    monkeypatch.setattr(account_passwords.TOKENS, "_now", lambda: now + timedelta(hours=73))
    expired = _set(_client(), link)
    assert expired.status_code == 400 and 'id="link-invalid"' in _text(expired)
    assert _events("password.set_by_link") == []


def test_a_link_is_void_once_the_user_has_logged_in(world: World) -> None:
    _new_user()
    link = _make_link()
    assert _logs_in("lan", "một mật khẩu tạm rất dài 1")
    assert 'id="link-invalid"' in _text(_client().get(link))


@pytest.mark.parametrize("damage", ["token", "user", "garbage", "other user"])
def test_an_altered_link_answers_a_clear_page(world: World, damage: str) -> None:
    _new_user()
    _, _, _, uid, token, _ = _make_link().split("/")
    admin_uid = account_passwords.urlsafe_base64_encode(
        str(get_user_model().objects.get(username="admin").pk).encode())
    link = {"token": f"/account/set-password/{uid}/{token[:-1]}{'a' if token[-1] != 'a' else 'b'}/",
            "user": f"/account/set-password/Zm9v/{token}/",  # "foo": not a user id
            "garbage": "/account/set-password/%00%ff/--/",
            "other user": f"/account/set-password/{admin_uid}/{token}/"}[damage]
    for answer in (_client().get(link), _set(_client(), link)):
        assert answer.status_code in (400, 404), damage
        assert answer.status_code == 404 or 'id="link-invalid"' in _text(answer), damage
    assert _events("password.set_by_link") == []


def test_a_disabled_user_gets_no_link_and_cannot_use_one(world: World) -> None:
    _new_user()
    link = _make_link()
    accounts.set_active("lan", False, actor="admin")
    answer = _client().get(link)
    assert answer.status_code == 400 and 'id="link-disabled"' in _text(answer)
    assert _set(_client(), link).status_code == 400
    refused = _client("admin").post("/users/lan/", {"action": "password-link"})
    assert refused.status_code == 400 and "đã bị vô hiệu hóa" in _text(refused)
    assert len(_events("password.link_created")) == 1


def test_only_administrators_make_links(world: World) -> None:
    for name in ("analyst", "leader", "officer_b"):
        assert _client(name).post("/users/leader/", {"action": "password-link"}).status_code == 403
    assert _events("password.link_created") == []


# --- security.txt ----------------------------------------------------------------------------

def test_no_security_txt_without_a_contact(world: World) -> None:
    with override_settings(SECURITY_CONTACT=""):
        assert _client().get("/.well-known/security.txt").status_code == 404
    with override_settings(SECURITY_CONTACT="javascript:alert(1)"):  # never served as a contact
        assert _client().get("/.well-known/security.txt").status_code == 404


def test_security_txt_names_the_contact_and_expires_within_a_year(world: World) -> None:
    with override_settings(SECURITY_CONTACT="mailto:csirt@example.gov.vn"):
        answer = _client().get("/.well-known/security.txt")
    assert answer.status_code == 200 and answer["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in _text(answer).splitlines())
    assert fields.pop("Contact") == "mailto:csirt@example.gov.vn"
    assert fields.pop("Preferred-Languages") == "vi, en"
    expires = datetime.strptime(fields.pop("Expires"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(days=300) < expires - datetime.now(UTC) <= timedelta(days=365)
    assert fields == {}  # no Canonical: the console's public address is not known on plain HTTP


def test_security_txt_behind_tls_names_its_canonical_address(world: World) -> None:
    with override_settings(SECURITY_CONTACT="https://csirt.example.gov.vn/bao-cao",
                           SESSION_COOKIE_SECURE=True,
                           ALLOWED_HOSTS=["console.example.gov.vn", "127.0.0.1", "localhost", "testserver"]):
        answer = _client().get("/.well-known/security.txt", secure=True)
    lines = _text(answer).splitlines()
    assert "Contact: https://csirt.example.gov.vn/bao-cao" in lines
    assert [line for line in lines if line.startswith("Canonical:")] == [
        "Canonical: https://console.example.gov.vn/.well-known/security.txt",
        "Canonical: https://testserver/.well-known/security.txt"]


def test_the_password_hint_is_the_policys_own_words(world: World) -> None:
    """The forms' hint is the validators' help texts (``AUTH_PASSWORD_VALIDATORS``), in the
    viewer's language: a changed policy changes it, and it never says another length."""
    hints = {"vi": "Không giống tên đăng nhập. Ít nhất 12 ký tự. Không phải mật khẩu phổ biến. "
                   "Không chỉ gồm chữ số.",
             "en": "Not similar to the user name. At least 12 characters. Not a commonly used password. "
                   "Not only digits."}
    admin = _client("admin")
    for lang, hint in hints.items():
        admin.post("/account/language/", {"language": lang, "next": "/users/"})
        for url in ("/account/password/", "/users/"):
            assert hint in _text(admin.get(url)), (lang, url)
    longer = {"NAME": "canhgac.console.store.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 16}}
    with override_settings(AUTH_PASSWORD_VALIDATORS=[longer]):  # Django's test signal resets the cache
        page = _text(admin.get("/account/password/"))
    assert '<p class="muted small" id="password-rules">At least 16 characters.</p>' in page
