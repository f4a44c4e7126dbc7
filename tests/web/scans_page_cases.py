"""Scans and retests launched from the console, through Django's test client, on the store of
``console_cases``, once per backend (``test_scans_page_backends``): who may launch, CSRF, a
second launch queued behind the first, another agency's finding not found, refused values on
one line, launches of a dead console closed as interrupted, the worker's progress and summary,
the run list with its provenance, and the API's three operations.

The launches queued here are never run by the worker: it is handed a launch when the
transaction commits, and each test's transaction is rolled back. The worker's own path is
driven directly (``run_launch`` with a fake scan), and end to end in
``test_scans_browser.py`` against the lab.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

import pytest
from console_cases import World, _client, _text, world
from django.test import Client
from web_store_support import A, B, StoredInventory

from canhgac.console.store.account_models import SecurityEvent
from canhgac.console.store.launch_models import ScanLaunch
from canhgac.console.store.models import Finding
from canhgac.services import console_scan, scan_jobs
from canhgac.services.scan import ScanOutcome
from canhgac.services.scan_events import Planned

__all__ = ["world"]  # the fixture

@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store holds the two agencies' inventory (``inventory_store.current_inventory``)."""
    monkeypatch.setattr(console_scan, "stored_inventory", StoredInventory)


def _fingerprints(code: str) -> list[str]:
    return sorted(Finding.objects.filter(agency_code=code).values_list("fingerprint", flat=True))


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("pk"))


def _launch_id(answer: Any) -> int:
    assert answer.status_code == 302, _text(answer)[:600]
    location = answer["Location"]
    assert location.startswith("/scans/launches/"), location
    return int(location.strip("/").split("/")[-1])


# --- who may launch ----------------------------------------------------------------------------

def test_the_csirt_launches_a_scan_and_it_is_logged(world: World, stored: None) -> None:
    page = _text(_client("analyst").get("/scans/"))
    assert 'id="launch"' in page and f'<option value="{A}">' in page and '<option value="mail.spf">' in page
    assert 'aria-current="page">Lượt quét</a>' in page  # the navigation's link
    for name, asked in (("admin", {}), ("analyst", {"agency": B}), ("analyst", {"family": "mail.spf"})):
        launch = ScanLaunch.objects.get(pk=_launch_id(_client(name).post("/scans/", asked)))
        assert (launch.kind, launch.state, launch.requested_by) == ("scan", "queued", name)
        assert (launch.agency, launch.family) == (asked.get("agency", ""), asked.get("family", ""))
        assert launch.owner_pid == os.getpid()
    logged = _events("scan.launched")
    assert [(e.actor, e.address, e.detail.get("agency"), e.detail.get("family")) for e in logged] == [
        ("admin", "192.0.2.10", None, None), ("analyst", "192.0.2.10", B, None),
        ("analyst", "192.0.2.10", None, "mail.spf")]
    log = _text(_client("admin").get("/security-log/?kind=scan.launched"))
    assert log.count('<tr class="ev-scan-launched">') == 3 and "family=mail.spf" in log


def test_officers_and_leaders_may_not_launch_a_scan(world: World, stored: None) -> None:
    for name in ("officer_b", "leader"):
        client = _client(name)
        page = client.get("/scans/")
        assert page.status_code == 200 and 'id="launch"' not in _text(page), name  # no form
        assert client.post("/scans/", {}).status_code == 403, name
        assert client.post("/scans/", {"agency": B}).status_code == 403, name
    assert not ScanLaunch.objects.exists() and not _events("scan.launched")
    assert _client().post("/scans/", {})["Location"].startswith("/login/?next=")


