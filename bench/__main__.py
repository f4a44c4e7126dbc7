"""Entry point: ``python -m bench mail-domains [--domains 500]`` or ``mail-servers [--hosts 200]``."""

from __future__ import annotations

import sys

from bench import mail_domains, mail_servers

COMMANDS = {"mail-domains": mail_domains.main, "mail-servers": mail_servers.main}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bench {{{'|'.join(COMMANDS)}}} [options]")
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
