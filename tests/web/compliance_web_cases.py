"""The directive's compliance pages and API through Django's test client, on the store of
``console_cases`` (agencies A and B, B's officer, a leader, the CSIRT), once per backend
(``test_compliance_web_backends``): the grid with its filters, counts, legend and holiday date;
an agency's items with why, evidence and due day; an officer answering with an evidence file and
the CSIRT approving (the item turns done) or rejecting with a reason; the history; the evidence
download; the province summary (DOCX, HTML) for the CSIRT and leaders only; B's officer never
reading or answering A's items, by page or by API (404, as an agency that does not exist, also
on files); bad input (a file over the limit, an empty file, a wrong item id) in one line; every
answer, review and download in the security log.
"""

from __future__ import annotations

import io
import re
from typing import Any

import docx
import pytest
from console_cases import World, _client, _text, world  # sets Django up: first

# isort: split
from api_support import Api, error_line
from django.test import Client
from web_store_support import A_NAME, A, B

from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.compliance_models import ComplianceAnswer
from canhgac.services import compliance_pages as pages

__all__ = ["world"]  # the fixture

ITEM = "5.plan-response"  # evidence required
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _ok(answer: Any, status: int = 200) -> str:
    assert answer.status_code == status, (answer.status_code, _text(answer)[:1500])
    return _text(answer)


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _upload(name: str, data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def _answer(client: Client, code: str = B, item: str = ITEM, **form: Any) -> Any:
    return client.post(f"/compliance/{code}/{item}/answer/", form)


def _error_line(page: str) -> str:
    found = re.search(r'<p class="error" role="alert" id="compliance-error">([^<]*)</p>', page)
    assert found, page[:3000]
    return found.group(1)


def _status_of(client: Client, code: str, item: str) -> str:
    page = _ok(client.get(f"/compliance/{code}/{item}/"))
    found = re.search(r'id="item-status-chip"><span class="cs cs-([a-z_]+)"', page)
    assert found, page[:2000]
    return found.group(1)


# --- the grid and the agency page --------------------------------------------------------------


def test_the_grid_shows_every_agency_to_the_csirt_with_legend_counts_and_filters(world: World) -> None:
    page = _ok(_client("analyst").get("/compliance/"))
    assert 'aria-current="page">Tuân thủ</a>' in page
    assert 'id="agency-SO-A"' in page and 'id="agency-SO-B"' in page
    assert 'id="compliance-legend"' in page and "chưa đo được" in page
    assert 'id="count-done"' in page and 'id="count-late"' in page and 'id="count-not_measured"' in page
    assert "Chưa đặt ngày bắt đầu kỳ nghỉ" in page  # no holiday: nothing late
    assert 'id="summary-docx"' in page and 'id="summary-html"' in page
    only_b = _ok(_client("analyst").get("/compliance/", {"agency": B, "task": "5"}))
    assert 'id="agency-SO-A"' not in only_b and 'id="agency-SO-B"' in only_b
    assert f'href="/compliance/{B}/{ITEM}/"' in only_b  # a task chosen: its items are the columns
    late = _ok(_client("analyst").get("/compliance/", {"holiday": "2020-01-01", "status": "late"}))
    assert 'id="agency-SO-B"' in late and "2020" in late  # every answer item is past due
    partial = _client("analyst").get("/compliance/", {"status": "done"}, HTTP_HX_REQUEST="true")
    assert "<html" not in _ok(partial) and partial["HX-Push-Url"] == "/compliance/?status=done"
    bad = _client("analyst").get("/compliance/", {"holiday": "05/02/2027"})
    assert bad.status_code == 400 and "05/02/2027" in _error_line(_text(bad))


def test_the_agency_page_lists_every_item_with_why_and_due_day(world: World) -> None:
    page = _ok(_client("analyst").get(f"/compliance/{A}/", {"holiday": "2027-02-05"}))
    assert A_NAME in page and f'id="item-{ITEM}"' in page and 'id="item-1.mail-sender-auth"' in page
    assert "chưa trả lời" in page  # why: an answer item nobody answered
    assert "29/01/2027" in page  # due 7 days before the holiday
    assert re.search(r'<a href="/findings/[0-9a-f]+/">', page)  # A's open findings as evidence


def test_an_officer_sees_and_answers_only_their_own_agency(world: World, tmp_path: Any) -> None:
    officer = _client("officer_b")
    grid = _ok(officer.get("/compliance/"))
    assert 'id="agency-SO-B"' in grid and A not in grid and A_NAME not in grid
    assert 'id="summary-docx"' not in grid  # the summary is not theirs
    for url in (f"/compliance/{A}/", f"/compliance/{A}/{ITEM}/", f"/compliance/{A}/{ITEM}/files/1/"):
        assert officer.get(url).status_code == 404, url
    assert _answer(officer, A, answer="no", note="x").status_code == 404
    assert officer.post(f"/compliance/{A}/{ITEM}/review/", {"decision": "approve"}).status_code == 403
    assert not ComplianceAnswer.objects.filter(agency_code=A).exists()
    assert officer.get("/compliance/summary.docx").status_code == 403
    _ok(officer.get(f"/compliance/{B}/{ITEM}/"))


def test_an_answer_with_a_file_approved_turns_the_item_done_and_is_logged(world: World) -> None:
    officer, analyst = _client("officer_b"), _client("analyst")
    assert _status_of(analyst, B, ITEM) == "not_done"
    sent = _answer(officer, answer="yes", note="Kế hoạch đã ký", files=[_upload("ke-hoach.pdf", PDF)])
    assert sent.status_code == 302 and sent["Location"].endswith("?saved=answered#answer")
    page = _ok(officer.get(sent["Location"]))
    assert "ke-hoach.pdf" in page and 'id="review-form"' not in page  # the officer does not review
    assert _status_of(analyst, B, ITEM) == "partly"  # waiting for the CSIRT
    (answered,) = _events("compliance.answered")
    assert answered.actor == "officer_b" and answered.address == "192.0.2.10"
    link = re.search(r'href="(/compliance/SO-B/5.plan-response/files/\d+/)"', page)
    assert link
    download = officer.get(link.group(1))
    assert download.status_code == 200 and download.content == PDF
    assert "attachment" in download["Content-Disposition"]
    assert [e.detail["report"] for e in _events("export")] == ["compliance-evidence"]
    review = _ok(analyst.get(f"/compliance/{B}/{ITEM}/"))
    assert 'id="review-form"' in review
    rejected = analyst.post(f"/compliance/{B}/{ITEM}/review/", {"decision": "reject", "reason": ""})
    assert rejected.status_code == 400 and _error_line(_text(rejected))  # a rejection needs a reason
    approved = analyst.post(f"/compliance/{B}/{ITEM}/review/", {"decision": "approve", "reason": "Đủ"})
    assert approved.status_code == 302
    assert _status_of(analyst, B, ITEM) == "done"
    history = _ok(officer.get(f"/compliance/{B}/{ITEM}/"))
    assert 'class="history-answered"' in history and 'class="history-approved"' in history
    (reviewed,) = _events("compliance.reviewed")
    assert reviewed.actor == "analyst" and reviewed.detail["decision"] == "approved"
    again = analyst.post(f"/compliance/{B}/{ITEM}/review/", {"decision": "approve"})
    assert again.status_code == 400 and _error_line(_text(again))  # already decided


def test_a_rejection_shows_its_reason_to_the_agency(world: World) -> None:
    officer, analyst = _client("officer_b"), _client("analyst")
    _answer(officer, item="2.staff-notice", answer="no", note="Chưa gửi")
    analyst.post(
        f"/compliance/{B}/2.staff-notice/review/", {"decision": "reject", "reason": "Thiếu biên bản"}
    )
    page = _ok(officer.get(f"/compliance/{B}/2.staff-notice/"))
    assert 'id="answer-reason"' in page and "Thiếu biên bản" in page


def test_bad_input_is_one_line(world: World) -> None:
    officer = _client("officer_b")
    huge = _answer(officer, answer="yes", files=[_upload("big.pdf", PDF + b"0" * pages.MAX_BYTES)])
    assert huge.status_code == 400 and "big.pdf" in _error_line(_text(huge))
    empty = _answer(officer, answer="yes", files=[_upload("rong.pdf", b"")])
    assert empty.status_code == 400 and "rong.pdf" in _error_line(_text(empty))
    renamed = _answer(officer, answer="yes", files=[_upload("plan.pdf", b"MZ\x90\x00")])
    assert renamed.status_code == 400 and "plan.pdf" in _error_line(_text(renamed))
    none = _answer(officer, answer="yes")
    assert none.status_code == 400 and "\n" not in _error_line(_text(none))  # a file is required
    wrong = _answer(officer, answer="maybe")
    assert wrong.status_code == 400 and "maybe" in _error_line(_text(wrong))
    assert officer.get(f"/compliance/{B}/9.no-such-item/").status_code == 404
    assert _answer(officer, item="9.no-such-item", answer="yes").status_code == 404
    assert officer.get(f"/compliance/{B}/%00/").status_code == 404
    assert officer.post(f"/compliance/{B}/1.mail-hardening/answer/", {"answer": "yes"}).status_code == 400
    assert not ComplianceAnswer.objects.exists()
    refused = _events("compliance.refused")
    assert {e.detail["reason"] for e in refused} >= {"file"}


def test_leaders_read_and_download_the_summary_but_do_not_act(world: World) -> None:
    leader = _client("leader")
    _ok(leader.get("/compliance/"))
    page = _ok(leader.get(f"/compliance/{B}/{ITEM}/"))
    assert 'id="answer-form"' not in page and 'id="review-form"' not in page
    assert _answer(leader, answer="no").status_code == 403
    assert leader.post(f"/compliance/{B}/{ITEM}/review/", {"decision": "approve"}).status_code == 403
    summary = leader.get("/compliance/summary.docx", {"holiday": "2027-02-05"})
    assert summary.status_code == 200 and summary["Content-Type"].startswith("application/vnd.openxml")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(summary.content)).paragraphs)
    assert "Kính gửi" in text
    html = leader.get("/compliance/summary.html")
    assert html.status_code == 200 and b"<html" in html.content
    assert [e.detail["format"] for e in _events("export")] == ["docx", "html"]
    assert leader.get("/compliance/summary.pdf").status_code == 404


