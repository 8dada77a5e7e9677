"""Who may use and manage which certificate (pure rules)."""

from __future__ import annotations

from orgs.models import Organization, Role, User
from orgs.selectors import has_role, is_admin
from signing.models import Certificate, SignatureRole


def may_use(user: User, certificate: Certificate, role: str) -> bool:
    """A person signs with their own certificate; the organisation's key is held by its clerks (văn thư,
    NĐ 30 §32.2.c–d), who seal and stamp with it."""
    if role == SignatureRole.PERSON:
        return certificate.person_id is not None and certificate.person_id == user.pk
    return certificate.organization_id is not None and has_role(user, Role.CLERK, certificate.organization_id)


def may_manage(user: User, owner: User | Organization) -> bool:
    """People import their own certificates; administrators import anyone's and the organisations'."""
    if is_admin(user):
        return True
    return isinstance(owner, User) and owner.pk == user.pk
