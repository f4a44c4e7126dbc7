"""Named TCP port sets and the port-specification parser of the exposed-services scan.

A specification is a comma- (or space-) separated list of set names, single ports and ranges:
``top-risky``, ``"22,80,8000-8100"``, ``"web,mail,3389"``, ``all``. :func:`parse_ports` returns
the ports sorted and deduplicated, or raises :class:`PortSpecError` naming the bad item.

``top-risky`` is what a provincial CSIRT scans every night: services that should rarely face
the Internet (file sharing, remote desktops, databases, caches, management planes, industrial
protocols) plus the web and mail ports that give each host its context. Every entry names the
service usually found there, so a report can say what an open port most likely is. UDP
services (DNS 53, NTP 123, SNMP 161, memcached 11211) are not scanned: the UDP probes
(:mod:`canhgac.engine.udp_probes`) ask each of them a question instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

MIN_PORT = 1
MAX_PORT = 65535

TOP_RISKY: Mapping[int, str] = MappingProxyType(
    {
        21: "ftp",
        22: "ssh",
        23: "telnet",
        25: "smtp",
        53: "dns",
        80: "http",
        102: "siemens-s7",
        110: "pop3",
        111: "rpcbind",
        135: "msrpc",
        139: "netbios-ssn",
        143: "imap",
        389: "ldap",
        443: "https",
        445: "smb",
        465: "smtps",
        502: "modbus",
        512: "rexec",
        513: "rlogin",
        514: "rsh",
        587: "submission",
        636: "ldaps",
        873: "rsync",
        993: "imaps",
        995: "pop3s",
        1080: "socks",
        1099: "java-rmi",
        1433: "mssql",
        1521: "oracle",
        1883: "mqtt",
        2049: "nfs",
        2181: "zookeeper",
        2375: "docker",
        2376: "docker-tls",
        2379: "etcd",
        3128: "http-proxy",
        3306: "mysql",
        3389: "rdp",
        4786: "cisco-smart-install",
        4848: "glassfish-admin",
        5000: "docker-registry",
        5432: "postgresql",
        5601: "kibana",
        5672: "amqp",
        5900: "vnc",
        5901: "vnc-1",
        5984: "couchdb",
        5985: "winrm",
        5986: "winrm-tls",
        6379: "redis",
        6443: "kubernetes-api",
        7001: "weblogic",
        7547: "tr-069",
        8000: "http-alt",
        8009: "ajp",
        8080: "http-proxy-alt",
        8081: "http-alt-1",
        8086: "influxdb",
        8088: "http-alt-2",
        8161: "activemq-admin",
        8291: "mikrotik-winbox",
        8443: "https-alt",
        8728: "mikrotik-api",
        8888: "http-alt-3",
        9000: "http-alt-4",
        9090: "http-admin",
        9092: "kafka",
        9200: "elasticsearch",
        9300: "elasticsearch-transport",
        9443: "https-alt-1",
        10000: "webmin",
        10250: "kubelet",
        11211: "memcached",
        15672: "rabbitmq-admin",
        20000: "dnp3",
        27017: "mongodb",
        27018: "mongodb-shard",
        44818: "ethernet-ip",
        50000: "sap",
        61616: "activemq",
    }
)

WEB: tuple[int, ...] = (80, 443, 3000, 5000, 7001, 8000, 8008, 8080, 8081, 8088, 8443, 8888, 9000, 9090, 9443)
MAIL: tuple[int, ...] = (25, 110, 143, 465, 587, 993, 995, 2525, 4190)

NAMED_SETS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        "top-risky": tuple(sorted(TOP_RISKY)),
        "web": WEB,
        "mail": MAIL,
        "all": tuple(range(MIN_PORT, MAX_PORT + 1)),
    }
)

# UDP services the UDP probes ask (not part of any TCP set)
UDP_SERVICES: Mapping[int, str] = MappingProxyType({53: "dns", 123: "ntp", 161: "snmp", 11211: "memcached"})

_SEPARATORS = re.compile(r"[,\s]+")
_RANGE = re.compile(r"^(\d{1,5})\s*-\s*(\d{1,5})$")
_SINGLE = re.compile(r"^\d{1,5}$")


class PortSpecError(ValueError):
    """A port specification that cannot be read; the message names the offending item."""


def _port(text: str, item: str) -> int:
    value = int(text)
    if not MIN_PORT <= value <= MAX_PORT:
        raise PortSpecError(f"port {value} in {item!r} is outside {MIN_PORT}-{MAX_PORT}")
    return value


def _items(text: str) -> list[str]:
    # "8000 - 8100" is one range: glue the dash to its neighbours before splitting on spaces
    glued = re.sub(r"\s*-\s*", "-", text.strip())
    return [item for item in _SEPARATORS.split(glued) if item]


def parse_ports(text: str) -> tuple[int, ...]:
    """The ports named by ``text`` (set names, ports, ``a-b`` ranges), sorted, without duplicates."""
    items = _items(text)
    if not items:
        raise PortSpecError("empty port specification (give a set name such as top-risky, or ports)")
    ports: set[int] = set()
    for item in items:
        named = NAMED_SETS.get(item.lower())
        if named is not None:
            ports.update(named)
            continue
        if _SINGLE.match(item):
            ports.add(_port(item, item))
            continue
        bounds = _RANGE.match(item)
        if bounds is None:
            known = ", ".join(NAMED_SETS)
            raise PortSpecError(f"{item!r} is neither a port, a range (a-b) nor a port set ({known})")
        low, high = _port(bounds.group(1), item), _port(bounds.group(2), item)
        if low > high:
            raise PortSpecError(f"range {item!r} runs backwards ({low} > {high})")
        ports.update(range(low, high + 1))
    return tuple(sorted(ports))


def service_name(port: int) -> str:
    """The service usually found on TCP ``port`` (empty when the port has no usual service here)."""
    return TOP_RISKY.get(port, "")
