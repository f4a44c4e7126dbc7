"""The mail part of :mod:`canhgac.lab.log_samples`: a Postfix + Dovecot ``mail.log``, as
rsyslog writes it on a Debian mail server.

Benign: mail arriving from partners (the whole Postfix flow, connect to removed), staff sending
through submission with SMTP AUTH, IMAP logins and logouts, an authorised newsletter account
sending to 60 recipients every 20 minutes, users mistyping their password twice, relay attempts
Postfix rejects; on the login server, administrators' key logins, sessions, cron and sudo.
Campaigns: SMTP AUTH brute force, IMAP brute force, POP3 password spraying over many accounts,
one account attacked from several addresses, a success after failures (IMAP and SSH), a
compromised mailbox sending a burst, SSH brute force and spraying over invalid users, and a
three-hour silence of the mail log.
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

DOMAIN = "sotttt.example.gov.vn"
PARTNERS = ("mx1.example.vn", "mail.example.com.vn", "mx.example.org")
MAIL_RATE_PER_S = 50 / 60
SILENCE_S = 3 * 3600.0
STAFF = tuple(
    f"{n}@{DOMAIN}"
    for n in (
        "an.nguyen",
        "binh.tran",
        "chi.le",
        "dung.pham",
        "giang.hoang",
        "hai.vu",
        "hoa.dang",
        "khanh.bui",
        "lan.do",
        "minh.ngo",
        "nam.duong",
        "phuong.ly",
        "quang.truong",
        "thao.dinh",
        "trang.mai",
        "tuan.ha",
        "van.lam",
        "yen.trinh",
        "vanthu",
        "ketoan",
    )
)


def _qid(rng: random.Random) -> str:
    return f"{rng.getrandbits(40):010X}"


class MailFlows:
    """Postfix and Dovecot line groups; every group is ``(offset seconds, text after the stamp)``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pid = 1000

    def _pid(self) -> int:
        self.pid = self.pid % 60000 + 1 + int(self.rng.random() * 7)
        return self.pid

    def inbound(self) -> list[tuple[float, str]]:
        rng = self.rng
        host = PARTNERS[int(rng.random() * len(PARTNERS))]
        ip = f"192.0.2.{10 + int(rng.random() * 40)}"
        pid, q = self._pid(), _qid(rng)
        rcpt = STAFF[int(rng.random() * len(STAFF))]
        smtpd = f" mail postfix/smtpd[{pid}]: "
        return [
            (0.0, f"{smtpd}connect from {host}[{ip}]"),
            (0.2, f"{smtpd}{q}: client={host}[{ip}]"),
            (0.3, f" mail postfix/cleanup[{pid + 1}]: {q}: message-id=<{rng.getrandbits(48):x}@{host}>"),
            (
                0.4,
                f" mail postfix/qmgr[812]: {q}: from=<thongbao@{host}>, size={3000 + int(rng.random() * 90000)}, nrcpt=1 (queue active)",
            ),
            (
                0.6,
                f" mail postfix/lmtp[{pid + 2}]: {q}: to=<{rcpt}>, relay=mail.{DOMAIN}[private/dovecot-lmtp], delay=0.31, delays=0.2/0/0.05/0.06, dsn=2.0.0, status=sent (250 2.0.0 <{rcpt}> Saved)",
            ),
            (0.7, f" mail postfix/qmgr[812]: {q}: removed"),
            (
                0.8,
                f"{smtpd}disconnect from {host}[{ip}] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7",
            ),
        ]

    def submission(self, user: str, ip: str, nrcpt: int) -> list[tuple[float, str]]:
        rng = self.rng
        pid, q = self._pid(), _qid(rng)
        smtpd = f" mail postfix/submission/smtpd[{pid}]: "
        lines = [
            (0.0, f"{smtpd}connect from unknown[{ip}]"),
            (0.3, f"{smtpd}{q}: client=unknown[{ip}], sasl_method=PLAIN, sasl_username={user}"),
            (0.4, f" mail postfix/cleanup[{pid + 1}]: {q}: message-id=<{rng.getrandbits(48):x}@{DOMAIN}>"),
            (
                0.5,
                f" mail postfix/qmgr[812]: {q}: from=<{user}>, size={2000 + int(rng.random() * 40000)}, nrcpt={nrcpt} (queue active)",
            ),
        ]
        for i in range(nrcpt):
            lines.append(
                (
                    0.7 + i * 0.01,
                    f" mail postfix/smtp[{pid + 2}]: {q}: to=<nguoinhan{i}@example.vn>, relay=mx1.example.vn[192.0.2.20]:25, delay=0.9, delays=0.1/0/0.3/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued)",
                )
            )
        lines.append((0.9 + nrcpt * 0.01, f" mail postfix/qmgr[812]: {q}: removed"))
        lines.append(
            (
                1.0 + nrcpt * 0.01,
                f"{smtpd}disconnect from unknown[{ip}] ehlo=1 auth=1 mail=1 rcpt={nrcpt} data=1 quit=1 commands={4 + nrcpt}",
            )
        )
        return lines

    def imap_login(self, user: str, ip: str) -> list[tuple[float, str]]:
        s = f"{self.rng.getrandbits(64):016x}"
        mpid = self._pid()
        return [
            (
                0.0,
                f" mail dovecot: imap-login: Login: user=<{user}>, method=PLAIN, rip={ip}, lip=10.0.0.25, mpid={mpid}, TLS, session=<{s}>",
            ),
            (
                30.0,
                f" mail dovecot: imap({user})<{mpid}><{s}>: Logged out in=312 out=18244 deleted=0 expunged=0 trashed=0 hdr_count=2 hdr_bytes=812 body_count=1 body_bytes=16002",
            ),
        ]

    def login_failure(self, proto: str, user: str, ip: str) -> str:
        s = f"{self.rng.getrandbits(64):016x}"
        return (
            f" mail dovecot: {proto}-login: Disconnected: Connection closed (auth failed, 1 attempts in 2 secs): "
            f"user=<{user}>, method=PLAIN, rip={ip}, lip=10.0.0.25, TLS, session=<{s}>"
        )

    def smtp_auth_failure(self, ip: str) -> list[tuple[float, str]]:
        pid = self._pid()
        smtpd = f" mail postfix/smtpd[{pid}]: "
        return [
            (0.0, f"{smtpd}connect from unknown[{ip}]"),
            (1.5, f"{smtpd}warning: unknown[{ip}]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"),
            (1.6, f"{smtpd}lost connection after AUTH from unknown[{ip}]"),
            (1.7, f"{smtpd}disconnect from unknown[{ip}] ehlo=1 auth=0/1 commands=1/2"),
        ]

    def relay_reject(self) -> list[tuple[float, str]]:
        ip = f"192.0.2.{200 + int(self.rng.random() * 50)}"
        return [
            (
                0.0,
                f" mail postfix/smtpd[{self._pid()}]: NOQUEUE: reject: RCPT from unknown[{ip}]: 554 5.7.1 "
                f"<spam@example.net>: Relay access denied; from=<a@example.net> to=<spam@example.net> proto=ESMTP helo=<x>",
            )
        ]


