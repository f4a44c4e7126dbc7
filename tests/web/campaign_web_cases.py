"""The account-hygiene campaign (issue 16, item 4) through Django's test client, on the store of
``console_cases`` (agencies A and B, B's officer, a leader, the CSIRT) with leaked accounts of
both, once per backend (``test_campaign_web_backends``): the overview's counts and share closed;
an agency's accounts and steps; steps recorded with evidence (a note, a file with its SHA-256)
and by attestation until the case closes; the CSIRT reopening it; letters to a holder and to the
head as Word and .eml, in Vietnamese and English, recorded; sending refused without a relay; the
compliance item counting closure; B's officer never reading or acting on A's accounts by page
or API (404) and leaders refused (403); every act and refusal in the security log; and no page,
API answer, letter or log line holding a password, a keyed hash or a full SHA-1.
"""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import hmac
import io
import json
import re
from typing import Any

import docx
from console_cases import World, _client, _text, world  # sets Django up: first

# isort: split
from api_support import Api, error_line
from django.test import Client
from django.utils import timezone
from web_store_support import A_NAME, B_NAME, A, B

from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.campaign_models import CampaignLetter, CampaignRecord
from canhgac.console.store.leak_models import LeakedAccount
from canhgac.console.store.queries import ViewerScope
from canhgac.services import campaign

__all__ = ["world"]  # the fixture

PASSWORDS = {
    "le.c@beta.gov.vn": "Beta@2024secret",
    "tran.d@beta.gov.vn": "matkhau-BETA-99",
    "an.b@alpha.gov.vn": "Alpha!Leaked#7",
}
B1, B2, A1 = "le.c@beta.gov.vn", "tran.d@beta.gov.vn", "an.b@alpha.gov.vn"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _digest(password: str) -> str:
    return hmac.new(b"test-key", password.encode(), hashlib.sha256).hexdigest()


def _secrets() -> list[str]:
    """Every password and every full hash of one (keyed, SHA-1 upper and lower, SHA-256)."""
    found = []
    for pw in PASSWORDS.values():
        sha1 = hashlib.sha1(pw.encode()).hexdigest()
        found += [pw, _digest(pw), sha1, sha1.upper(), hashlib.sha256(pw.encode()).hexdigest()]
    return found


def _seed() -> None:
    now = timezone.now()
    for address, agency, breach, day, service in (
        (B1, B, "Combo 2024", dt.date(2024, 3, 1), ""),
        (B1, B, "LinkedIn", dt.date(2016, 5, 17), "linkedin.com"),
        (B2, B, "Combo 2024", dt.date(2024, 3, 1), ""),
        (A1, A, "Forum VN", dt.date(2023, 1, 9), "forum.example.vn"),
    ):
        pw = PASSWORDS[address]
        LeakedAccount.objects.create(
            address=address,
            agency_code=agency,
            breach=breach,
            breach_date=day,
            service=service,
            secret_kind="password",
            secret_hmac=_digest(pw),
            sha1_prefix=hashlib.sha1(pw.encode()).hexdigest()[:5].upper(),
            imported_at=now,
        )


def _ok(answer: Any, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, _text(answer)[:1500])
    return _text(answer)


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _step(client: Client, code: str = B, **form: Any) -> Any:
    return client.post(f"/campaign/{code}/step/", form)


def _error_line(page: str) -> str:
    found = re.search(r'<p class="error" role="alert" id="campaign-error">([^<]*)</p>', page)
    assert found, page[:3000]
    return found.group(1)


def _close_b1(client: Client) -> None:
    for step in ("password", "sessions"):
        assert _step(client, address=B1, step=step, how="evidence", note=f"{step} done").status_code == 302
    assert (
        _step(
            client,
            address=B1,
            step="second-factor",
            how="attestation",
            statement="Tôi xác nhận đã bật xác thực hai yếu tố",
        ).status_code
        == 302
    )


# --- the overview and the agency page ---------------------------------------------------------


