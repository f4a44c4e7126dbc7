"""The login part of :mod:`canhgac.lab.log_samples`: an sshd and PAM ``auth.log`` with
rsyslog's high-precision stamps.

Benign: administrators' key logins and their sessions, cron and sudo, an administrator who
mistypes the password twice. Campaigns: SSH brute force on root, spraying over invalid users, and
a success after failures (a guessed password).
"""

# ruff: noqa: E501  (log lines are quoted whole, as the servers write them)

from __future__ import annotations

import random
from collections.abc import Iterator

from canhgac.lab.log_samples_base import (
    LEARN_S,
    Addresses,
    Campaigns,
    Event,
    Planted,
    benign_client,
    ordered,
    rounds_for,
)
from canhgac.lab.log_samples_mail import add_group

AUTH_RATE_PER_S = 5 / 60


def _ssh_fail(pid: int, user: str, ip: str, port: int, invalid: bool) -> list[tuple[float, str]]:
    s = f" srv sshd[{pid}]: "
    if invalid:
        return [
            (0.0, f"{s}Invalid user {user} from {ip} port {port}"),
            (0.4, f"{s}pam_unix(sshd:auth): check pass; user unknown"),
            (
                0.5,
                f"{s}pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}",
            ),
            (2.1, f"{s}Failed password for invalid user {user} from {ip} port {port} ssh2"),
            (2.5, f"{s}Connection closed by invalid user {user} {ip} port {port} [preauth]"),
        ]
    return [
        (
            0.0,
            f"{s}pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  user={user}",
        ),
        (2.0, f"{s}Failed password for {user} from {ip} port {port} ssh2"),
        (2.4, f"{s}Connection closed by authenticating user {user} {ip} port {port} [preauth]"),
    ]


def _ssh_accept(pid: int, user: str, ip: str, port: int, method: str) -> list[tuple[float, str]]:
    s = f" srv sshd[{pid}]: "
    return [
        (
            0.0,
            f"{s}Accepted {method} for {user} from {ip} port {port} ssh2"
            + (
                ": ED25519 SHA256:q5Gm3kVHbfJwz1r0bYd2pXo8uLwAf7cT4sNe9iK6hQc"
                if method == "publickey"
                else ""
            ),
        ),
        (0.1, f"{s}pam_unix(sshd:session): session opened for user {user}(uid=1000) by {user}(uid=0)"),
        (0.2, f" srv systemd-logind[611]: New session {pid % 900 + 1} of user {user}."),
        (600.0, f"{s}Received disconnect from {ip} port {port}:11: disconnected by user"),
        (600.1, f"{s}Disconnected from user {user} {ip} port {port}"),
        (600.2, f"{s}pam_unix(sshd:session): session closed for user {user}"),
    ]


def _benign_auth(rng: random.Random, n: int, t0: float, duration: float) -> Iterator[Event]:
    made, seq, t, pid = 0, 0, t0, 2000
    step = 4.0 * duration / max(1, n)
    while made < n:
        r = rng.random()
        pid += 1 + int(rng.random() * 40)
        if r < 0.3:
            group = _ssh_accept(
                pid, "quantri", f"10.0.0.{5 + int(rng.random() * 4)}", 40000 + pid % 20000, "publickey"
            )
        elif r < 0.8:
            group = [
                (
                    0.0,
                    f" srv CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by root(uid=0)",
                ),
                (0.3, f" srv CRON[{pid}]: pam_unix(cron:session): session closed for user root"),
            ]
        else:
            group = [
                (
                    0.0,
                    f" srv sudo[{pid}]:  quantri : TTY=pts/0 ; PWD=/home/quantri ; USER=root ; COMMAND=/usr/bin/systemctl status nginx",
                ),
                (
                    0.1,
                    f" srv sudo[{pid}]: pam_unix(sudo:session): session opened for user root(uid=0) by quantri(uid=1000)",
                ),
                (0.3, f" srv sudo[{pid}]: pam_unix(sudo:session): session closed for user root"),
            ]
        for offset, text in group[: n - made]:
            seq += 1
            yield t + offset, -seq, "", text
        made += len(group)
        t += step * (0.5 + rng.random())


def auth_log(
    rng: random.Random, n: int, t0: float, share: float, addresses: Addresses, source: str
) -> tuple[Iterator[Event], Campaigns]:
    c = Campaigns()
    duration = max(n / AUTH_RATE_PER_S, 3 * LEARN_S)
    per_round = 20 * 3 + 8 * 5 + 6 * 3 + 6
    rounds = rounds_for(int(n * share), per_round, duration, 1900)
    spacing = (duration - LEARN_S) / rounds
    pid = 50000
    for k in range(rounds):
        at = t0 + LEARN_S + k * spacing + 60
        a = addresses.next()
        for i in range(20):
            pid += 1
            add_group(c, at + i * 11, _ssh_fail(pid, "root", a, 30000 + i, invalid=False))
        c.attacks.append(
            Planted(
                "logs.auth.brute-force",
                {"client": a, "service": "sshd"},
                "auth",
                at + 2.0,
                at + 19 * 11 + 2.0,
                20,
                note="SSH, root",
            )
        )
        a = addresses.next()
        for i, user in enumerate(
            ("admin", "test", "oracle", "ubuntu", "guest", "ftpuser", "postgres", "git")
        ):
            pid += 1
            add_group(c, at + 600 + i * 15, _ssh_fail(pid, user, a, 40000 + i, invalid=True))
        c.attacks.append(
            Planted(
                "logs.auth.spraying",
                {"client": a},
                "auth",
                at + 602.1,
                at + 600 + 7 * 15 + 2.1,
                8,
                note="SSH, eight invalid users",
            )
        )
        a = addresses.next()
        for i in range(6):
            pid += 1
            add_group(c, at + 1200 + i * 12, _ssh_fail(pid, "ketoan", a, 50000 + i, invalid=False))
        pid += 1
        add_group(c, at + 1200 + 6 * 12, _ssh_accept(pid, "ketoan", a, 50010, "password"))
        c.attacks.append(
            Planted(
                "logs.auth.success-after-failures",
                {"client": a, "account": "ketoan"},
                "auth",
                at + 1202.0,
                at + 1200 + 6 * 12,
                7,
                note="SSH: six failures, then in",
            )
        )
        ip = benign_client(rng)
        for i in range(2):
            pid += 1
            add_group(c, at + 1500 + i * 10, _ssh_fail(pid, "quantri", ip, 60000 + i, invalid=False))
        pid += 1
        add_group(c, at + 1520, _ssh_accept(pid, "quantri", ip, 60005, "password"))
        c.benign.append(
            Planted(
                "logs.auth.success-after-failures",
                {"client": ip, "account": "quantri"},
                "auth",
                at + 1502.0,
                at + 1520,
                3,
                note="an administrator mistyped the password twice",
            )
        )
    benign_n = max(0, n - len(c.events))
    return ordered(_benign_auth(rng, benign_n, t0, duration), 700.0), c