def test_a_launch_needs_its_csrf_token(world: World, stored: None) -> None:
    from django.contrib.auth import get_user_model

    client = Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.10")
    client.force_login(get_user_model().objects.get(username="analyst"),
                       backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/scans/").status_code == 200
    assert client.post("/scans/", {}).status_code == 403
    assert client.post(f"/findings/{_fingerprints(B)[0]}/retest/").status_code == 403
    assert not ScanLaunch.objects.exists()


def test_a_second_launch_waits_behind_the_first(world: World, stored: None) -> None:
    client = _client("analyst")
    first = _launch_id(client.post("/scans/", {"agency": A}))
    second = _launch_id(client.post("/scans/", {"family": "mail.dmarc"}))
    page = _text(client.get(f"/scans/launches/{second}/"))
    assert "Đang chờ sau 1 lượt quét" in page and 'hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert "Tiếp theo sẽ chạy" in _text(client.get(f"/scans/launches/{first}/"))
    fragment = client.get(f"/scans/launches/{second}/progress/")
    assert fragment.status_code == 200 and 'id="progress"' in _text(fragment)
    listing = _text(client.get("/scans/"))
    assert f'id="launch-{first}"' in listing and f'id="launch-{second}"' in listing
    answer = json.loads(client.get(f"/api/v1/scans/launches/{second}").content)
    assert (answer["state"], answer["ahead"], answer["family"]) == ("queued", 1, "mail.dmarc")


# --- refused values ----------------------------------------------------------------------------

@pytest.mark.parametrize(("asked", "words"), [
    ({"family": "mail.nope"}, "unknown check family: mail.nope"),
    ({"family": "mail.spf.present"}, "is a check id, not a family"),
    ({"family": "x" * 5000}, "unknown value"),
    ({"agency": "SO-NONE"}, "SO-NONE is not an agency of the store"),
    ({"agency": "<script>alert(1)</script>"}, "&lt;script&gt;"),
    ({"agency": "a" * 5000}, "is not an agency"),
    ({"agency": A, "family": "nope"}, "unknown check family"),
])
def test_a_tampered_value_is_refused_on_one_line(world: World, stored: None, asked: dict[str, str],
                                                  words: str) -> None:
    client = _client("analyst")
    client.post("/account/language/", {"language": "en", "next": "/scans/"})
    answer = client.post("/scans/", asked)
    page = _text(answer)
    assert answer.status_code == 400 and 'id="launch-error"' in page and words in page, page[:3000]
    assert "<script>alert" not in page and not ScanLaunch.objects.exists()


def test_a_nul_byte_or_an_unknown_field_never_reaches_a_500(world: World, stored: None) -> None:
    client = _client("analyst")
    assert client.post("/scans/", {"agency": "SO-\x00A"}).status_code == 400
    assert client.post("/scans/", {"agency": [A, B]}).status_code in (302, 400)  # the last one counts
    assert client.get("/scans/?page=-3").status_code == 200
    assert client.get("/scans/?page=99999999999999999999").status_code == 200
    assert client.get("/scans/launches/99999999999999999999999/").status_code == 404
    assert client.get("/scans/runs/99999999999999999999999/").status_code == 404
    assert client.get("/scans/runs/0/").status_code == 404


def test_a_scan_without_a_stored_inventory_is_refused_with_what_to_do(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console_scan, "stored_inventory", lambda: None)
    client = _client("analyst")
    assert 'id="no-inventory"' in _text(client.get("/scans/"))
    page = _text(client.post("/scans/", {}))
    assert "chưa có danh mục" in page and "canhgac scan FILE" in page
    assert not ScanLaunch.objects.exists()


def test_a_broken_settings_file_is_refused_naming_file_and_key(world: World, stored: None) -> None:
    path = console_scan.settings_path()
    try:
        for text, words in (('[scan]\ntimeout = "2"\n', "scan.timeout: expected a number"),
                            ("[scan]\nresolvr = ['127.0.0.1']\n", "did you mean resolver?"),
                            ("[scan]\nca-file = 'missing.pem'\n", "scan.ca-file"),
                            ("[scan]\nca-only = true\n", "scan.ca-only"),
                            ("[scan]\ndnsbl-zone = 'not a zone'\n", "scan.dnsbl-zone"),
                            ("[scan]\nconcurrency = -4\n", "concurrency"),
                            ("[scan\n", "TOML")):
            path.write_text(text, encoding="utf-8")
            client = _client("analyst")
            client.post("/account/language/", {"language": "en", "next": "/scans/"})
            answer = client.post("/scans/", {})
            assert answer.status_code == 400 and words in _text(answer), (text, _text(answer)[:3000])
        assert not ScanLaunch.objects.exists()
    finally:
        path.unlink(missing_ok=True)


# --- retest -----------------------------------------------------------------------------------

def test_an_officer_retests_their_own_finding_and_not_another_agencys(world: World) -> None:
    officer = _client("officer_b")
    own = _fingerprints(B)[0]
    page = _text(officer.get(f"/findings/{own}/"))
    assert 'id="retest"' in page and f'action="/findings/{own}/retest/"' in page
    launch = ScanLaunch.objects.get(pk=_launch_id(officer.post(f"/findings/{own}/retest/")))
    asked = (launch.kind, launch.fingerprint, launch.agency, launch.requested_by)
    assert asked == ("retest", own, B, "officer_b")
    for fp in _fingerprints(A):
        for asked in (fp, fp[:8], fp.upper()):
            assert officer.post(f"/findings/{asked}/retest/").status_code == 404, asked
    assert officer.post("/findings/0000000000000000/retest/").status_code == 404
    assert ScanLaunch.objects.count() == 1
    assert [e.detail.get("fingerprint") for e in _events("retest.launched")] == [own]
    assert officer.get(f"/scans/launches/{launch.pk}/").status_code == 200


def test_the_csirt_retests_any_finding_and_leaders_none(world: World) -> None:
    fp = _fingerprints(A)[0]
    assert 'id="retest"' not in _text(_client("leader").get(f"/findings/{fp}/"))
    assert _client("leader").post(f"/findings/{fp}/retest/").status_code == 403
    launch_id = _launch_id(_client("analyst").post(f"/findings/{fp[:10]}/retest/"))
    assert ScanLaunch.objects.get(pk=launch_id).fingerprint == fp  # a prefix names the finding
    assert _client("admin").get(f"/scans/launches/{launch_id}/").status_code == 200
    # the officer of B may not see a retest of A's finding
    assert _client("officer_b").get(f"/scans/launches/{launch_id}/").status_code == 404
    assert _client("officer_b").get(f"/scans/launches/{launch_id}/progress/").status_code == 404
    assert _client("analyst").get(f"/findings/{fp}/retest/").status_code == 405


# --- the worker and progress ----------------------------------------------------------------

def test_a_launch_left_open_by_a_dead_console_is_closed_as_interrupted(world: World, stored: None) -> None:
    from canhgac.services.scan_launches import close_abandoned_launches

    client = _client("analyst")
    live = _launch_id(client.post("/scans/", {}))  # owned by this (live) process
    dead = []
    for state in ("queued", "running"):
        launch = ScanLaunch.objects.get(pk=_launch_id(client.post("/scans/", {"agency": B})))
        ScanLaunch.objects.filter(pk=launch.pk).update(state=state, owner_pid=2**22 + 17, owner_started="x:1")
        dead.append(launch.pk)
    assert close_abandoned_launches() == 2
    states = dict(ScanLaunch.objects.values_list("pk", "state"))
    assert states == {live: "queued", dead[0]: "interrupted", dead[1]: "interrupted"}
    fragment = client.get(f"/scans/launches/{dead[1]}/progress/")
    assert fragment.status_code == 286 and "hx-trigger" not in _text(fragment)
    assert "trước khi lượt quét kết thúc" in _text(fragment)


def test_the_worker_writes_progress_then_the_runs_summary(world: World, stored: None,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client("analyst")
    launch_id = _launch_id(client.post("/scans/", {"agency": B}))

    def fake_scan(launch: Any) -> Any:
        async def scan(on_event: Any) -> ScanOutcome:
            on_event(Planned(4))
            await asyncio.sleep(1.3)  # one progress write while it runs
            return ScanOutcome(world.run_id, (), {})
        return scan

    monkeypatch.setattr(scan_jobs, "_scan_of", fake_scan)
    scan_jobs.run_launch(launch_id)
    launch = ScanLaunch.objects.get(pk=launch_id)
    assert (launch.state, launch.phase, launch.total, launch.run_id) == ("finished", "done", 4, world.run_id)
    fragment = client.get(f"/scans/launches/{launch_id}/progress/")
    text = _text(fragment)
    assert fragment.status_code == 286 and 'id="launch-summary"' in text and "hx-trigger" not in text
    assert 'id="sum-new">3<' in text  # the seeded run opened three findings (A's two, B's one)
    assert f'href="/scans/runs/{world.run_id}/"' in text
    officer = _text(_client("officer_b").get(f"/scans/launches/{launch_id}/progress/"))
    assert 'id="sum-new">1<' in officer  # counted over the officer's agency only
    listing = _text(client.get("/scans/"))
    assert f'id="run-{world.run_id}"' in listing and "analyst" in listing


def test_a_failing_scan_ends_its_launch_failed_with_one_line(world: World, stored: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    launch_id = _launch_id(_client("analyst").post("/scans/", {}))

    def broken(launch: Any) -> Any:
        async def scan(on_event: Any) -> ScanOutcome:
            raise OSError("disk full\nsecond line")
        return scan

    monkeypatch.setattr(scan_jobs, "_scan_of", broken)
    scan_jobs.run_launch(launch_id)
    launch = ScanLaunch.objects.get(pk=launch_id)
    assert launch.state == "failed" and "disk full second line" in launch.error and "\n" not in launch.error
    scan_jobs.run_launch(launch_id)  # not queued any more: nothing happens
    assert ScanLaunch.objects.get(pk=launch_id).state == "failed"


def test_the_worker_runs_one_launch_at_a_time_oldest_first() -> None:
    import threading

    from canhgac.services.scan_worker import ScanWorker

    queued: list[int] = []
    ran: list[int] = []
    busy = threading.Lock()

    def claim() -> int | None:
        return queued.pop(0) if queued else None

    def job(launch_id: int) -> None:
        assert busy.acquire(blocking=False)  # never two at once
        try:
            ran.append(launch_id)
        finally:
            busy.release()
        if launch_id == 2:
            raise RuntimeError("a job that fails does not stop the worker")

    worker = ScanWorker(job, claim, poll_seconds=0.05)
    queued += [1, 2, 3, 4]
    worker.submit(1)
    worker.wait()
    assert ran == [1, 2, 3, 4]
    queued.append(5)  # queued by another process: no submit here, the poll finds it
    deadline = time.monotonic() + 5
    while ran[-1] != 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert ran == [1, 2, 3, 4, 5]


def test_the_worker_claims_the_oldest_queued_launch_of_any_process_and_owns_it(world: World,
                                                                              stored: None) -> None:
    from canhgac.console.store.launches import oldest_queued_launch, start_launch
    from canhgac.console.store.ownership import current_process

    client = _client("analyst")
    first, second = (_launch_id(client.post("/scans/", {"agency": B})) for _ in range(2))
    ScanLaunch.objects.filter(pk=first).update(owner_pid=2**22 + 17, owner_started="x:1")  # a serving child
    assert oldest_queued_launch() == first
    assert start_launch(first) and not start_launch(first)  # claimed once
    me = current_process()
    assert ScanLaunch.objects.filter(pk=first).values_list("state", "owner_pid", "owner_started").get() == (
        "running", me.pid, me.started)
    assert oldest_queued_launch() == second


# --- the run list and a run's page -------------------------------------------------------------

def test_runs_list_the_cli_as_launcher_and_a_runs_provenance(world: World) -> None:
    page = _text(_client("analyst").get("/scans/"))
    row = page[page.index(f'id="run-{world.run_id}"'):]
    row = row[:row.index("</tr>")]
    assert "CLI" in row and "mọi cơ quan" in row and ">3<" in row  # three results
    run = _text(_client("analyst").get(f"/scans/runs/{world.run_id}/"))
    assert "0.1.0" in run and "sha256:test" in run and 'id="run-filters"' in run
    officer = _text(_client("officer_b").get(f"/scans/runs/{world.run_id}/"))
    assert 'id="run-results">1<' in officer and 'id="run-filters"' not in officer and A not in officer


# --- the API ----------------------------------------------------------------------------------

def _api(name: str) -> Client:
    return _client(name)


def test_the_api_launches_scans_and_retests_by_the_pages_rules(world: World, stored: None) -> None:
    analyst = _api("analyst")
    answer = analyst.post("/api/v1/scans", json.dumps({"agency": B}), content_type="application/json")
    assert answer.status_code == 202, answer.content
    body = json.loads(answer.content)
    assert (body["state"], body["kind"], body["agency"]) == ("queued", "scan", B)
    got = analyst.get(f"/api/v1/scans/launches/{body['id']}")
    assert got.status_code == 200 and json.loads(got.content)["id"] == body["id"]
    refused = analyst.post("/api/v1/scans", json.dumps({"family": "mail.nope"}),
                           content_type="application/json")
    assert refused.status_code == 422 and json.loads(refused.content)["error"]["code"] == "invalid"
    extra = analyst.post("/api/v1/scans", json.dumps({"agencies": [A]}), content_type="application/json")
    assert extra.status_code == 422
    leader = _api("leader").post("/api/v1/scans", "{}", content_type="application/json")
    assert leader.status_code == 403 and json.loads(leader.content)["error"]["code"] == "forbidden"
    everything = analyst.post("/api/v1/scans", "{}", content_type="application/json")
    assert everything.status_code == 202
    officer = _api("officer_b")
    assert officer.get(f"/api/v1/scans/launches/{body['id']}").status_code == 200  # a scan of B
    whole = json.loads(everything.content)["id"]
    assert officer.get(f"/api/v1/scans/launches/{whole}").status_code == 404  # every agency's: the CSIRT's
    assert officer.get(f"/scans/launches/{whole}/").status_code == 404
    own = officer.post(f"/api/v1/findings/{_fingerprints(B)[0]}/retest", "", content_type="application/json")
    assert own.status_code == 202 and json.loads(own.content)["kind"] == "retest"
    for fp in _fingerprints(A):
        other = officer.post(f"/api/v1/findings/{fp}/retest", "", content_type="application/json")
        assert other.status_code == 404 and A not in other.content.decode()
    assert [e.detail.get("launch") for e in _events("scan.launched")] == [body["id"], whole]
    assert len(_events("retest.launched")) == 1