def test_the_overview_counts_per_agency_for_the_csirt_and_leaders(world: World) -> None:
    _seed()
    for name in ("analyst", "leader", "admin"):
        page = _ok(_client(name).get("/campaign/"))
        assert 'id="agency-SO-A"' in page and 'id="agency-SO-B"' in page, name
        assert A_NAME in page and B_NAME in page
    page = _ok(_client("analyst").get("/campaign/"))
    assert re.search(r'id="total-affected"><div class="tile-num">3<', page)
    assert 'aria-current="page">Chiến dịch</a>' in page
    assert f'href="/campaign/{B}/"' in page
    leader = _ok(_client("leader").get("/campaign/"))
    assert f'href="/campaign/{B}/"' not in leader  # leaders read the summary only
    assert _client("leader").get(f"/campaign/{B}/").status_code == 404


def test_an_officer_sees_and_acts_only_on_their_own_agency(world: World) -> None:
    _seed()
    officer = _client("officer_b")
    overview = _ok(officer.get("/campaign/"))
    assert 'id="agency-SO-B"' in overview and A not in overview and A_NAME not in overview
    assert A1 not in overview
    own = _ok(officer.get(f"/campaign/{B}/"))
    assert B1 in own and B2 in own and A1 not in own
    assert officer.get(f"/campaign/{A}/").status_code == 404
    assert officer.get("/campaign/SO-NONE/").status_code == 404
    assert _step(officer, A, address=A1, step="password", how="evidence", note="x").status_code == 404
    assert officer.post(f"/campaign/{A}/letter/", {"kind": "head", "format": "docx"}).status_code == 404
    assert officer.post(f"/campaign/{A}/reopen/", {"address": A1, "reason": "x"}).status_code == 404
    # A's account posted to B's page: not found either, and nothing recorded
    crossed = _step(officer, B, address=A1, step="password", how="evidence", note="x")
    assert crossed.status_code == 404 and A_NAME not in _text(crossed)
    assert not CampaignRecord.objects.filter(agency_code=A).exists()
    assert not CampaignRecord.objects.filter(address=A1).exists()
    refused = _events("campaign.refused")
    assert {e.detail["reason"] for e in refused} == {"agency", "account"} and refused
    assert officer.post(f"/campaign/{B}/reopen/", {"address": B1, "reason": "x"}).status_code == 403


def test_steps_close_a_case_then_the_csirt_reopens_it(world: World) -> None:
    _seed()
    officer, analyst = _client("officer_b"), _client("analyst")
    sent = _step(
        officer,
        address=B1,
        step="password",
        how="evidence",
        note="Đổi mật khẩu qua webmail",
        file=_upload("anh-chup.png", PNG),
    )
    assert sent.status_code == 302 and "saved=step" in sent["Location"]
    page = _ok(officer.get(sent["Location"]))
    assert "anh-chup.png" in page and hashlib.sha256(PNG).hexdigest()[:12] in page
    (record,) = CampaignRecord.objects.filter(address=B1)
    assert record.file_sha256 == hashlib.sha256(PNG).hexdigest() and record.actor == "officer_b"
    download = officer.get(f"/campaign/{B}/files/{record.pk}/")
    assert download.status_code == 200 and download.content == PNG
    assert _client("officer_b").get(f"/campaign/{A}/files/{record.pk}/").status_code == 404
    _close_b1(officer)
    page = _ok(officer.get(f"/campaign/{B}/"))
    assert 'id="state-le.c@beta.gov.vn">đã đóng' in page and "Tôi xác nhận" in page
    overview = campaign.overview(ViewerScope.everything())
    b = next(r for r in overview if r.code == B)
    assert (b.affected, b.closed, b.percent) == (2, 1, 50)
    steps = _events("campaign.step")
    assert [e.detail["step"] for e in steps] == ["password", "password", "sessions", "second-factor"]
    assert steps[0].detail["sha256"] == hashlib.sha256(PNG).hexdigest() and steps[0].address == "192.0.2.10"
    # refusals in one line
    empty = _step(officer, address=B2, step="password", how="evidence", note="")
    assert empty.status_code == 400 and "bằng chứng" in _error_line(_text(empty))
    no_word = _step(officer, address=B2, step="sessions", how="attestation", statement=" ")
    assert no_word.status_code == 400
    bad = _step(officer, address=B2, step="password", how="evidence", file=_upload("x.png", b"MZ"))
    assert bad.status_code == 400 and "x.png" in _error_line(_text(bad))
    assert _step(officer, address=B2, step="firewall", how="evidence", note="x").status_code == 400
    # the CSIRT reopens
    assert analyst.post(f"/campaign/{B}/reopen/", {"address": B1, "reason": ""}).status_code == 400
    reopened = analyst.post(f"/campaign/{B}/reopen/", {"address": B1, "reason": "Vẫn đăng nhập được"})
    assert reopened.status_code == 302
    page = _ok(analyst.get(f"/campaign/{B}/"))
    assert 'id="state-le.c@beta.gov.vn">đang mở' in page
    (event,) = _events("campaign.reopened")
    assert event.detail["steps"] == ["password", "sessions", "second-factor"]
    assert event.detail["reason"] == "Vẫn đăng nhập được"
    leader = _client("leader")
    assert _step(leader, address=B2, step="password", how="evidence", note="x").status_code in (403, 404)


