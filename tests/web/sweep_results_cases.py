"""The host sweep's results in the store, through the import service, the API (Django's test
client) and the console's pages, once per backend (``test_sweep_results_backends.py``):

- import: a good result (run, host facts, pack, counts, skipped stored; the key pinned; hits as
  findings of the agency, evidence without file contents); the same result twice stores once; a
  bad signature, a malformed or truncated file, a hostile one (deep nesting, wrong shapes) and a
  file over the size bound are refused in one line with nothing stored; a later result signed by
  another key is refused until the CSIRT unpins;
- findings: opened by hits, fixed by a later complete sweep with a pack as new; an older pack, an
  interrupted sweep or a sweep of other folders leaves them open; an older result stores without
  touching them;
- the agency: declared, chosen, the officer's own, or by the host's addresses in a declared range;
  an unknown or out-of-scope agency refused;
- the API: B's officer uploads for B (201, then 200 for the same file) and is refused for A (403),
  a leader is refused, a changed key is a 409; the coverage is scoped;
- the pages: coverage, agency and host pages; B's officer gets 404 for A's; the CSIRT unpins;
- the compliance item ``3.malware-sweep`` measured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-sweep-results-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

sys.path.insert(0, str(Path(__file__).parents[1] / "sweep"))
import sweep_result_files as rf  # noqa: E402
from api_support import A, B, World, build_world, error_of  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from web_store_support import logged_in  # noqa: E402

from canhgac.console.store import services  # noqa: E402
from canhgac.console.store.account_models import ConsoleAccount  # noqa: E402
from canhgac.console.store.models import Finding  # noqa: E402
from canhgac.console.store.queries.scope import ViewerScope  # noqa: E402
from canhgac.console.store.sweep_models import SweepHost, SweepRun  # noqa: E402
from canhgac.i18n import language  # noqa: E402
from canhgac.services import compliance  # noqa: E402
from canhgac.services.sweep_results import MAX_BYTES, SweepImportError, import_result  # noqa: E402

setup_test_environment()
KEY = Ed25519PrivateKey.generate()
DAY2, DAY3 = "2026-12-08T08:00:00+00:00", "2026-12-09T08:00:00+00:00"


@pytest.fixture
def world() -> Iterator[World]:
    with language("en"):
        yield from build_world()


def _file(tmp: Path, data: dict[str, Any], key: Ed25519PrivateKey = KEY, name: str = "r.json") -> bytes:
    return rf.signed(tmp / name, data, key)


def _import(raw: bytes, agency: str | None = None, scope: ViewerScope | None = None) -> Any:
    return import_result(raw, "r.json", scope=scope, actor="test", via="cli", agency=agency)


def _refused(raw: bytes, status: int, *words: str) -> str:
    runs = SweepRun.objects.count()
    with pytest.raises(SweepImportError) as caught:
        _import(raw, agency=A)
    message = str(caught.value)
    assert caught.value.status == status, message
    assert "\n" not in message and all(w in message for w in words), message
    assert SweepRun.objects.count() == runs
    return message


def _digest(path: Path) -> str:
    from canhgac.services.sweep_results import parse

    return parse(path.read_bytes(), path.name).digest


def _open(agency: str = A) -> dict[str, str]:
    rows = Finding.objects.filter(
        agency_code=agency, check_id__startswith="sweep.host.", lifecycle__in=["new", "open", "reopened"]
    )
    return {f.last_result.evidence["where"]: f.check_id for f in rows.select_related("last_result")}


def test_a_good_result_is_stored_pinned_and_its_hits_become_findings(world: World, tmp_path: Path) -> None:
    hits = [
        rf.hit(),
        rf.hit("webshell", "/var/www/up/x.php", "heuristics"),
        rf.hit("persistence", "/etc/cron.d/x:1", "heuristic:download-to-shell"),
        rf.hit("filename", "/tmp/tasksche.exe", "tasksche\\.exe"),
    ]
    done = _import(_file(tmp_path, rf.body(agency=A, hits=hits)))
    assert (done.host, done.agency, done.hits, done.opened, done.fixed, done.pinned) == (
        "pc-kt-01",
        A,
        4,
        4,
        0,
        True,
    )
    run = SweepRun.objects.get()
    assert (run.pack_version, run.hit_count, run.complete, run.counts["files_scanned"]) == (
        "2026.12",
        4,
        True,
        100,
    )
    assert run.skipped["too-large"]["count"] == 2 and run.host_facts["os"] == "Linux"
    assert SweepHost.objects.get().public_key == run.public_key
    assert _open() == {
        "/srv/a/evil.exe": "sweep.host.malware",
        "/var/www/up/x.php": "sweep.host.webshell",
        "/etc/cron.d/x:1": "sweep.host.persistence",
        "/tmp/tasksche.exe": "sweep.host.trace",
    }
    stored = json.dumps(
        [
            f.last_result.evidence
            for f in Finding.objects.filter(check_id__startswith="sweep.").select_related("last_result")
        ]
    ) + json.dumps(run.hits)
    assert "SECRET-CONTENT" not in stored and rf.SHA in stored  # hashes and rules, never contents
    finding = Finding.objects.get(check_id="sweep.host.malware")
    assert finding.target_key == "endpoint:SO-A/pc-kt-01"


def test_the_same_result_twice_is_stored_once(world: World, tmp_path: Path) -> None:
    raw = _file(tmp_path, rf.body(agency=A, hits=[rf.hit()]))
    assert not _import(raw).duplicate
    again = _import(raw)
    assert again.duplicate and (again.opened, again.fixed) == (0, 0)
    assert (
        SweepRun.objects.count() == 1 and Finding.objects.filter(check_id__startswith="sweep.").count() == 1
    )


def test_bad_malformed_hostile_and_huge_files_are_refused_in_one_line(world: World, tmp_path: Path) -> None:
    raw = _file(tmp_path, rf.body(agency=A, hits=[rf.hit()]))
    _refused(rf.tampered(raw), 400, "signature")
    _refused(raw[: len(raw) // 2], 422, "not a sweep result file")
    _refused(b"\xff\xfe garbage", 422, "not a sweep result file")
    _refused(b"[" * 100_000 + b"]" * 100_000, 422, "not a sweep result file")
    _refused(json.dumps({"format": "canhgac-sweep-result/1", "body": [], "signature": {}}).encode(), 422)
    wrong = rf.body(agency=A)
    wrong["hits"] = [{"check": 5}]
    _refused(_file(tmp_path, wrong, name="w.json"), 422, "field hits")
    slashed = rf.body(agency=A, host="../../etc")
    _refused(_file(tmp_path, slashed, name="s.json"), 422, "host name")
    huge = b" " * (MAX_BYTES + 1)
    _refused(huge, 413, "MB")
    assert (
        SweepHost.objects.count() == 0 and Finding.objects.filter(check_id__startswith="sweep.").count() == 0
    )


def test_another_key_is_refused_until_the_csirt_unpins(world: World, tmp_path: Path) -> None:
    _import(_file(tmp_path, rf.body(agency=A)))
    other = Ed25519PrivateKey.generate()
    raw = _file(tmp_path, rf.body(agency=A, ended=DAY2, hits=[rf.hit()]), other, "o.json")
    message = _refused(raw, 409, "pc-kt-01", "another key", "unpin")
    assert "canhgac sweep unpin SO-A pc-kt-01" in message
    from canhgac.services.sweep_results import unpin

    assert unpin(None, A, "PC-KT-01", "cli:test")
    done = _import(raw)
    assert done.pinned and done.opened == 1
    assert SweepHost.objects.get().public_key != SweepRun.objects.order_by("pk").first().public_key  # type: ignore[union-attr]


def test_a_later_clean_sweep_with_a_pack_as_new_fixes_the_findings(world: World, tmp_path: Path) -> None:
    hits = [rf.hit(), rf.hit("process", "pid 42 evil", "evil.example.net")]
    _import(_file(tmp_path, rf.body(agency=A, hits=hits)))
    older = _import(_file(tmp_path, rf.body(agency=A, ended=DAY2, version="2026.9"), name="old-pack.json"))
    assert older.fixed == 0 and len(_open()) == 2  # an older pack does not clear a newer pack's hit
    partial = rf.body(agency=A, ended=DAY2, complete=False)
    assert _import(_file(tmp_path, partial, name="partial.json")).fixed == 0
    elsewhere = rf.body(agency=A, ended=DAY2, paths=("/home",))
    elsewhere["options"]["system"] = True
    done = _import(_file(tmp_path, elsewhere, name="home.json"))
    assert done.fixed == 1 and _open() == {"/srv/a/evil.exe": "sweep.host.malware"}  # the process: gone
    clean = _import(_file(tmp_path, rf.body(agency=A, ended=DAY3, version="2026.12"), name="clean.json"))
    assert clean.fixed == 1 and _open() == {}
    from canhgac.console.store.models import Result

    passes = Result.objects.filter(
        run=SweepRun.objects.get(digest=_digest(tmp_path / "clean.json")).scan_run,
        discriminator="",
        status="pass",
    )
    assert sorted(passes.values_list("check_id", flat=True)) == [  # a complete sweep: each kind assessed
        "sweep.host.malware",
        "sweep.host.persistence",
        "sweep.host.trace",
        "sweep.host.webshell",
    ]
    assert not Finding.objects.filter(check_id__startswith="sweep.", last_result__discriminator="").exists()
    stale = _import(
        _file(
            tmp_path, rf.body(agency=A, ended="2026-12-07T09:00:00+00:00", hits=[rf.hit()]), name="late.json"
        )
    )
    assert not stale.newest and stale.opened == 0 and _open() == {}  # an older result arriving late
    again = _import(
        _file(
            tmp_path, rf.body(agency=A, ended="2026-12-10T08:00:00+00:00", hits=[rf.hit()]), name="back.json"
        )
    )
    assert again.opened == 1  # reopened


def test_the_agency_of_a_result(world: World, tmp_path: Path) -> None:
    raw = _file(tmp_path, rf.body())
    with pytest.raises(SweepImportError, match="cannot tell the agency"):
        _import(raw)
    assert _import(raw, agency=B).agency == B
    officer = ViewerScope.agencies([B])
    other = _file(tmp_path, rf.body(host="pc-2"), name="2.json")
    assert _import(other, scope=officer).agency == B  # the officer's own
    with pytest.raises(SweepImportError) as caught:
        _import(_file(tmp_path, rf.body(host="pc-3", agency=A), name="3.json"), scope=officer)
    assert caught.value.status == 403
    with pytest.raises(SweepImportError) as caught:
        _import(_file(tmp_path, rf.body(host="pc-4", agency="SO-X"), name="4.json"))
    assert caught.value.status == 422 and "SO-X" in str(caught.value)
    with pytest.raises(SweepImportError) as caught:
        _import(_file(tmp_path, rf.body(host="pc-5", agency=A), name="5.json"), agency=B)
    assert caught.value.status == 409
    services.sync_agencies(
        [
            {"code": A, "name": "Sở Alpha", "domains": ["alpha.gov.vn"], "ranges": ["10.20.0.0/16"]},
            {"code": B, "name": "Sở Beta", "domains": ["beta.gov.vn"], "parent": A},
        ]
    )
    ranged = _file(
        tmp_path, rf.body(host="pc-6", addresses=("eth0:10.20.3.4", "eth1:fe80::1")), name="6.json"
    )
    assert _import(ranged).agency == A


def _upload(token: str, raw: bytes, **form: str) -> Any:
    client = Client(REMOTE_ADDR="192.0.2.20")
    return client.post(
        "/api/v1/sweep/results",
        {"file": SimpleUploadedFile("r.json", raw), **form},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_api_upload_is_agency_scoped(world: World, tmp_path: Path) -> None:
    ConsoleAccount.objects.update(language="en")
    raw = _file(tmp_path, rf.body(agency=B, hits=[rf.hit()]))
    answer = _upload(world.tokens["officer_b"], raw)
    assert answer.status_code == 201, answer.content
    said = json.loads(answer.content)
    assert (said["host"], said["agency"], said["hits"], said["opened"], said["pinned"]) == (
        "pc-kt-01",
        B,
        1,
        1,
        True,
    )
    assert _upload(world.tokens["officer_b"], raw).status_code == 200
    assert (
        "SO-A"
        in error_of(
            _upload(world.tokens["officer_b"], _file(tmp_path, rf.body(host="a1", agency=A), name="a.json")),
            403,
        )["message"]
    )
    error_of(
        _upload(world.tokens["leader"], _file(tmp_path, rf.body(host="l1", agency=B), name="l.json")), 403
    )
    other = _file(tmp_path, rf.body(agency=B, ended=DAY2), Ed25519PrivateKey.generate(), "k.json")
    assert "another key" in error_of(_upload(world.tokens["officer_b"], other), 409)["message"]
    assert "signature" in error_of(_upload(world.tokens["analyst"], rf.tampered(raw)), 400)["message"]
    error_of(_upload("cg_not_a_token", raw), 401)
    plain = _file(tmp_path, rf.body(host="pc-9"), name="9.json")
    assert json.loads(_upload(world.tokens["analyst"], plain, agency=A).content)["agency"] == A
    officer = Client(REMOTE_ADDR="192.0.2.20")
    rows = json.loads(
        officer.get(
            "/api/v1/sweep/coverage", headers={"Authorization": f"Bearer {world.tokens['officer_b']}"}
        ).content
    )
    assert [(r["agency"], r["hosts"], r["hits_open"]) for r in rows] == [(B, 1, 1)]
    rows = json.loads(
        officer.get(
            "/api/v1/sweep/coverage", headers={"Authorization": f"Bearer {world.tokens['analyst']}"}
        ).content
    )
    assert [(r["agency"], r["hosts"]) for r in rows] == [(A, 1), (B, 1)]


def test_the_pages_are_scoped_and_the_csirt_unpins(world: World, tmp_path: Path) -> None:
    recent = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat()
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=60)).isoformat()
    _import(_file(tmp_path, rf.body(agency=A, hits=[rf.hit()], ended=recent)))
    _import(_file(tmp_path, rf.body(host="pc-b", agency=B, ended=long_ago), name="b.json"))
    host_a = SweepHost.objects.get(agency_code=A).pk
    host_b = SweepHost.objects.get(agency_code=B).pk
    analyst = logged_in("analyst")
    page = analyst.get("/sweep/").content.decode()
    assert "agency-SO-A" in page and "agency-SO-B" in page and "2026.12" in page
    page = analyst.get(f"/sweep/{A}/").content.decode()
    assert "pc-kt-01" in page and 'class="stale"' not in page
    page = analyst.get(f"/sweep/{B}/").content.decode()
    assert "pc-b" in page and 'class="stale"' in page  # not swept for 30 days: flagged
    page = analyst.get(f"/sweep/hosts/{host_a}/").content.decode()
    assert "/srv/a/evil.exe" in page and 'id="unpin"' in page and "SECRET-CONTENT" not in page
    officer = logged_in("officer_b")
    page = officer.get("/sweep/").content.decode()
    assert "agency-SO-B" in page and "agency-SO-A" not in page
    assert officer.get(f"/sweep/{A}/").status_code == 404
    assert officer.get(f"/sweep/hosts/{host_a}/").status_code == 404
    page = officer.get(f"/sweep/hosts/{host_b}/").content.decode()
    assert "pc-b" in page and 'id="unpin"' not in page
    assert officer.post(f"/sweep/hosts/{host_b}/unpin/").status_code == 403
    answer = analyst.post(f"/sweep/hosts/{host_a}/unpin/")
    assert answer.status_code == 302 and SweepHost.objects.get(pk=host_a).public_key == ""
    assert 'id="unpinned"' in analyst.get(answer["Location"]).content.decode()


def test_the_compliance_item_is_measured(world: World, tmp_path: Path) -> None:
    def cell(code: str) -> Any:
        found = compliance.compliance_status(ViewerScope.everything(), today=dt.date(2026, 12, 20))
        return found.cell(code, "3.malware-sweep")

    assert (cell(A).status.value, cell(A).why) == ("not_measured", "sweep.none")
    _import(_file(tmp_path, rf.body(agency=A, hits=[rf.hit()])))
    assert (cell(A).status.value, cell(A).why, len(cell(A).evidence)) == ("not_done", "sweep.hits", 1)
    _import(_file(tmp_path, rf.body(agency=A, ended=DAY2), name="clean.json"))
    assert (cell(A).status.value, cell(A).why) == ("done", "sweep.clean")
    assert cell(B).why == "sweep.none"
