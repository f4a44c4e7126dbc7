"""``canhgac logs follow|listen`` as registered by :func:`register_live_commands`: the default
sink prints each detection as one JSON line, SIGTERM ends the run with a summary and exit 0, and
bad options are refused with a one-line error before anything starts. The real formats and
rules are replaced by the fakes of ``logs_live_support``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import typer
from logs_live_support import LineReader, RecordingDetector, fake_parsers
from typer.testing import CliRunner

from canhgac.cli.logs_live_cmd import register_live_commands

HERE = Path(__file__).parent

SCRIPT = textwrap.dedent("""
    import sys
    import typer
    import canhgac.logs.live as live
    from canhgac.cli.logs_live_cmd import register_live_commands
    from canhgac.i18n import set_language
    from logs_live_support import LineReader, RecordingDetector, fake_parsers

    live.default_parsers = fake_parsers
    app = typer.Typer()
    register_live_commands(app, detector_factory=lambda: RecordingDetector())
    set_language("en")
    app(sys.argv[1:])
""")


def app() -> typer.Typer:
    a = typer.Typer()
    register_live_commands(a, detector_factory=lambda: RecordingDetector())
    return a


def test_follow_prints_detections_as_json_lines_and_stops_on_sigterm(tmp_path: Path) -> None:
    log, state = tmp_path / "auth.log", tmp_path / "state.json"
    log.write_text("FAIL 192.0.2.1 attacker\n")  # history: not read (no --from-start)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "follow", str(log), "--format", "fake", "--state",
         str(state), "--poll", "0.02", "--tz", "Asia/Ho_Chi_Minh"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stderr is not None and proc.stdout is not None
        out, errors = LineReader(proc.stdout), LineReader(proc.stderr)
        assert "Following files: 1" in errors.next()
        with open(log, "a") as fh:
            fh.write("FAIL 198.51.100.4 attacker\n")
        detection = json.loads(out.next())
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        err = errors.rest()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert detection["rule_id"] == "logs.auth.brute-force"
    assert detection["clients"] == ["198.51.100.4"]
    assert detection["evidence"][0]["raw"] == "FAIL 198.51.100.4 attacker"
    assert f"{log}: lines 1, records 1" in err
    assert "Detections: 1." in err
    assert json.loads(state.read_text())["files"][str(log)]["offset"] == log.stat().st_size


def test_bad_options_are_refused_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["listen"], ["listen", "--tls", "127.0.0.1:6514"],
                 ["listen", "--udp", "127.0.0.1"], ["listen", "--tcp", "127.0.0.1:0", "--sender", "x"],
                 ["follow", str(tmp_path / "x.log"), "--tz", "Nowhere/Atlantis"]):
        result = runner.invoke(app(), args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output


def test_a_port_in_use_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import canhgac.logs.live as live

    monkeypatch.setattr(live, "default_parsers", fake_parsers)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(app(), ["listen", "--tcp", f"127.0.0.1:{port}"])
    assert result.exit_code == 4, result.output
    assert "Traceback" not in result.output