def test_the_compliance_item_counts_closure(world: World) -> None:
    from canhgac.services.compliance import compliance_status

    _seed()
    from canhgac.console.store.leak_models import BreachImport

    BreachImport.objects.create(
        identity="x",
        source="Combo",
        breach_date=dt.date(2024, 3, 1),
        file_name="c.txt",
        size=1,
        started_at=timezone.now(),
        updated_at=timezone.now(),
    )
    today = dt.date(2026, 12, 7)
    cell = compliance_status(ViewerScope.everything(), today=today).cell(B, "3.leaked-addresses")
    assert cell.status.value == "not_done" and cell.why == "campaign.cases_open"
    officer = _client("officer_b")
    _close_b1(officer)
    cell = compliance_status(ViewerScope.everything(), today=today).cell(B, "3.leaked-addresses")
    assert cell.status.value == "partly" and cell.why == "campaign.some_closed"
    for step in ("password", "sessions", "second-factor"):
        _step(officer, address=B2, step=step, how="attestation", statement="đã làm")
    cell = compliance_status(ViewerScope.everything(), today=today).cell(B, "3.leaked-addresses")
    assert cell.status.value == "done" and cell.why == "campaign.closed"


# --- letters -------------------------------------------------------------------------------------


def _docx_text(data: bytes) -> str:
    doc = docx.Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def test_letters_to_a_holder_and_the_head_in_both_languages(world: World) -> None:
    _seed()
    officer = _client("officer_b")
    head = officer.post(f"/campaign/{B}/letter/", {"kind": "head", "format": "docx", "lang": "vi"})
    assert head.status_code == 200 and head["Content-Disposition"].endswith(".docx")
    text = _docx_text(head.content)
    assert "Thủ trưởng" in text and B1 in text and B2 in text and A1 not in text and "THÔNG BÁO" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "{{" not in text
    user = officer.post(
        f"/campaign/{B}/letter/", {"kind": "user", "address": B1, "format": "docx", "lang": "en"}
    )
    text = _docx_text(user.content)
    assert "NOTICE" in text and B1 in text and B2 not in text and "LinkedIn" in text
    assert "yes, in clear" in text  # what the breach held, in words: never the password
    assert "second factor" in text and "SOCIALIST REPUBLIC OF VIETNAM" in text
    eml = officer.post(
        f"/campaign/{B}/letter/", {"kind": "user", "address": B1, "format": "eml", "lang": "vi"}
    )
    assert eml.status_code == 200 and eml["Content-Type"] == "message/rfc822"
    message = email.message_from_bytes(eml.content, policy=email.policy.default)
    assert message["To"] == B1 and "bị lộ" in message["Subject"]
    body = message.get_body().get_content()  # type: ignore[union-attr]
    assert "Combo 2024" in body and "xác thực" in body
    rows = list(CampaignLetter.objects.order_by("pk").values_list("kind", "channel", "language", "address"))
    assert rows == [("head", "docx", "vi", ""), ("user", "docx", "en", B1), ("user", "eml", "vi", B1)]
    assert len(_events("campaign.letter")) == 3
    page = _ok(officer.get(f"/campaign/{B}/"))
    assert len(re.findall(r'id="letter-[0-9]+"', page)) == 3
    assert 'id="letter-send"' not in page  # sending is the CSIRT's
    assert officer.post(f"/campaign/{B}/letter/", {"kind": "head", "format": "send"}).status_code == 403
    refused = _client("analyst").post(f"/campaign/{B}/letter/", {"kind": "head", "format": "send"})
    assert refused.status_code == 400 and "watch.email" in _error_line(_text(refused))
    overview = _ok(_client("analyst").get("/campaign/"))
    assert re.search(r'data-label="Số thư" class="num">3', overview)


