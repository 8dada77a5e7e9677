"""Who may sign in which capacity (thẩm quyền ký) — NĐ 30/2020 §13 and HD 36-HD/VPTW §1.7.

The capacity chosen on a draft (``OutgoingDocument.signer_capacity``) is checked against the signer's
position, roles and delegations *in force on a date*: at the signing step (the day the signer approves)
and again on the day the clerk issues, because a delegation may have ended in between (then the
issuance is refused and nothing is numbered).

Rules, as implemented (see the shared domain notes, regulations.md §2.5 and §3.7):

- **OWN** (ký trực tiếp, no prefix): the head of the issuing organisation signs. The head is the
  person holding the top position — the lowest ``Position.rank`` — among the organisation's leaders who
  hold the role themselves (not through a delegation): for a Party committee (tỉnh ủy, huyện ủy, đảng ủy
  xã) its committee leaders (role ``committee_leader``: Bí thư before Phó Bí thư); for an advisory or
  State body any leader (``committee_leader`` or ``office_leader``: Trưởng ban, Chủ tịch, Chánh Văn
  phòng…). A leader without a position cannot be recognised as the head. Ties on the top rank all count.
- **ON_BEHALF** (T/M, TM.): only bodies working under the collective regime (NĐ 30 §13; HD 36
  §1.7 lists congress organs, cấp ủy, đảng đoàn, councils…): every Party committee, and any other
  organisation whose "tập thể lãnh đạo (ký T/M)" (``Organization.collective_name``) is filled in — an
  installation cannot tell a People's Committee (collective) from a Sở (not) by its kind, so the
  administrator declares it. The signer holds ``committee_leader`` of the organisation on that date
  (Bí thư / Phó Bí thư; chair / deputy chair), roles exercised through a delegation in force included
  (``orgs.selectors.effective_roles``).
- **DEPUTY** (K/T, KT.): a deputy signs for the head (NĐ 30 §13, HD 36 for advisory bodies): the
  signer holds a leader role (``committee_leader`` or ``office_leader``) in their own right — a
  delegate of the head signs T/UQ, not K/T — and is not the head. HD 36 has Party committees sign
  T/M rather than K/T; we do not refuse K/T there because the sources ([C] notes on steering
  committees) narrow the rule in ways we cannot verify.
- **BY_ORDER** (T/L, TL.): the office leader (Chánh / Phó Chánh Văn phòng: ``office_leader``) or a
  unit head (``unit_head``) of the organisation signs by order of the head or the collective
  (NĐ 30 §13; HD 36 "T/L BAN THƯỜNG VỤ / CHÁNH VĂN PHÒNG"). NĐ 30 lets the head's order extend to
  a unit's deputy through the work rules; that written rule is not modelled, so deputies need a
  delegation of the unit-head role.
- **ACTING** (Q.): an ACTING delegation (quyết định giao quyền) in force on that date, granted by a
  person of the organisation.
- **DELEGATED** (T/UQ, TUQ.): a DELEGATION in force on that date granted by the organisation's head,
  who must hold that position themselves: authority received by delegation or acting cannot be
  delegated again (NĐ 30 §13: "không được ủy quyền lại"). Whether HD 36 allows T/UQ on Party
  documents at all is not confirmed by the sources [?]; we allow it under the same conditions.

Delegation dates are inclusive (``Delegation.in_force``) and a revoked delegation never counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import QuerySet

from core.errors import InvalidInput
from orgs.models import Delegation, DelegationKind, Organization, OrganizationKind, Role, RoleAssignment, User
from orgs.selectors import effective_roles, working_lineage_ids
from outgoing.models import OutgoingDocument
from outgoing.states import SignerCapacity

PARTY_COMMITTEES = frozenset(
    {
        OrganizationKind.PROVINCIAL_COMMITTEE,
        OrganizationKind.DISTRICT_COMMITTEE,
        OrganizationKind.COMMUNE_COMMITTEE,
    }
)
LEADER_ROLES = frozenset({Role.COMMITTEE_LEADER, Role.OFFICE_LEADER})
BY_ORDER_ROLES = frozenset({Role.OFFICE_LEADER, Role.UNIT_HEAD})


def is_party_committee(organization: Organization) -> bool:
    return organization.kind in PARTY_COMMITTEES


def is_collective_body(organization: Organization) -> bool:
    """Works under the collective regime (signs T/M, TM.): Party committees, or declared so."""
    return is_party_committee(organization) or bool(organization.collective_name.strip())


def head_roles(organization: Organization) -> frozenset[str]:
    """Roles among whose holders the head is the top-ranked one."""
    return frozenset({Role.COMMITTEE_LEADER}) if is_party_committee(organization) else LEADER_ROLES


def head_ids(organization: Organization) -> set[int]:
    """The head(s): holders (in their own right) of a head role with the lowest position rank."""
    ranked = (
        RoleAssignment.objects.filter(
            role__in=head_roles(organization),
            organization_id__in=working_lineage_ids(organization.pk),
            user__is_active=True,
            user__position__isnull=False,
        )
        .values_list("user_id", "user__position__rank")
        .distinct()
    )
    rows = list(ranked)
    if not rows:
        return set()
    top = min(rank for _, rank in rows)
    return {user_id for user_id, rank in rows if rank == top}


def is_head(user: User, organization: Organization) -> bool:
    return user.pk in head_ids(organization)


def roles_on(user: User, organization: Organization, on: date) -> set[str]:
    """The user's roles in the organisation (and its lineage) on ``on``, delegated ones included."""
    ids = working_lineage_ids(organization.pk)
    return {role for role, org_id in effective_roles(user, on) if org_id in ids}