def test_english_pages(world: World) -> None:
    client = _client("analyst")
    client.post("/account/language/", {"language": "en", "next": "/compliance/"})
    page = _ok(client.get("/compliance/"))
    assert "Directive compliance" in page and "not measured yet" in page


# --- the API -------------------------------------------------------------------------------------


def test_the_api_is_scoped_as_the_pages(world: World) -> None:
    officer, analyst, leader = Api.as_user("officer_b"), Api.as_user("analyst"), Api.as_user("leader")
    grid = officer.get("/compliance")
    assert grid.status_code == 200, grid.content[:500]
    assert [a["agency"] for a in grid.json()["agencies"]] == [B]
    assert {a["agency"] for a in analyst.get("/compliance").json()["agencies"]} == {A, B}
    narrowed = analyst.get("/compliance", task="5", status="not_done").json()
    assert {i["task"] for a in narrowed["agencies"] for i in a["items"]} == {"5"}
    assert A_NAME not in officer.get(f"/compliance/{A}").content.decode()
    error_line(officer.get(f"/compliance/{A}"), 404)
    error_line(officer.get(f"/compliance/{A}/{ITEM}/answer"), 404)
    error_line(officer.upload(f"/compliance/{A}/{ITEM}/answer", {"answer": "no"}), 404)
    error_line(officer.get(f"/compliance/{A}/{ITEM}/files/1"), 404)
    error_line(officer.get("/compliance/summary.docx"), 403)
    error_line(leader.upload(f"/compliance/{B}/{ITEM}/answer", {"answer": "no"}), 403)
    error_line(officer.post(f"/compliance/{B}/{ITEM}/review", {"decision": "approve"}), 403)
    error_line(analyst.get(f"/compliance/{B}/9.none/answer"), 404)
    error_line(analyst.get("/compliance", holiday="05/02/2027"), 422)
    assert not ComplianceAnswer.objects.filter(agency_code=A).exists()