# --- the API -------------------------------------------------------------------------------------


def test_the_api_mirrors_the_pages_and_their_scope(world: World) -> None:
    _seed()
    officer, analyst, leader = Api.as_user("officer_b"), Api.as_user("analyst"), Api.as_user("leader")
    assert [r["agency"] for r in officer.get("/campaign").json()] == [B]
    overview = {r["agency"]: r for r in analyst.get("/campaign").json()}
    assert overview[B]["affected"] == 2 and overview[A]["affected"] == 1 and overview[B]["share_closed"] == 0
    assert leader.get("/campaign").status_code == 200
    error_line(leader.get(f"/campaign/{B}"), 403)
    error_line(officer.get(f"/campaign/{A}"), 404)
    error_line(
        officer.upload(
            f"/campaign/{A}/steps", {"address": A1, "step": "password", "how": "evidence", "note": "x"}
        ),
        404,
    )
    error_line(officer.post(f"/campaign/{A}/letters", {"kind": "head"}), 404)
    error_line(
        officer.upload(
            f"/campaign/{B}/steps", {"address": A1, "step": "password", "how": "evidence", "note": "x"}
        ),
        404,
    )
    for step in ("password", "sessions", "second-factor"):
        done = officer.upload(
            f"/campaign/{B}/steps",
            {"address": B2, "step": step, "how": "attestation", "statement": "Đã thực hiện"},
        )
        assert done.status_code == 201, done.content[:500]
    case = next(c for c in done.json()["cases"] if c["address"] == B2)
    assert [b["password_leaked"] for b in case["breaches"]] == [True]
    assert case["closed"] and [s["how"] for s in case["steps"]] == ["attestation"] * 3
    error_line(
        officer.upload(f"/campaign/{B}/steps", {"address": B1, "step": "password", "how": "evidence"}), 422
    )
    error_line(officer.post(f"/campaign/{B}/reopen", {"address": B2, "reason": "x"}), 403)
    reopened = analyst.post(f"/campaign/{B}/reopen", {"address": B2, "reason": "Kiểm tra lại"})
    assert (
        reopened.status_code == 200
        and not next(c for c in reopened.json()["cases"] if c["address"] == B2)["closed"]
    )
    letter = officer.post(
        f"/campaign/{B}/letters", {"kind": "user", "address": B1, "format": "eml", "language": "en"}
    )
    assert letter.status_code == 200 and b"Subject:" in letter.content
    assert [r["channel"] for r in officer.get(f"/campaign/{B}/letters").json()] == ["eml"]
    error_line(officer.post(f"/campaign/{B}/letters/send", {"kind": "head"}), 403)
    error_line(analyst.post(f"/campaign/{B}/letters/send", {"kind": "head"}), 409)
    assert "campaign" in analyst.get("/openapi.json").content.decode()


# --- nothing secret anywhere ---------------------------------------------------------------------


def test_no_page_api_letter_or_log_holds_a_password_or_a_full_hash(world: World) -> None:
    _seed()
    officer, analyst = _client("officer_b"), _client("analyst")
    _close_b1(officer)
    shown = []
    for client in (officer, analyst):
        for url in ("/campaign/", f"/campaign/{B}/", "/security-log/"):
            shown.append(_text(client.get(url)))
    shown.append(_text(analyst.get(f"/campaign/{A}/")))
    api = Api.as_user("analyst")
    for path in ("/campaign", f"/campaign/{A}", f"/campaign/{B}", f"/campaign/{B}/letters"):
        shown.append(api.get(path).content.decode())
    for lang in ("vi", "en"):
        for kind, address in (("head", ""), ("user", B1)):
            for fmt in ("docx", "eml"):
                answer = analyst.post(
                    f"/campaign/{B}/letter/", {"kind": kind, "address": address, "format": fmt, "lang": lang}
                )
                assert answer.status_code == 200
                shown.append(_docx_text(answer.content) if fmt == "docx" else answer.content.decode())
                if fmt == "docx":
                    shown.append(answer.content.decode("latin-1"))
    shown += [json.dumps(e.detail, ensure_ascii=False) for e in SecurityEvent.objects.all()]
    shown += [str(r.__dict__) for r in CampaignRecord.objects.all()]
    shown += [str(r.__dict__) for r in CampaignLetter.objects.all()]
    secrets = _secrets()
    prefixes = [hashlib.sha1(p.encode()).hexdigest()[:5].upper() for p in PASSWORDS.values()]
    for text in shown:
        for secret in secrets:
            assert secret not in text
    api_text = "".join(shown[7:11])
    assert not any(p in api_text for p in prefixes)


