"""Entry point: ``python -m bench mail-domains|mail-servers|web-portals|ports|inventory|console|watch|forms|form05|compliance|pwned|pwaudit|sweep|breach|logs|scale [options]``."""

from __future__ import annotations

import sys

from bench import (
    breach,
    compliance,
    console,
    form05,
    forms,
    inventory,
    logs,
    mail_domains,
    mail_servers,
    ports,
    pwaudit,
    pwned,
    scale,
    sweep,
    watch,
    web_portals,
)

COMMANDS = {
    "mail-domains": mail_domains.main,
    "mail-servers": mail_servers.main,
    "web-portals": web_portals.main,
    "ports": ports.main,
    "inventory": inventory.main,
    "console": console.main,
    "watch": watch.main,
    "forms": forms.main,
    "form05": form05.main,
    "compliance": compliance.main,
    "pwned": pwned.main,
    "pwaudit": pwaudit.main,
    "sweep": sweep.main,
    "scale": scale.main,
    "breach": breach.main,
    "logs": logs.main,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bench {{{'|'.join(COMMANDS)}}} [options]")
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
