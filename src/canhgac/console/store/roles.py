"""The console's roles and what each may see and do: data and pure rules, no I/O.

A role decides the viewer's scope (``queries.viewers.scope_for``): the CSIRT and the province's
leaders see every agency; an agency officer sees the agencies bound to their account and
nothing else, so an officer bound to none sees nothing.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CSIRT_ADMIN = "csirt-admin"  # the CSIRT's administrators: users, roles, the security log
    CSIRT_ANALYST = "csirt-analyst"  # the CSIRT's analysts: every agency's findings
    AGENCY_OFFICER = "agency-officer"  # an agency's IT officer: their own agencies only
    LEADER = "leader"  # the province's leaders: the province summary, read-only


def sees_every_agency(role: Role) -> bool:
    return role in (Role.CSIRT_ADMIN, Role.CSIRT_ANALYST, Role.LEADER)


def needs_agencies(role: Role) -> bool:
    """An officer's account is bound to at least one agency; the others are bound to none."""
    return role is Role.AGENCY_OFFICER


def may_administer(role: Role) -> bool:
    """Manage users and roles, read the security log."""
    return role is Role.CSIRT_ADMIN


def works_for_csirt(role: Role) -> bool:
    """The CSIRT's own work: the inventory, scans."""
    return role in (Role.CSIRT_ADMIN, Role.CSIRT_ANALYST)


def may_triage(role: Role) -> bool:
    """Record triage decisions (within the role's scope); leaders only read."""
    return role in (Role.CSIRT_ADMIN, Role.CSIRT_ANALYST, Role.AGENCY_OFFICER)


def may_launch_scans(role: Role) -> bool:
    """Launch a scan of every agency, one agency or one check family: the CSIRT's work."""
    return works_for_csirt(role)


def may_retest(role: Role) -> bool:
    """Retest one finding (within the role's scope): the CSIRT, and an agency's officer on their
    own agencies' findings, to check a fix; leaders only read."""
    return role in (Role.CSIRT_ADMIN, Role.CSIRT_ANALYST, Role.AGENCY_OFFICER)


def may_acknowledge_alerts(role: Role) -> bool:
    """Acknowledge a watch alert (the CSIRT on duty): officers and leaders read the board. An
    officer may not: a grouped alert can list other agencies' monitors, whose escalation an
    acknowledgement stops."""
    return works_for_csirt(role)


def may_edit_watch(role: Role) -> bool:
    """Edit monitors, accept a new baseline, plan and end maintenance windows."""
    return role is Role.CSIRT_ADMIN