def test_english_pages(world: World) -> None:
    _seed()
    client = _client("analyst")
    client.post("/account/language/", {"language": "en", "next": "/campaign/"})
    page = _ok(client.get("/campaign/"))
    assert "Account campaign" in page and "Share closed" in page
    page = _ok(client.get(f"/campaign/{B}/"))
    assert "password changed" in page and "Record a step" in page


def test_the_reports_give_the_share_closed_per_agency(world: World) -> None:
    _seed()
    _close_b1(_client("officer_b"))
    province = _ok(_client("analyst").get("/reports/province/html/"))
    table = province.split('id="campaign-table"', 1)[1].split("</table>", 1)[0]
    assert B_NAME in table and "50 %" in table and A_NAME in table and "0 %" in table
    assert 'id="campaign-SO-B"' in province
    own = json.loads(_ok(_client("officer_b").get(f"/reports/agencies/{B}/json/")))
    assert own["report"]["campaign"] == {B: {"affected": 2, "closed": 1}}
    import csv

    answer = _client("analyst").get("/reports/province/csv/")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    cols = ("campaign_affected", "campaign_closed", "campaign_percent_closed")
    share = {r["agency"]: tuple(r[c] for c in cols) for r in rows}
    assert share[B] == ("2", "1", "50") and share[A] == ("1", "0", "0")
    own_csv = _client("officer_b").get(f"/reports/agencies/{B}/csv/").content.decode("utf-8-sig")
    mine = list(csv.DictReader(io.StringIO(own_csv)))
    assert {r["agency"] for r in mine} == {B} and mine[0]["campaign_percent_closed"] == "50"
    for secret in _secrets():
        assert secret not in province


# --- letters in bulk -----------------------------------------------------------------------------


def _zip_texts(data: bytes) -> dict[str, str]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return {n: _docx_text(archive.read(n)) for n in archive.namelist()}


def test_every_letter_of_an_agency_as_one_zip_scoped(world: World) -> None:
    _seed()
    officer = _client("officer_b")
    page = _ok(officer.get(f"/campaign/{B}/"))
    assert 'id="letters-zip"' in page and 'id="letters-send-all"' not in page  # sending: the CSIRT's
    answer = officer.post(f"/campaign/{B}/letters/", {"lang": "vi"})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"].endswith(".zip")
    texts = _zip_texts(answer.content)
    stem = "campaign-SO-B-{}-vi.docx"
    whom = ("le.c_at_beta.gov.vn", "tran.d_at_beta.gov.vn", "thu-truong")
    assert sorted(texts) == sorted(stem.format(w) for w in whom)
    holder = texts[stem.format(whom[0])]
    assert B1 in holder and B2 not in holder
    assert B1 in texts[stem.format("thu-truong")] and B2 in texts[stem.format("thu-truong")]
    assert A1 not in "".join(texts.values())
    rows = list(CampaignLetter.objects.order_by("pk").values_list("kind", "channel", "address", "actor"))
    assert rows == [
        ("user", "docx", B1, "officer_b"),
        ("user", "docx", B2, "officer_b"),
        ("head", "docx", "", "officer_b"),
    ]
    assert len(_events("campaign.letter")) == 3
    # another agency: 404, nothing written, the refusal logged; leaders 403; send-all the CSIRT's
    assert officer.post(f"/campaign/{A}/letters/", {"lang": "vi"}).status_code == 404
    assert officer.post(f"/campaign/{A}/send-all/", {"lang": "vi"}).status_code == 404
    assert officer.post(f"/campaign/{B}/send-all/", {"lang": "vi"}).status_code == 403
    assert _client("leader").post(f"/campaign/{B}/letters/", {"lang": "vi"}).status_code == 403
    assert not CampaignLetter.objects.filter(agency_code=A).exists()
    assert any(e.detail.get("agency") == A for e in _events("campaign.refused"))
    refused = _client("analyst").post(f"/campaign/{B}/send-all/", {"lang": "vi"})
    assert refused.status_code == 400 and "watch.email" in _error_line(_text(refused))
    for text in texts.values():
        for secret in _secrets():
            assert secret not in text
    # the API: the same ZIP (English), 404 for another agency, send-all the CSIRT's and 409 without relay
    api, analyst = Api.as_user("officer_b"), Api.as_user("analyst")
    packed = api.post(f"/campaign/{B}/letters/zip", {"language": "en"})
    assert packed.status_code == 200 and packed["Content-Type"] == "application/zip"
    assert sorted(_zip_texts(packed.content)) == sorted(t.replace("-vi.", "-en.") for t in texts)
    error_line(api.post(f"/campaign/{A}/letters/zip", {"language": "vi"}), 404)
    error_line(api.post(f"/campaign/{A}/letters/send-all", {}), 404)
    error_line(api.post(f"/campaign/{B}/letters/send-all", {}), 403)
    error_line(Api.as_user("leader").post(f"/campaign/{B}/letters/zip", {}), 403)
    error_line(analyst.post(f"/campaign/{B}/letters/send-all", {}), 409)
    assert "/letters/send-all" in analyst.get("/openapi.json").content.decode()


