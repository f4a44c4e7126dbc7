"""``canhgac creds campaign`` end to end in a fresh interpreter, on a store with leaked accounts of
two agencies: the list per agency and one agency's accounts; steps recorded with a note, a file
and an attestation until the case closes; an officer refused another agency's account and the
CSIRT's reopen; letters written as Word and .eml (Vietnamese and English); a letter sent through
the watch's relay (a local STARTTLS+AUTH SMTP sink on loopback) and refused without one; bad
input in one line, never a traceback; and no output, letter or e-mail holding a password or a
full hash."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import os
import subprocess
import sys
from email import policy
from pathlib import Path

from docx import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "watch"))
from watch_sink_support import PASSWORD, USER, free_port, pki, smtp_sink

LEAKED = {"le.c@b.gov.vn": "Beta@2024secret", "an.b@a.gov.vn": "Alpha!Leaked#7"}

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


def _batch(ws: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CANHGAC_")}
    env |= {"PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "220", "CANHGAC_WATCH": "0"}
    done = subprocess.run(
        [sys.executable, "-c", BATCH, str(ws), json.dumps(LEAKED)],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [(code, out, err) for code, out, err in json.loads(done.stdout.splitlines()[-1])]


def _secrets() -> list[str]:
    found = []
    for pw in LEAKED.values():
        sha1 = hashlib.sha1(pw.encode()).hexdigest()
        found += [pw, sha1, sha1.upper(), hmac.new(b"k", pw.encode(), hashlib.sha256).hexdigest()]
    return found


def test_campaign_from_the_command_line(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)
    head, user, eml = tmp_path / "head.docx", tmp_path / "user.docx", tmp_path / "user.eml"
    b1 = "le.c@b.gov.vn"
    answers = _batch(
        ws,
        ["creds", "campaign", "list"],
        [
            "creds",
            "campaign",
            "step",
            "SO-B",
            b1,
            "password",
            "--note",
            "changed at the desk",
            "-f",
            str(shot),
        ],
        [
            "creds",
            "campaign",
            "step",
            "SO-B",
            b1,
            "sessions",
            "--note",
            "revoked in webmail",
            "--as",
            "officer.b",
        ],
        [
            "creds",
            "campaign",
            "step",
            "SO-A",
            "an.b@a.gov.vn",
            "password",
            "--note",
            "x",
            "--as",
            "officer.b",
        ],
        [
            "creds",
            "campaign",
            "step",
            "SO-B",
            b1,
            "second-factor",
            "--attest",
            "TOTP on",
            "--as",
            "officer.b",
        ],
        ["creds", "campaign", "list", "--agency", "SO-B"],
        ["creds", "campaign", "reopen", "SO-B", b1, "--reason", "again", "--as", "officer.b"],
        ["creds", "campaign", "reopen", "SO-B", b1, "--reason", "still logs in"],
        ["creds", "campaign", "letter", "SO-B", "--head", "-o", str(head)],
        ["creds", "campaign", "letter", "SO-B", b1, "--language", "en", "-o", str(user)],
        ["creds", "campaign", "letter", "SO-B", b1, "--format", "eml", "-o", str(eml)],
        ["creds", "campaign", "send", "SO-B", b1],
        ["creds", "campaign", "step", "SO-B", b1, "firewall", "--note", "x"],
        ["creds", "campaign", "step", "SO-B", b1, "password"],
        ["creds", "campaign", "list", "--as", "officer.b"],
    )
    codes = [a[0] for a in answers]
    print(codes)
    assert codes == [0, 0, 0, 2, 0, 0, 2, 0, 0, 0, 0, 2, 2, 2, 0], answers
    overview = answers[0][1]
    assert "SO-B" in overview and "SO-A" in overview and "0 %" in overview
    assert "The case of le.c@b.gov.vn is closed." in answers[4][1]
    assert "no leaked account an.b@a.gov.vn of SO-A" in answers[3][2]
    assert "yes" in answers[5][1] and "attestation" in answers[5][1]
    assert "Reopened: 3 steps undone." in answers[7][1]
    assert "no mail relay is configured" in answers[11][2]
    assert "unknown step firewall" in answers[12][2] and "evidence needs a note or a file" in answers[13][2]
    assert "SO-A" not in answers[14][1] and "SO-B" in answers[14][1]
    assert all("Traceback" not in out + err for _c, out, err in answers)
    head_text = "\n".join(p.text for p in Document(str(head)).paragraphs)
    assert "Thủ trưởng" in head_text
    assert "NOTICE" in "\n".join(p.text for p in Document(str(user)).paragraphs)
    mail = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["To"] == b1
    everything = [a[1] + a[2] for a in answers] + [eml.read_bytes().decode(), head_text]
    for text in everything:
        for secret in _secrets():
            assert secret not in text


def test_a_letter_goes_through_the_watchs_relay(tmp_path: Path) -> None:
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
    with smtp_sink(tls, port) as sink:
        answers = _batch(
            ws,
            ["creds", "campaign", "send", "SO-B", "le.c@b.gov.vn", "--language", "vi"],
            ["creds", "campaign", "send", "SO-B", "--head", "--to", "thutruong@b.gov.vn"],
            ["creds", "campaign", "send", "SO-B", "--head", "--to", "x@b.gov.vn", "--as", "officer.b"],
            ["creds", "campaign", "list"],
        )
    assert [a[0] for a in answers] == [0, 0, 2, 0], answers
    assert "Sent to le.c@b.gov.vn." in answers[0][1]
    got = {r.to[0]: r for r in sink.received}
    assert set(got) == {"le.c@b.gov.vn", "thutruong@b.gov.vn"}
    assert "bị lộ" in str(got["le.c@b.gov.vn"].mail["Subject"])
    assert "le.c@b.gov.vn" in got["thutruong@b.gov.vn"].text
    for r in sink.received:
        for secret in _secrets():
            assert secret not in r.mail.as_string()
