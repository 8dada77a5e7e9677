"""The directory: which organisations are reached by exchange, through which installation, and which
certificates sign their messages."""

from __future__ import annotations

from cryptography import x509

from exchange.models import DirectoryEntry, Node
from orgs.models import Organization


def entry_for(organization: Organization) -> DirectoryEntry | None:
    return (
        DirectoryEntry.objects.filter(organization=organization, active=True).select_related("node").first()
    )


def registered_certificates(identifier: str) -> list[x509.Certificate]:
    """The certificates a message from ``identifier`` may be signed with (none: an unknown sender)."""
    entry = (
        DirectoryEntry.objects.filter(organization__identifier=identifier, active=True)
        .only("certificates_pem")
        .first()
    )
    if entry is None or not entry.certificates_pem.strip():
        return []
    return x509.load_pem_x509_certificates(entry.certificates_pem.encode())


def next_hop(identifier: str) -> Node | None:
    entry = (
        DirectoryEntry.objects.filter(organization__identifier=identifier, active=True)
        .select_related("node")
        .first()
    )
    return entry.node if entry is not None else None


def local_organization(identifier: str) -> Organization | None:
    """An organisation this installation serves, by its identifier."""
    return Organization.objects.filter(identifier=identifier, uses_system=True).first()


def is_external(organization: Organization | None) -> bool:
    """A recipient reached by exchange: another installation's organisation in the directory."""
    return (
        organization is not None
        and not organization.uses_system
        and bool(organization.identifier)
        and DirectoryEntry.objects.filter(organization=organization, active=True).exists()
    )