def test_send_all_through_a_relay_once_per_holder(world: World, tmp_path: Any, monkeypatch: Any) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "watch"))
    from watch_sink_support import PASSWORD, USER, free_port, pki, smtp_sink

    _seed()
    tls, port = pki(tmp_path), free_port()
    (tmp_path / "smtp-password").write_text(PASSWORD, encoding="utf-8")
    (tmp_path / "canhgac.toml").write_text(
        "[watch.email]\n"
        f'host = "127.0.0.1"\nport = {port}\nsender = "canhgac@stttt.test"\nuser = "{USER}"\n'
        f'password-file = "{tmp_path / "smtp-password"}"\nca-file = "{tls.ca_file}"\ntimeout = 5\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("CANHGAC_CONFIG", str(tmp_path / "canhgac.toml"))
    analyst = _client("analyst")
    with smtp_sink(tls, port) as sink:
        sink.refuse.add(B2)
        first = _ok(analyst.post(f"/campaign/{B}/send-all/", {"lang": "vi"}))
        again = Api.as_user("analyst").post(f"/campaign/{B}/letters/send-all", {"language": "vi"})
        received = list(sink.received)
    summary = re.search(r'id="campaign-sent-all">([^<]*)<', first)
    assert summary and "1" in summary.group(1), first[:3000]
    assert B2 in first.split('id="campaign-not-sent"', 1)[1].split("</ul>", 1)[0]
    assert again.status_code == 200
    body = again.json()
    assert body["sent"] == [] and body["already"] == 1 and [r["address"] for r in body["refused"]] == [B2]
    assert [r.to[0] for r in received] == [B1]  # once, and never A's holder
    [(name, data)] = received[0].attachments
    assert name == "campaign-SO-B-le.c_at_beta.gov.vn-vi.docx" and B1 in _docx_text(data)
    for text in (received[0].mail.as_string(), _docx_text(data), first, again.content.decode()):
        for secret in _secrets():
            assert secret not in text
    sent = CampaignLetter.objects.filter(channel="email").order_by("pk").values_list("address", "sent")
    assert list(sent) == [(B1, True), (B2, False), (B2, False)]


def test_a_runs_report_leaves_the_campaign_out_and_says_so(world: World) -> None:
    _seed()
    _close_b1(_client("officer_b"))
    api = Api.as_user("analyst")
    run = api.get("/reports/province.json", run=world.run_id)
    assert run.status_code == 200, run.content[:500]
    report = run.json()["report"]
    assert report["scope"] == "run" and report["campaign"] == {}
    assert set(report["campaign_omitted"]) == {A, B}
    state = api.get("/reports/province.json").json()["report"]
    assert state["campaign_omitted"] == [] and state["campaign"][B] == {"affected": 2, "closed": 1}
    own = Api.as_user("officer_b").get(f"/reports/agency/{B}.json", run=world.run_id).json()["report"]
    assert own["campaign_omitted"] == [B]
