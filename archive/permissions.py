"""Who may do what with the file plan, dossiers and archive records (pure rules; services apply them).

NĐ 30 §28–31: the clerk (văn thư) of the organisation keeps the file plan, opens and closes dossiers,
hands them over to the archive and imports a legacy archive; leaders (office and committee leaders) see
everything of their organisation. Reopening a closed dossier is for the office leader (Chánh Văn phòng).
Everything also needs clearance for the dossier's or record's secrecy.
"""

from __future__ import annotations

from incoming.permissions import OVERSEER_ROLES, cleared_for, is_clerk_of, orgs_with_roles
from orgs.models import Role, User


def active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def may_manage(user: User, organization_id: int) -> bool:
    """Keep the plan, open/close dossiers, add documents, hand over, import: the organisation's clerks."""
    return active(user) and is_clerk_of(user, organization_id)


def may_see(user: User, organization_id: int, secrecy: str = "none") -> bool:
    return (
        active(user)
        and organization_id in orgs_with_roles(user, OVERSEER_ROLES)
        and cleared_for(user, secrecy)
    )


def may_reopen(user: User, organization_id: int) -> bool:
    return active(user) and organization_id in orgs_with_roles(user, {Role.OFFICE_LEADER})


def managed_orgs(user: User) -> set[int]:
    return orgs_with_roles(user, {Role.CLERK}) if active(user) else set()


def overseen_orgs(user: User) -> set[int]:
    return orgs_with_roles(user, OVERSEER_ROLES) if active(user) else set()
