"""The plan of the demo province's exposed services: which host plants what, on which ports.

The provider VNPTKG declares 127.60.0.0/27, where it hosts agencies' systems; three agencies
declare a /30 of their own (:func:`declared_ranges`). Every host of :data:`HOSTS` runs exactly
the services of its :class:`Plant` on the ports :data:`PORTS` names, so a scan of the ranges must
report exactly :data:`EXPECTED` (:data:`PLANT_FINDINGS` per host). The servers themselves are
started by :mod:`canhgac.lab.services_lab`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Plant(StrEnum):
    """What one host leaves open (the findings each causes are in :data:`PLANT_FINDINGS`)."""

    NOTHING = "nothing"  # the control: HTTPS 443 only
    REDIS = "redis-no-password"
    SMB = "smb1-unsigned"  # 445: NT LM 0.12 accepted, signing not required, no null session
    FTP = "ftp-anonymous"
    TELNET = "telnet"
    RDP = "rdp-without-nla"  # 3389: standard RDP security and TLS, no CredSSP
    MYSQL = "mysql-root-empty-password"
    POSTGRES = "postgres-trust"
    MONGODB = "mongodb-no-auth"
    ELASTICSEARCH = "elasticsearch-no-auth"
    DOCKER = "docker-api-2375"
    VNC = "vnc-no-auth"
    SNMP = "snmp-public"  # UDP 161, plus HTTPS 443
    OPEN_RESOLVER = "dns-open-resolver"  # UDP and TCP 53
    MEMCACHED = "memcached"  # TCP and UDP 11211
    SSH_OLD = "openssh-7.4"  # a real key exchange, offering password authentication
    OLD_APACHE = "apache-2.4.49-8080"  # an admin page on 8080 with Server: Apache/2.4.49
    SMB_SHARES = "smb-null-session-shares"  # 445: impacket's SMB server, shares listed to anyone
    MSSQL = "mssql-sa-empty-password"  # 1433: SQL Server 2019, sa without a password, no TLS
    REDIS_AUTH = "redis-requirepass"  # 6379: a password set, so every command gets -NOAUTH


# Findings a scan of each host must report, and no others. Assumptions for the checks' authors:
# Redis and MongoDB count as databases exposed; memcached and Elasticsearch do not; a database
# that refuses the probe for want of credentials (Redis -NOAUTH) is reachable-authenticated
# instead of exposed, and passes its no-auth check; an empty
# password is tried only on MySQL root, PostgreSQL postgres and MSSQL sa; OpenSSH 7.4 is older
# than the configured minimum and the bundled data has no OpenSSH, Redis, MySQL, PostgreSQL,
# MongoDB, Elasticsearch, Docker, vsftpd, memcached or SQL Server advisories; Apache 2.4.49 matches
# CVE-2021-41773; HTTPS on 443 and the SSH banner alone raise nothing else. impacket's SMB server
# (found by scanning it) accepts SMB1 "NT LM 0.12" and never requires signing (SMB1 security mode
# 0x03, SMB2 0x01), and lists IPC$ and CONGVAN to a null session.
PLANT_FINDINGS: dict[Plant, tuple[str, ...]] = {
    Plant.NOTHING: (),
    Plant.REDIS: ("net.redis.noauth", "net.database.exposed"),
    Plant.SMB: ("net.smb.exposed", "net.smb.v1", "net.smb.signing"),
    Plant.FTP: ("net.ftp.anonymous",),
    Plant.TELNET: ("net.telnet.exposed",),
    Plant.RDP: ("net.rdp.exposed", "net.rdp.nla"),
    Plant.MYSQL: ("net.database.exposed", "net.database.empty-password"),
    Plant.POSTGRES: ("net.database.exposed", "net.database.empty-password"),
    Plant.MONGODB: ("net.mongodb.noauth", "net.database.exposed"),
    Plant.ELASTICSEARCH: ("net.elasticsearch.noauth",),
    Plant.DOCKER: ("net.docker.noauth",),
    Plant.VNC: ("net.vnc.noauth",),
    Plant.SNMP: ("net.snmp.public",),
    Plant.OPEN_RESOLVER: ("net.dns.open-resolver",),
    Plant.MEMCACHED: ("net.memcached.exposed",),
    Plant.SSH_OLD: ("net.ssh.outdated", "net.ssh.password-auth"),
    Plant.OLD_APACHE: ("net.service.vulnerable",),
    Plant.SMB_SHARES: ("net.smb.exposed", "net.smb.v1", "net.smb.signing", "net.smb.anonymous-shares"),
    Plant.MSSQL: ("net.database.exposed", "net.database.empty-password"),
    Plant.REDIS_AUTH: ("net.database.reachable-authenticated",),
}
# The (protocol, standard port) pairs each case listens on.
PORTS: dict[Plant, tuple[tuple[str, int], ...]] = {
    Plant.NOTHING: (("tcp", 443),),
    Plant.REDIS: (("tcp", 6379),),
    Plant.SMB: (("tcp", 445),),
    Plant.FTP: (("tcp", 21),),
    Plant.TELNET: (("tcp", 23),),
    Plant.RDP: (("tcp", 3389),),
    Plant.MYSQL: (("tcp", 3306),),
    Plant.POSTGRES: (("tcp", 5432),),
    Plant.MONGODB: (("tcp", 27017),),
    Plant.ELASTICSEARCH: (("tcp", 9200),),
    Plant.DOCKER: (("tcp", 2375),),
    Plant.VNC: (("tcp", 5900),),
    Plant.SNMP: (("udp", 161), ("tcp", 443)),
    Plant.OPEN_RESOLVER: (("tcp", 53), ("udp", 53)),
    Plant.MEMCACHED: (("tcp", 11211), ("udp", 11211)),
    Plant.SSH_OLD: (("tcp", 22),),
    Plant.OLD_APACHE: (("tcp", 8080),),
    Plant.SMB_SHARES: (("tcp", 445),),
    Plant.MSSQL: (("tcp", 1433),),
    Plant.REDIS_AUTH: (("tcp", 6379),),
}


@dataclass(frozen=True)
class ServiceHostPlan:
    address: str
    agency: str  # the code of the agency whose declared range holds the address
    plant: Plant
    role: str  # what the host is, as an operator would name it


PROVIDER_RANGE = "127.60.0.0/27"
HOSTS: tuple[ServiceHostPlan, ...] = (
    ServiceHostPlan("127.60.0.1", "VNPTKG", Plant.REDIS, "bộ đệm phiên cổng dịch vụ công"),
    ServiceHostPlan("127.60.0.2", "VNPTKG", Plant.SMB, "máy chủ chia sẻ tệp một cửa"),
    ServiceHostPlan("127.60.0.3", "VNPTKG", Plant.FTP, "máy chủ sao lưu"),
    ServiceHostPlan("127.60.0.4", "VNPTKG", Plant.TELNET, "bộ định tuyến biên"),
    ServiceHostPlan("127.60.0.5", "VNPTKG", Plant.RDP, "máy chủ Windows quản trị"),
    ServiceHostPlan("127.60.0.6", "VNPTKG", Plant.MYSQL, "CSDL cổng thông tin"),
    ServiceHostPlan("127.60.0.7", "VNPTKG", Plant.POSTGRES, "CSDL hệ thống quản lý văn bản"),
    ServiceHostPlan("127.60.0.8", "VNPTKG", Plant.MONGODB, "CSDL hồ sơ một cửa"),
    ServiceHostPlan("127.60.0.9", "VNPTKG", Plant.ELASTICSEARCH, "máy chủ nhật ký"),
    ServiceHostPlan("127.60.0.10", "VNPTKG", Plant.DOCKER, "máy chủ ứng dụng container"),
    ServiceHostPlan("127.60.0.11", "VNPTKG", Plant.VNC, "đầu ghi camera"),
    ServiceHostPlan("127.60.0.12", "VNPTKG", Plant.SNMP, "bộ chuyển mạch lõi"),
    ServiceHostPlan("127.60.0.13", "VNPTKG", Plant.OPEN_RESOLVER, "máy chủ DNS nội bộ"),
    ServiceHostPlan("127.60.0.14", "VNPTKG", Plant.MEMCACHED, "bộ đệm cổng thông tin"),
    ServiceHostPlan("127.60.0.15", "VNPTKG", Plant.SMB_SHARES, "máy chủ lưu trữ công văn"),
    ServiceHostPlan("127.60.0.16", "VNPTKG", Plant.MSSQL, "CSDL phần mềm quản lý bệnh viện"),
    ServiceHostPlan("127.60.0.17", "VNPTKG", Plant.REDIS_AUTH, "bộ đệm hàng đợi hồ sơ một cửa"),
    ServiceHostPlan("127.61.2.1", "STTTT", Plant.NOTHING, "cổng kết nối liên thông"),  # the control
    ServiceHostPlan("127.61.3.1", "SYT", Plant.SSH_OLD, "máy chủ quản lý khám chữa bệnh"),
    ServiceHostPlan("127.61.6.1", "STC", Plant.OLD_APACHE, "trang quản trị phần mềm kế toán"),
)
EXPECTED: tuple[tuple[str, str], ...] = tuple(
    (check, plan.address) for plan in HOSTS for check in PLANT_FINDINGS[plan.plant]
)


def declared_ranges() -> dict[str, tuple[str, ...]]:
    """Agency code -> the address ranges it must declare in the inventory."""
    ranges: dict[str, tuple[str, ...]] = {"VNPTKG": (PROVIDER_RANGE,)}
    for plan in HOSTS:
        if plan.agency != "VNPTKG":
            ranges[plan.agency] = (plan.address.rsplit(".", 1)[0] + ".0/30",)
    return ranges
