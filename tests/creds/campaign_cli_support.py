"""What the campaign's CLI tests share (``test_campaign_cli``, ``test_campaign_bulk_cli``): a
batch of ``canhgac`` commands run in a fresh interpreter on a store with leaked accounts of two
agencies (``SO-A``, ``SO-B``; ``officer.b`` the officer of ``SO-B``), the leaked passwords' forms
that no output may hold, and a workspace whose ``[watch.email]`` is a loopback STARTTLS+AUTH sink.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "watch"))
from watch_sink_support import PASSWORD, USER, free_port, pki

BATCH = """
import datetime as dt, hashlib, hmac, json, sys
from pathlib import Path
from canhgac.netguard import install_loopback_guard
install_loopback_guard()
from canhgac.console.bootstrap import migrate, setup_django
ws = Path(sys.argv[1]); ws.mkdir(parents=True, exist_ok=True)
setup_django(database_url=f"sqlite:///{ws / 'canhgac.sqlite3'}", workspace=ws)
migrate()
from django.utils import timezone
from canhgac.console.store import services
from canhgac.console.store.accounts import create_account
from canhgac.console.store.leak_models import LeakedAccount
from canhgac.console.store.roles import Role
if not LeakedAccount.objects.exists():
    services.sync_agencies([{"code": "SO-A", "name": "Sở A", "domains": ["a.gov.vn"]},
                            {"code": "SO-B", "name": "Sở B", "domains": ["b.gov.vn"]}])
    create_account("officer.b", "a-Long-pass-phrase-9", Role.AGENCY_OFFICER, ["SO-B"], actor="test")
    for address, pw in json.loads(sys.argv[2]).items():
        LeakedAccount.objects.create(
            address=address, agency_code="SO-B" if "@b." in address else "SO-A", breach="Combo 2024",
            breach_date=dt.date(2024, 3, 1), service="", secret_kind="password",
            secret_hmac=hmac.new(b"k", pw.encode(), hashlib.sha256).hexdigest(),
            sha1_prefix=hashlib.sha1(pw.encode()).hexdigest()[:5].upper(), imported_at=timezone.now())
from typer.testing import CliRunner
from canhgac.cli.main import app
runner, answers = CliRunner(), []
for args in json.loads(sys.stdin.read()):
    done = runner.invoke(app, ["--lang", "en", "--workspace", str(ws), *args])
    crashed = done.exception is not None and not isinstance(done.exception, SystemExit)
    err = done.stderr + (repr(done.exception) if crashed else "")
    answers.append([99 if crashed else done.exit_code, done.stdout, err])
print(json.dumps(answers))
"""


def run_batch(ws: Path, leaked: dict[str, str], *commands: list[str]) -> list[tuple[int, str, str]]:
    """Each command's (exit code, stdout, stderr), ``leaked`` (address: password) in the store."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    env |= {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "220", "CANHGAC_WATCH": "0"}
    done = subprocess.run(
        [sys.executable, "-c", BATCH, str(ws), json.dumps(leaked)],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [(code, out, err) for code, out, err in json.loads(done.stdout.splitlines()[-1])]


def secrets_of(leaked: dict[str, str]) -> list[str]:
    """Every form of the leaked passwords no output may hold: clear, SHA-1 (both cases), the HMAC."""
    found = []
    for pw in leaked.values():
        sha1 = hashlib.sha1(pw.encode()).hexdigest()
        found += [pw, sha1, sha1.upper(), hmac.new(b"k", pw.encode(), hashlib.sha256).hexdigest()]
    return found


def relay_workspace(tmp_path: Path) -> tuple[Path, Any, int]:
    """A workspace whose ``[watch.email]`` is the sink ``smtp_sink(tls, port)`` will run: (ws, tls, port)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    tls, port = pki(tmp_path), free_port()
    (ws / "smtp-password").write_text(PASSWORD, encoding="utf-8")
    (ws / "canhgac.toml").write_text(
        "[watch.email]\n"
        f'host = "127.0.0.1"\nport = {port}\nsender = "canhgac@stttt.test"\nuser = "{USER}"\n'
        f'password-file = "{ws / "smtp-password"}"\nca-file = "{tls.ca_file}"\ntimeout = 5\n',
        encoding="utf-8",
    )
    return ws, tls, port
