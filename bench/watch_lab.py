"""The watch benchmark's targets: Debian's nginx, run as the benchmark's own process with its
own configuration, serving one portal-like page on an HTTP and an HTTPS port of many loopback
addresses (127.77.0.1, 127.77.0.2, ...), with a certificate for those addresses from a private
CA (trustme) that both watchers trust.

Monitor ``i`` gets its own URL: ``http://127.77.0.A:PORT/m/i`` (80 %) or ``https://…`` (every
fifth), the address chosen round-robin, so both watchers probe the same N URLs.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import trustme

ADDRESS_PREFIX = "127.77.0."
HTTPS_EVERY = 5  # one monitor in five is HTTPS: 80 % HTTP / 20 % HTTPS
LINKS = ("gioi-thieu", "tin-tuc", "van-ban", "lien-he", "dich-vu-cong", "thu-tuc-hanh-chinh", "hoi-dap",
         "lich-cong-tac", "bao-cao", "thong-bao", "tuyen-dung", "so-do-cong-thong-tin")
NEWS = ("Thông báo lịch trực Tết Nguyên đán của Sở, các phòng ban và đơn vị trực thuộc; đề nghị cán bộ "
        "thực hiện nghiêm túc quy định về an toàn thông tin trong dịp nghỉ lễ. ")


def page() -> str:
    """A small portal front page (about 5 KB, a title, news items, a dozen links)."""
    links = "\n".join(f'<li><a href="/{slug}">{slug.replace("-", " ").title()}</a></li>' for slug in LINKS)
    news = "\n".join(f"<article><h2>Tin số {i}</h2><p>{NEWS * 2}</p></article>" for i in range(1, 9))
    return (f"<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Cổng thông tin điện tử "
            f"Sở A</title></head><body><nav><ul>{links}</ul></nav><main>{news}</main></body></html>\n")


@dataclass(frozen=True)
class Lab:
    addresses: tuple[str, ...]
    http_port: int
    https_port: int
    ca_file: Path

    def url(self, i: int) -> str:
        address = self.addresses[i % len(self.addresses)]
        if i % HTTPS_EVERY == HTTPS_EVERY - 1:
            return f"https://{address}:{self.https_port}/m/{i}"
        return f"http://{address}:{self.http_port}/m/{i}"

    def urls(self, n: int) -> list[str]:
        return [self.url(i) for i in range(n)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare(work: Path, addresses: int = 40) -> Lab:
    """Write the page, the CA and certificate, and nginx's configuration under ``work/nginx``."""
    root = work / "nginx"
    work.chmod(0o755)  # nginx's workers (nobody, when started as root) read the page
    for sub in ("site", "tmp", "logs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "site" / "index.html").write_text(page(), encoding="utf-8")
    lab = Lab(tuple(f"{ADDRESS_PREFIX}{i}" for i in range(1, addresses + 1)), free_port(), free_port(),
              work / "ca.pem")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(lab.ca_file))
    leaf = ca.issue_cert(*lab.addresses)
    leaf.private_key_pem.write_to_path(str(root / "lab.key"))
    leaf.cert_chain_pems[0].write_to_path(str(root / "lab.pem"))
    listens = "\n".join(f"    listen {a}:{lab.http_port};\n    listen {a}:{lab.https_port} ssl;" for a in lab.addresses)
    temps = "\n".join(f"  {kind}_temp_path {root}/tmp/{kind};" for kind in
                      ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (root / "nginx.conf").write_text(f"""worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/logs/error.log warn;
events {{ worker_connections 16384; }}
http {{
  access_log off;
  default_type text/html;
  keepalive_timeout 5;
{temps}
  server {{
{listens}
    ssl_certificate {root}/lab.pem;
    ssl_certificate_key {root}/lab.key;
    root {root}/site;
    location / {{ try_files /index.html =404; }}
  }}
}}
""", encoding="utf-8")
    return lab


def start(work: Path, lab: Lab) -> subprocess.Popen[bytes]:
    """nginx in the foreground (``daemon off``), once every port answers."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx is not installed (Debian: apt-get install -y nginx)")
    root = work / "nginx"
    proc = subprocess.Popen([nginx, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    pending = [(a, p) for a in lab.addresses for p in (lab.http_port, lab.https_port)]
    while pending:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"nginx exited: {err[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("nginx did not listen within 20 s")
        try:
            with socket.create_connection(pending[0], timeout=1):
                pending.pop(0)
        except OSError:
            time.sleep(0.1)
    return proc


def version() -> str:
    out = subprocess.run([shutil.which("nginx") or "/usr/sbin/nginx", "-v"], capture_output=True, text=True,
                         check=False)
    return (out.stderr or out.stdout).strip().replace("nginx version: ", "")