def add_group(c: Campaigns, at: float, group: list[tuple[float, str]]) -> float:
    for offset, text in group:
        c.add(at + offset, "", text)
    return at + group[-1][0]


def _benign_mail(
    rng: random.Random, flows: MailFlows, n: int, t0: float, duration: float, gap_at: float
) -> Iterator[Event]:
    clients = [benign_client(rng) for _ in range(len(STAFF))]
    made, seq, t = 0, 0, t0
    step = 9.0 * duration / max(1, n)  # a group is about nine lines
    while made < n:
        r = rng.random()
        if r < 0.45:
            group = flows.inbound()
        elif r < 0.6:
            i = int(rng.random() * len(STAFF))
            group = flows.submission(STAFF[i], clients[i], 1 + int(rng.random() * 3))
        elif r < 0.95:
            i = int(rng.random() * len(STAFF))
            group = flows.imap_login(STAFF[i], clients[i])
        else:
            group = flows.relay_reject()
        real = t + (SILENCE_S if t >= gap_at else 0.0)
        for offset, text in group[: n - made]:
            seq += 1
            yield real + offset, -seq, "", text
        made += len(group)
        t += step * len(group) / 9.0 * (0.5 + rng.random())


def _mail_round(flows: MailFlows, c: Campaigns, at: float, addresses: Addresses, k: int) -> None:
    rng = flows.rng
    a = addresses.next()
    for i in range(20):
        add_group(c, at + i * 12, flows.smtp_auth_failure(a))
    c.attacks.append(
        Planted(
            "logs.auth.brute-force",
            {"client": a, "service": "postfix/smtpd"},
            "mail",
            at + 1.5,
            at + 19 * 12 + 1.5,
            20,
            note="SMTP AUTH",
        )
    )
    # attacked accounts are role or former staff mailboxes with no traffic of their own, so that a
    # legitimate login to the same account never completes another rule (success after failures)
    a, victim = addresses.next(), f"tiepnhan{k}@{DOMAIN}"
    for i in range(15):
        c.add(at + 600 + i * 14, "", flows.login_failure("imap", victim, a))
    c.attacks.append(
        Planted(
            "logs.auth.brute-force",
            {"client": a, "service": "dovecot/imap"},
            "mail",
            at + 600,
            at + 600 + 14 * 14,
            15,
            note="IMAP",
        )
    )
    a = addresses.next()
    for i in range(8):
        c.add(at + 1200 + i * 20, "", flows.login_failure("pop3", f"user{k}x{i}@{DOMAIN}", a))
    c.attacks.append(
        Planted(
            "logs.auth.spraying",
            {"client": a},
            "mail",
            at + 1200,
            at + 1200 + 7 * 20,
            8,
            note="POP3, eight accounts",
        )
    )
    target = f"quantri{k}@{DOMAIN}"
    sources = [addresses.next() for _ in range(6)]
    for i in range(12):
        c.add(at + 1800 + i * 25, "", flows.login_failure("imap", target, sources[i % 6]))
    c.attacks.append(
        Planted(
            "logs.auth.account-attack",
            {"account": target},
            "mail",
            at + 1800,
            at + 1800 + 11 * 25,
            12,
            note="six addresses",
        )
    )
    a, guessed = addresses.next(), f"thuky{k}@{DOMAIN}"
    for i in range(6):
        c.add(at + 2400 + i * 15, "", flows.login_failure("imap", guessed, a))
    add_group(c, at + 2400 + 6 * 15, flows.imap_login(guessed, a))
    c.attacks.append(
        Planted(
            "logs.auth.success-after-failures",
            {"client": a, "account": guessed},
            "mail",
            at + 2400,
            at + 2400 + 6 * 15,
            7,
            note="IMAP: six failures, then in",
        )
    )
    a, spammer = addresses.next(), f"hopthu{k}@{DOMAIN}"
    for i in range(25):
        add_group(c, at + 3000 + i * 16, flows.submission(spammer, a, 12))
    c.attacks.append(
        Planted(
            "logs.mail.outbound-burst",
            {"account": spammer},
            "mail",
            at + 3000.5,
            at + 3000.5 + 24 * 16,
            25,
            weight=300,
            note="25 messages, 12 recipients each",
        )
    )
    # look-alike: a user mistypes the IMAP password twice, then logs in
    user, ip = STAFF[(k + 5) % len(STAFF)], benign_client(rng)
    c.add(at + 3600, "", flows.login_failure("imap", user, ip))
    c.add(at + 3620, "", flows.login_failure("imap", user, ip))
    add_group(c, at + 3640, flows.imap_login(user, ip))
    c.benign.append(
        Planted(
            "logs.auth.success-after-failures",
            {"client": ip, "account": user},
            "mail",
            at + 3600,
            at + 3640,
            3,
            note="a user mistyped the IMAP password twice",
        )
    )


