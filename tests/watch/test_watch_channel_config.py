"""The [watch] table: channels and recipients as a typed value, secrets from the environment or
a file outside the repository (never the settings file), one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from canhgac.i18n import language
from canhgac.watch.channel_config import ChannelConfigError, channel_config

ENV = {"SMTP_PW": "mật-khẩu", "TG": "123456:token"}


def _table(**extra: Any) -> dict[str, Any]:
    return {
        "console-url": "https://canhgac.stttt.test",
        "email": {"host": "mail.stttt.test", "sender": "canhgac@stttt.test", "user": "canhgac",
                  "password-env": "SMTP_PW"},
        "telegram": {"token-env": "TG", "api-url": "http://127.0.0.1:9"},
        "recipients": [{"name": "Nguyễn Văn An", "email": "an@stttt.test", "telegram": "42"}],
        **extra,
    }


def test_a_full_table_becomes_a_value_with_its_secrets_resolved(tmp_path: Path) -> None:
    config = channel_config(_table(**{"retry-first": 5}), base=tmp_path, environ=ENV)
    assert config.email is not None and config.email.password == "mật-khẩu" and config.email.port == 587
    assert config.telegram is not None and config.telegram.token == "123456:token"
    assert config.retry_first == 5 and config.webhook is None
    assert config.recipients[0].addresses() == [("email", "an@stttt.test"), ("telegram", "42")]
    assert "mật-khẩu" not in repr(config) and "123456:token" not in repr(config)


def test_a_secret_file_relative_to_the_settings_file(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("từ-tệp\n", encoding="utf-8")
    table = _table()
    table["email"] = {**table["email"], "password-env": "", "password-file": "pw"}
    config = channel_config(table, base=tmp_path, environ=ENV)
    assert config.email is not None and config.email.password == "từ-tệp"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"email": {"host": "h", "sender": "a@b", "password": "plain"}},
         "never written in the settings file"),
        ({"telegram": {"token-env": "MISSING"}}, "MISSING is not set"),
        ({"telegram": {}}, "token-env or token-file"),
        ({"email": {"host": "h", "sender": "a@b", "user": "u"}}, "password-env or password-file"),
        ({"webhook": None, "recipients": [{"name": "B", "webhook": "https://x.test/"}]}, "[watch.webhook]"),
        ({"recipients": [{"name": "B", "email": "not an address"}]}, "recipients[0].email"),
        ({"retry-frist": 5}, "retry-frist"),
        ({"email": {"host": "h", "sender": "a@b", "security": "none"}}, "email.security"),
    ],
)
def test_mistakes_are_one_line(tmp_path: Path, change: dict[str, Any], said: str) -> None:
    table = {k: v for k, v in {**_table(), **change}.items() if v is not None}
    with language("en"), pytest.raises(ChannelConfigError) as err:
        channel_config(table, base=tmp_path, environ=ENV)
    assert said in str(err.value) and "\n" not in str(err.value)


def test_recipients_may_be_limited_to_agencies(tmp_path: Path) -> None:
    table = _table(recipients=[{"name": "A", "email": "a@x.test", "agencies": ["SO-A"]},
                               {"name": "B", "email": "b@x.test"}])
    a, b = channel_config(table, base=tmp_path, environ=ENV).recipients
    assert a.wants({"SO-A", "SO-B"}) and not a.wants({"SO-B"}) and b.wants({"SO-B"})


def test_the_scan_settings_reader_leaves_the_watch_table_alone(tmp_path: Path) -> None:
    from canhgac.services.settings_file import read_table

    path = tmp_path / "canhgac.toml"
    path.write_text('[scan]\nconcurrency = 5\n\n[watch.email]\nhost = "h"\nsender = "a@b"\n',
                    encoding="utf-8")
    assert read_table(path) == {"concurrency": 5}