def test_the_api_answers_with_files_and_reviews(world: World) -> None:
    officer, analyst = Api.as_user("officer_b"), Api.as_user("analyst")
    empty = officer.upload(
        f"/compliance/{B}/{ITEM}/answer", {"answer": "yes", "files": [_upload("a.pdf", b"")]}
    )
    assert "a.pdf" in error_line(empty, 422)
    big = officer.upload(
        f"/compliance/{B}/{ITEM}/answer",
        {"answer": "yes", "files": [_upload("b.pdf", PDF + b"0" * pages.MAX_BYTES)]},
    )
    assert "b.pdf" in error_line(big, 422)
    sent = officer.upload(
        f"/compliance/{B}/{ITEM}/answer",
        {"answer": "yes", "note": "ký rồi", "files": [_upload("k.pdf", PDF)]},
    )
    assert sent.status_code == 201, sent.content[:500]
    body = sent.json()
    assert body["answer"]["review"] == "submitted" and body["item"]["status"] == "partly"
    (f,) = body["answer"]["files"]
    got = officer.get(f"/compliance/{B}/{ITEM}/files/{f['id']}")
    assert got.status_code == 200 and got.content == PDF
    error_line(analyst.post(f"/compliance/{B}/{ITEM}/review", {"decision": "reject"}), 422)
    done = analyst.post(f"/compliance/{B}/{ITEM}/review", {"decision": "approve", "reason": "đủ"})
    assert done.status_code == 200 and done.json()["item"]["status"] == "done"
    assert [h["action"] for h in done.json()["answer"]["history"]] == ["answered", "approved"]
    agency = analyst.get(f"/compliance/{B}").json()
    assert next(i for i in agency["items"] if i["item"] == ITEM)["status"] == "done"
    summary = analyst.get("/compliance/summary.html", holiday="2027-02-05")
    assert summary.status_code == 200 and b"<html" in summary.content
    assert [e.address for e in _events("compliance.answered")] == ["192.0.2.20"]


