"""Run checkdmarc on a list of domains against the lab server, under the loopback guard.

Usage: bench/out/checkdmarc-venv/bin/python -m bench.run_checkdmarc DOMAINS.txt HOST PORT OUT.json
Runs with checkdmarc's own interpreter (bench/checkdmarc_env.py), not the project's venv: only
the repository and ``src/`` are on PYTHONPATH, for ``canhgac.netguard`` (stdlib-only).
"""

from __future__ import annotations

import sys

from canhgac.netguard import install_loopback_guard


def main() -> None:
    install_loopback_guard()  # checkdmarc also fetches MTA-STS/BIMI over HTTPS: keep it local
    import checkdmarc
    from dns.nameserver import Do53Nameserver

    domains = open(sys.argv[1], encoding="utf-8").read().split()
    ns = Do53Nameserver(sys.argv[2], int(sys.argv[3]))
    results = checkdmarc.check_domains(domains, nameservers=[ns], skip_tls=True, timeout=2.0)
    if not isinstance(results, list):
        results = [results]
    with open(sys.argv[4], "w", encoding="utf-8") as fh:
        fh.write(checkdmarc.results_to_json(results))  # already a JSON document (a list)


if __name__ == "__main__":
    main()
