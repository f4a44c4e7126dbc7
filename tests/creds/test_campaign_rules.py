"""The campaign's pure rules (``creds.campaign``) and its packaged letter template."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from canhgac.creds.campaign import (
    STEPS,
    How,
    Step,
    StepState,
    is_closed,
    masked_address,
    parse_step,
    percent,
    share_closed,
    step_label,
)

ROOT = Path(__file__).parents[2]


def test_a_case_closes_only_when_every_step_is_done() -> None:
    done = StepState(How.EVIDENCE)
    assert not is_closed({})
    assert not is_closed({Step.PASSWORD: done, Step.SESSIONS: done})
    assert not is_closed(
        {Step.PASSWORD: done, Step.SESSIONS: done, Step.SECOND_FACTOR: StepState(How.REOPENED)}
    )
    assert is_closed({s: StepState(How.ATTESTATION) for s in STEPS})


def test_steps_are_read_by_name_and_translated() -> None:
    assert parse_step(" Password ") is Step.PASSWORD
    assert parse_step("second_factor") is parse_step("2fa") is Step.SECOND_FACTOR
    assert parse_step("firewall") is None
    assert step_label(Step.SESSIONS, "vi") == "đã thu hồi phiên đăng nhập"
    assert step_label(Step.SESSIONS, "en") == "sessions revoked"


def test_shares_and_masks() -> None:
    assert (percent(3, 1), percent(3, 3), percent(0, 0), percent(2, 1)) == (33, 100, 100, 50)
    assert share_closed(4, 1) == 0.25 and share_closed(0, 0) == 1.0
    assert masked_address("nguyen.van.a@so.gov.vn") == "ng…@so.gov.vn"


def test_the_packaged_letter_template_is_what_the_script_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_campaign_templates.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