@pytest.mark.parametrize("path", ["/compliance/summary.docx", "/compliance/summary.html"])
def test_the_summary_needs_a_login(world: World, path: str) -> None:
    assert Client().get(f"/api/v1{path}").status_code == 401
    assert Client().get(path).status_code == 302


def test_the_services_are_scoped_before_any_page(world: World, tmp_path: Any) -> None:
    """``services.compliance_pages`` itself: B's scope reads and writes nothing of A."""
    import datetime as dt

    from canhgac.console.store.queries import ViewerScope
    from canhgac.console.store.roles import Role

    only_b = ViewerScope.agencies({B})
    day = dt.date(2027, 1, 28)
    assert pages.agency_page(only_b, A, lang="vi", today=day) is None
    assert pages.item_page(only_b, A, ITEM, lang="vi", today=day) is None
    assert pages.agency_page(only_b, B, lang="vi", today=day) is not None
    shown = pages.grid(only_b, pages.GridRequest(agency=A), lang="vi", today=day)
    assert shown.rows == () and [c for c, _ in shown.agencies] == [B]
    officer = pages.Acting("officer_b", Role.AGENCY_OFFICER, only_b, "192.0.2.30")
    with pytest.raises(pages.ComplianceError):
        pages.answer(
            officer, A, ITEM, value="no", note="", files=[], workspace=tmp_path, now=dt.datetime.now(dt.UTC)
        )
    assert pages.evidence_file(officer, A, ITEM, 1, workspace=tmp_path) is None
    with pytest.raises(pages.ComplianceError):
        pages.summary_file(officer, "docx", lang="vi", today=day)
    assert {e.detail["reason"] for e in _events("compliance.refused")} == {"agency"}
    assert not ComplianceAnswer.objects.exists()