def own_roles(user: User, organization: Organization) -> set[str]:
    """The roles the user holds in the organisation (and its lineage) in their own right."""
    return set(
        RoleAssignment.objects.filter(
            user=user, organization_id__in=working_lineage_ids(organization.pk)
        ).values_list("role", flat=True)
    )


def delegations_in_force(grantee: User, kind: str, on: date) -> QuerySet[Delegation]:
    return Delegation.objects.filter(
        grantee=grantee, kind=kind, revoked=False, start_date__lte=on, end_date__gte=on
    ).select_related("grantor")


def holds_by_delegation(user: User, on: date) -> bool:
    """The user exercises someone's authority on ``on`` (any delegation or acting in force)."""
    in_force = Delegation.objects.filter(grantee=user, revoked=False, start_date__lte=on, end_date__gte=on)
    return in_force.exists()


def _day(on: date) -> str:
    return f"{on:%d/%m/%Y}"


# Each rule answers None (allowed) or the Vietnamese reason for the refusal.
Rule = Callable[[Organization, User, date], str | None]


def own_refusal(organization: Organization, signer: User, on: date) -> str | None:
    if is_head(signer, organization):
        return None
    if signer.position_id is None:
        return (
            f"{signer} chưa được gán chức vụ nên không xác định được là người đứng đầu {organization.name}."
        )
    return f"{signer} không phải người đứng đầu {organization.name} nên không ký trực tiếp được."


def on_behalf_refusal(organization: Organization, signer: User, on: date) -> str | None:
    if not is_collective_body(organization):
        return f"{organization.name} không làm việc theo chế độ tập thể nên không ký “thay mặt” (T/M, TM.)."
    if Role.COMMITTEE_LEADER in roles_on(signer, organization, on):
        return None
    return (
        f"{signer} không thuộc tập thể lãnh đạo của {organization.name} ngày {_day(on)} "
        "nên không ký “thay mặt” (T/M, TM.)."
    )


def deputy_refusal(organization: Organization, signer: User, on: date) -> str | None:
    if not own_roles(signer, organization) & LEADER_ROLES:
        return (
            f"{signer} không phải cấp phó của người đứng đầu {organization.name} ngày {_day(on)} "
            "nên không ký thay (K/T, KT.)."
        )
    if is_head(signer, organization):
        return f"{signer} là người đứng đầu {organization.name}: ký trực tiếp, không ký thay (K/T, KT.)."
    return None


def by_order_refusal(organization: Organization, signer: User, on: date) -> str | None:
    if roles_on(signer, organization, on) & BY_ORDER_ROLES:
        return None
    return (
        f"{signer} không phải lãnh đạo Văn phòng hoặc người đứng đầu đơn vị của {organization.name} "
        f"ngày {_day(on)} nên không ký thừa lệnh (T/L, TL.)."
    )


def acting_refusal(organization: Organization, signer: User, on: date) -> str | None:
    ids = working_lineage_ids(organization.pk)
    if any(d.grantor.organization_id in ids for d in delegations_in_force(signer, DelegationKind.ACTING, on)):
        return None
    return f"{signer} không có quyết định giao quyền còn hiệu lực ngày {_day(on)} để ký “Quyền” (Q.)."


def delegated_refusal(organization: Organization, signer: User, on: date) -> str | None:
    delegations = list(delegations_in_force(signer, DelegationKind.DELEGATION, on))
    if not delegations:
        return (
            f"{signer} không có quyết định ủy quyền còn hiệu lực ngày {_day(on)} "
            "để ký thừa ủy quyền (T/UQ, TUQ.)."
        )
    from_head = [d for d in delegations if is_head(d.grantor, organization)]
    if not from_head:
        return (
            f"Người ủy quyền cho {signer} không phải người đứng đầu {organization.name} "
            "nên không ký thừa ủy quyền (T/UQ, TUQ.) được."
        )
    if all(holds_by_delegation(d.grantor, on) for d in from_head):
        return (
            f"{from_head[0].grantor} đang giữ thẩm quyền do được ủy quyền hoặc giao quyền: "
            "không được ủy quyền lại (NĐ 30 Điều 13)."
        )
    return None


RULES: dict[str, Rule] = {
    SignerCapacity.OWN: own_refusal,
    SignerCapacity.ON_BEHALF: on_behalf_refusal,
    SignerCapacity.DEPUTY: deputy_refusal,
    SignerCapacity.BY_ORDER: by_order_refusal,
    SignerCapacity.ACTING: acting_refusal,
    SignerCapacity.DELEGATED: delegated_refusal,
}


def refusal(doc: OutgoingDocument, signer: User, on: date) -> str | None:
    """Why ``signer`` may not sign ``doc`` in its capacity on ``on`` (None: they may)."""
    return RULES[SignerCapacity(doc.signer_capacity)](doc.organization, signer, on)


def check_capacity(doc: OutgoingDocument, signer: User, on: date) -> None:
    reason = refusal(doc, signer, on)
    if reason is not None:
        raise InvalidInput(
            reason,
            code="signer_capacity",
            details={"signer_capacity": doc.signer_capacity, "signer_id": signer.pk, "date": on.isoformat()},
        )
