"""The breach import through the store, run by ``test_breach_store.py`` in a fresh process per
backend (SQLite always, PostgreSQL when ``CANHGAC_TEST_DATABASE_URL`` is set).

No plaintext of the input anywhere in the workspace, the database or the logs; reuse found;
service categories applied; findings opened and fixed through the normal reconciliation; an
agency officer reads only their agency's leaked accounts; a resumed import equals an
uninterrupted one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from breach_support import INVENTORY, combo, jsonl

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(os.environ.get("CANHGAC_WORKSPACE") or tempfile.mkdtemp(prefix="canhgac-breach-"))
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from django.db import connection  # noqa: E402

from canhgac.console.store import queries  # noqa: E402
from canhgac.console.store.leak_models import BreachImport, LeakedAccount  # noqa: E402
from canhgac.console.store.leak_queries import breach_imports, leak_counts, leaked_accounts  # noqa: E402
from canhgac.console.store.leak_store import StoreSink  # noqa: E402
from canhgac.console.store.models import Event, Finding, FindingChange, Result, ScanRun  # noqa: E402
from canhgac.console.store.queries import ViewerScope  # noqa: E402
from canhgac.creds.breach import BreachMeta, Checkpoint, Hit, SecretKeeper, import_file  # noqa: E402
from canhgac.creds.breach import importer as importer_module  # noqa: E402
from canhgac.inventory.loader import loads_inventory  # noqa: E402
from canhgac.services import breach  # noqa: E402

TODAY = dt.date(2026, 12, 7)
OLD = BreachMeta("Combo 2017", dt.date(2017, 12, 1))
MATCHER = breach.matcher_for(loads_inventory(INVENTORY))
SHARED = "Chung-M4tkhau!"  # on STTTT's first account and SYT's subdomain account


@pytest.fixture(autouse=True)
def empty() -> Iterator[None]:
    yield
    for model in (LeakedAccount, BreachImport, Event, FindingChange, Finding, Result, ScanRun):
        model.objects.all().delete()


def _open(check_id: str) -> dict[str, str]:
    """target name -> agency of the open findings of ``check_id``."""
    return {
        f.target_key.split(":", 1)[1]: f.agency_code
        for f in queries.open_findings(ViewerScope.everything())
        if f.check_id == check_id
    }


def _everything_stored() -> bytes:
    """Every byte of the workspace's files, plus every row of the store's tables as text."""
    blob = bytearray()
    for path in _WORKSPACE.rglob("*"):
        if path.is_file():
            blob += path.read_bytes()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            blob += repr(cursor.fetchall()).encode("utf-8", "replace")
    return bytes(blob)


def test_no_plaintext_anywhere_and_findings_through_reconciliation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = combo(tmp_path / "combo.txt", lines=4000, shared=SHARED)
    notices = jsonl(tmp_path / "notify.jsonl")
    (result,) = breach.import_files([made.path], OLD, MATCHER)
    breach.import_files([notices.path], BreachMeta("Notifications", dt.date(2019, 1, 1)), MATCHER)
    refresh = breach.refresh_findings(today=TODAY)
    assert result.checkpoint.counts.kept == 6 and result.checkpoint.counts.malformed == 3
    assert refresh.accounts == 7 and refresh.opened > 0  # the notification adds le.c@syt

    stored = _everything_stored()
    logged = "\n".join(r.getMessage() for r in caplog.records).encode()
    for password in made.passwords + notices.passwords:
        secret = password.encode()
        full_sha1 = hashlib.sha1(secret).hexdigest()
        for haystack in (stored, logged):
            assert secret not in haystack, "a plaintext password reached the disk or a log"
            assert full_sha1.encode() not in haystack.lower()

    leaked = _open("creds.account.leaked")
    assert set(leaked) == {a for (a,) in LeakedAccount.objects.values_list("address").distinct()}
    assert _open("creds.account.leaked-recent") == {}
    reused = _open("creds.password.reused")
    assert reused == {"nguyen.van.a@stttt.kiengiang.gov.vn": "STTTT", "le.c@mail.syt.kiengiang.gov.vn": "SYT"}
    assert _open("creds.mailbox.public-service") == {
        "nguyen.van.a@stttt.kiengiang.gov.vn": "STTTT",
        "le.c@syt.kiengiang.gov.vn": "SYT",
    }
    for row in Result.objects.filter(check_id__startswith="creds."):
        text = repr(row.evidence) + repr(row.message_values)
        digests = LeakedAccount.objects.exclude(secret_hmac="").values_list("secret_hmac", flat=True)
        assert not any(d in text for d in digests)

    # the agency answers that the password still works: critical, and the high one is fixed
    assert breach.answer_still_works("STTTT", "TRAN.B@stttt.kiengiang.gov.vn", True) == 1
    again = breach.refresh_findings(today=TODAY)
    assert again.opened == 1 and again.fixed == 1
    assert _open("creds.account.leaked-recent") == {"tran.b@stttt.kiengiang.gov.vn": "STTTT"}
    # a recent breach is critical too
    fresh = tmp_path / "fresh.txt"
    fresh.write_text("pham.d@soyte-kg.vn:" + "Moi-2026\n", encoding="utf-8")
    breach.import_files([fresh], BreachMeta("Fresh", TODAY - dt.timedelta(days=10), "tinhte.vn"), MATCHER)
    breach.refresh_findings(today=TODAY)
    assert "pham.d@soyte-kg.vn" in _open("creds.account.leaked-recent")
    assert "pham.d@soyte-kg.vn" in _open("creds.mailbox.public-service")


def test_an_officer_reads_only_their_agencys_leaked_accounts(tmp_path: Path) -> None:
    breach.import_files([combo(tmp_path / "c.txt", lines=500, shared=SHARED).path], OLD, MATCHER)
    breach.refresh_findings(today=TODAY)
    syt = ViewerScope.agencies({"SYT"})
    assert {v.agency for v in leaked_accounts(syt)} == {"SYT"}
    assert {v.agency for v in leaked_accounts(ViewerScope.everything())} == {"STTTT", "SYT", "STC"}
    assert set(leak_counts(syt)) == {"SYT"}
    assert breach_imports(syt) == [] and len(breach_imports(ViewerScope.everything())) == 1
    assert {f.agency_code for f in queries.open_findings(syt)} == {"SYT"}
    shared = next(v for v in leaked_accounts(syt) if v.address == "le.c@mail.syt.kiengiang.gov.vn")
    assert (shared.same_agency_sharing, shared.other_agencies_sharing) == (0, 1)  # a count, not who


class FailingSink(StoreSink):
    def __init__(self, after: int) -> None:
        self.left = after

    def commit(self, hits: list[Hit], checkpoint: Checkpoint, meta: BreachMeta, name: str) -> None:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        super().commit(hits, checkpoint, meta, name)


def _rows() -> list[tuple[object, ...]]:
    return sorted(
        LeakedAccount.objects.values_list(
            "address",
            "agency_code",
            "breach",
            "breach_date",
            "service",
            "secret_kind",
            "secret_hmac",
            "sha1_prefix",
        )
    )


def test_a_resumed_import_stores_what_an_uninterrupted_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer_module, "CHUNK", 4096)
    path = combo(tmp_path / "c.txt", lines=4000, shared=SHARED).path
    keeper = SecretKeeper("k")
    whole = import_file(path, MATCHER, keeper, OLD, StoreSink())
    expected_rows = _rows()
    LeakedAccount.objects.all().delete()
    BreachImport.objects.all().delete()
    for after in (3, 5, 7):  # killed three times, at different places
        with pytest.raises(KeyboardInterrupt):
            import_file(path, MATCHER, keeper, OLD, FailingSink(after))
    stopped = BreachImport.objects.get()
    assert 0 < stopped.offset < whole.offset and stopped.finished_at is None
    resumed = import_file(path, MATCHER, keeper, OLD, StoreSink())
    assert resumed == whole
    assert _rows() == expected_rows
    assert BreachImport.objects.get().counts == whole.counts.to_json()
