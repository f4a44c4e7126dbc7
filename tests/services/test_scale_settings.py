"""The settings of sharded execution (``services.broker_settings``) and the edges that read them:
``canhgac worker`` without a broker, a wrong value refused in one line naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from canhgac.cli.main import app
from canhgac.services.broker_settings import BrokerSettings, BrokerSettingsError
from canhgac.services.celery_executor import CeleryExecutor, StoringExecutor, executor_from_env

RUNNER = CliRunner()


def test_no_broker_url_means_in_process() -> None:
    assert BrokerSettings.from_env({}) is None
    assert BrokerSettings.from_env({"CANHGAC_BROKER_URL": "  "}) is None
    assert executor_from_env({}) is None


def test_the_environment_gives_every_setting() -> None:
    settings = BrokerSettings.from_env({
        "CANHGAC_BROKER_URL": "redis://127.0.0.1:6379/3", "CANHGAC_RESULT_BACKEND": "none",
        "CANHGAC_QUEUE": "national", "CANHGAC_SHARD_TARGETS": "200", "CANHGAC_SHARD_TIME_LIMIT": "900",
        "CANHGAC_BROKER_VISIBILITY_TIMEOUT": "1800", "CANHGAC_BROKER_KEY_PREFIX": "cg:"})
    assert settings is not None
    assert (settings.queue, settings.shard_targets, settings.time_limit, settings.hard_time_limit) == (
        "national", 200, 900, 960)
    assert settings.result_backend is None and settings.is_redis and settings.key_prefix == "cg:"
    executor = executor_from_env({"CANHGAC_BROKER_URL": "amqp://guest@127.0.0.1//"})
    assert isinstance(executor, CeleryExecutor) and isinstance(executor, StoringExecutor)
    assert not executor.settings.is_redis


@pytest.mark.parametrize(("env", "variable"), [
    ({"CANHGAC_BROKER_URL": "http://127.0.0.1:6379"}, "CANHGAC_BROKER_URL"),
    ({"CANHGAC_BROKER_URL": "redis://127.0.0.1", "CANHGAC_SHARD_TARGETS": "0"}, "CANHGAC_SHARD_TARGETS"),
    ({"CANHGAC_BROKER_URL": "redis://127.0.0.1", "CANHGAC_SHARD_TARGETS": "many"}, "CANHGAC_SHARD_TARGETS"),
    ({"CANHGAC_BROKER_URL": "redis://127.0.0.1", "CANHGAC_RESULT_BACKEND": "db+sqlite://"},
     "CANHGAC_RESULT_BACKEND"),
    ({"CANHGAC_BROKER_URL": "redis://127.0.0.1", "CANHGAC_QUEUE": "a queue"}, "CANHGAC_QUEUE"),
])
def test_a_wrong_value_is_one_line_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(BrokerSettingsError) as caught:
        BrokerSettings.from_env(env)
    assert str(caught.value).startswith(variable + ":") and "\n" not in str(caught.value)


def test_the_app_is_configured_for_killed_workers() -> None:
    from canhgac.services.celery_app import SHARD_TASK, make_app

    settings = BrokerSettings(broker_url="redis://127.0.0.1:6379/0", key_prefix="p:", visibility_timeout=8)
    app = make_app(settings)
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result and conf.task_default_queue == "canhgac"
    assert conf.broker_transport_options == {"visibility_timeout": 8, "unacked_restore_interval": 2,
                                             "unacked_restore_throttle": 1, "global_keyprefix": "p:"}
    assert SHARD_TASK in app.tasks


def test_worker_without_a_broker_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CANHGAC_BROKER_URL", raising=False)
    result = RUNNER.invoke(app, ["--lang", "en", "worker"], env={"COLUMNS": "250"})
    assert result.exit_code == 2
    assert "CANHGAC_BROKER_URL is not set" in result.output


def test_scan_with_a_wrong_broker_url_is_refused_before_anything_runs(tmp_path: Path) -> None:
    inventory = tmp_path / "inv.yaml"
    inventory.write_text('version: 1\nprovince: {code: TT, name: "T"}\nscope: {public_suffixes: [gov.test], '
                         'loopback_only: true}\nagencies:\n  - code: AA\n    name: "A"\n'
                         '    kind: department\n    domains: [{name: a.gov.test}]\n')
    result = RUNNER.invoke(app, ["--lang", "en", "--workspace", str(tmp_path / "ws"), "scan",
                                 str(inventory), "--resolver", "127.0.0.1:53"],
                           env={"COLUMNS": "250", "CANHGAC_BROKER_URL": "ftp://127.0.0.1"})
    assert result.exit_code == 2
    assert "CANHGAC_BROKER_URL:" in result.output
    assert not (tmp_path / "ws").exists()  # refused before the store was opened
