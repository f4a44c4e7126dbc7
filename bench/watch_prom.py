"""The other side of the watch benchmark: Prometheus and blackbox_exporter (Debian's packages),
run as the benchmark's own processes on 127.0.0.1 with their own configuration and data
directory (never as the system's services), probing the same URLs.

One scrape job of N targets (file_sd), ``scrape_interval`` the benchmark's interval, each
scrape asking the exporter's ``/probe?module=http_2xx&target=URL`` (the lab CA trusted). What
is read back: the number of probes in the window and how many succeeded (Prometheus's query
API over what it stored), and the spread of its scrape intervals (its own
``prometheus_target_interval_length_seconds`` summary).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.watch_lab import free_port

PROMETHEUS = "prometheus"
EXPORTER = "prometheus-blackbox-exporter"
QUANTILES = {"0.5": "p50", "0.99": "p99"}


def installed() -> bool:
    return shutil.which(PROMETHEUS) is not None and shutil.which(EXPORTER) is not None


def versions() -> str:
    found = []
    for tool in (PROMETHEUS, EXPORTER):
        out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
        line = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else tool
        found.append(line.split(" (")[0])
    return ", ".join(found)


@dataclass
class Stack:
    prometheus: subprocess.Popen[bytes]
    exporter: subprocess.Popen[bytes]
    web: str  # Prometheus's base URL

    def stop(self) -> None:
        for proc in (self.prometheus, self.exporter):
            proc.terminate()
        for proc in (self.prometheus, self.exporter):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _go_duration(seconds: float) -> str:
    return f"{int(seconds * 1000)}ms"


def start(work: Path, urls: list[str], ca_file: Path, interval: float) -> Stack:
    """Write the configurations, start the exporter and Prometheus, wait until Prometheus is ready."""
    root = work / "prometheus"
    shutil.rmtree(root, ignore_errors=True)
    (root / "data").mkdir(parents=True)
    exporter_port, prom_port = free_port(), free_port()
    (root / "blackbox.yml").write_text(f"""modules:
  http_2xx:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: {ca_file}
""", encoding="utf-8")
    (root / "targets.json").write_text(json.dumps([{"targets": urls}]), encoding="utf-8")
    timeout = _go_duration(min(10.0, interval))
    (root / "prometheus.yml").write_text(f"""global:
  scrape_interval: {_go_duration(interval)}
  scrape_timeout: {timeout}
  evaluation_interval: {_go_duration(interval)}
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params: {{module: [http_2xx]}}
    file_sd_configs: [{{files: ["{root / 'targets.json'}"]}}]
    relabel_configs:
      - {{source_labels: [__address__], target_label: __param_target}}
      - {{source_labels: [__param_target], target_label: instance}}
      - {{target_label: __address__, replacement: "127.0.0.1:{exporter_port}"}}
""", encoding="utf-8")
    log = (root / "exporter.log").open("wb")
    exporter = subprocess.Popen([EXPORTER, f"--config.file={root / 'blackbox.yml'}",
                                 f"--web.listen-address=127.0.0.1:{exporter_port}", "--log.level=warn"],
                                stdout=log, stderr=subprocess.STDOUT)
    plog = (root / "prometheus.log").open("wb")
    prometheus = subprocess.Popen([PROMETHEUS, f"--config.file={root / 'prometheus.yml'}",
                                   f"--storage.tsdb.path={root / 'data'}",
                                   f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
                                  stdout=plog, stderr=subprocess.STDOUT)
    stack = Stack(prometheus, exporter, f"http://127.0.0.1:{prom_port}")
    deadline = time.monotonic() + 60
    while True:
        if prometheus.poll() is not None or exporter.poll() is not None:
            stack.stop()
            raise SystemExit(f"Prometheus or blackbox_exporter exited: see {root}/*.log")
        try:
            with urllib.request.urlopen(f"{stack.web}/-/ready", timeout=2) as answer:
                if answer.status == 200:
                    return stack
        except OSError:
            pass
        if time.monotonic() > deadline:
            stack.stop()
            raise SystemExit("Prometheus was not ready within 60 s")
        time.sleep(0.3)


def _query(stack: Stack, expr: str, at: float) -> float:
    url = f"{stack.web}/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": f"{at:.3f}"})
    with urllib.request.urlopen(url, timeout=60) as answer:
        data: dict[str, Any] = json.load(answer)
    result = data["data"]["result"]
    return float(result[0]["value"][1]) if result else 0.0


def results(stack: Stack, seconds: float, at: float) -> dict[str, float]:
    """Probes in the ``seconds`` before ``at``, how many succeeded, their mean duration, and the
    scrape interval's quantiles (Prometheus's own summary since its start)."""
    window = f"{int(seconds)}s"
    out = {
        "probes": _query(stack, f'sum(count_over_time(up{{job="blackbox"}}[{window}]))', at),
        "succeeded": _query(stack, f'sum(sum_over_time(probe_success{{job="blackbox"}}[{window}]))', at),
        "up_at_end": _query(stack, 'count(probe_success{job="blackbox"} == 1)', at),
        "probe_seconds_mean": _query(
            stack, f'avg(avg_over_time(probe_duration_seconds{{job="blackbox"}}[{window}]))', at),
    }
    with urllib.request.urlopen(f"{stack.web}/metrics", timeout=30) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("prometheus_target_interval_length_seconds{") and "quantile=" in line:
                name = QUANTILES.get(line.split('quantile="')[1].split('"')[0])
                if name is not None:
                    out[f"interval_{name}"] = float(line.rsplit(" ", 1)[1])
    return out