def mail_log(
    rng: random.Random, n: int, t0: float, share: float, addresses: Addresses, source: str
) -> tuple[Iterator[Event], Campaigns]:
    flows = MailFlows(rng)
    c = Campaigns()
    duration = max(n / MAIL_RATE_PER_S, 3 * LEARN_S)
    per_round = 80 + 15 + 8 + 12 + 8 + 25 * 17 + 4
    rounds = rounds_for(int(n * share), per_round, duration, 3700)
    spacing = (duration - LEARN_S) / rounds
    starts = [t0 + LEARN_S + k * spacing + 60 for k in range(rounds)]
    gap_at = starts[rounds // 2] - 600  # the mail log stops for three hours before the middle round
    for k, at in enumerate(starts):
        _mail_round(flows, c, at + (SILENCE_S if at >= gap_at else 0.0), addresses, k)
    c.attacks.append(
        Planted(
            "logs.source.silent",
            {"source": source},
            "mail",
            gap_at,
            gap_at + SILENCE_S,
            0,
            note="no line for three hours",
        )
    )
    letters = max(1, int(duration // 1200))  # the authorised newsletter: 60 recipients every 20 minutes
    for i in range(letters):
        at = t0 + 300 + i * 1200
        add_group(
            c,
            at + (SILENCE_S if at >= gap_at else 0.0),
            flows.submission(f"bantin@{DOMAIN}", "10.0.0.30", 60),
        )
    c.benign.append(
        Planted(
            "logs.mail.outbound-burst",
            {"account": f"bantin@{DOMAIN}"},
            "mail",
            t0 + 300,
            t0 + 300 + (letters - 1) * 1200,
            letters,
            weight=60 * letters,
            note="authorised newsletter, 60 recipients every 20 minutes",
        )
    )
    benign_n = max(0, n - len(c.events))
    return ordered(_benign_mail(rng, flows, benign_n, t0, duration, gap_at), 700.0), c
