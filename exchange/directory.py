"""The directory: which organisations are reached by exchange, through which installation, and which
certificates sign their messages."""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from django.db import connection

from core.errors import InvalidInput
from exchange import directory_version
from exchange.models import DirectoryEntry, EntrySource, Node
from orgs.models import Organization

# mã định danh (QĐ 20/2020/QĐ-TTg): groups of 0-9 A-Z separated by dots, at most 35 characters
IDENTIFIER = re.compile(r"(?=.{1,35}$)[0-9A-Z]+(\.[0-9A-Z]+)*")


def entry_for(organization: Organization) -> DirectoryEntry | None:
    return (
        DirectoryEntry.objects.filter(organization=organization, active=True).select_related("node").first()
    )


@dataclass(frozen=True)
class Routes:
    """What the directory says of the organisations one message names — its sender, its recipients —
    read in one query (``routes``) and asked as often as its handling needs: a hub asked five questions
    per package (the sender's certificates, whether each recipient is served here, twice, and the next
    hops of recipient and sender), each its own query, which cost more CPU than verifying the package."""

    organizations: dict[str, Organization]  # by identifier, each with its directory entry and node

    def _entry(self, identifier: str) -> DirectoryEntry | None:
        organization = self.organizations.get(identifier)
        entry = getattr(organization, "exchange_entry", None)  # (none: RelatedObjectDoesNotExist)
        return entry if entry is not None and entry.active else None

    def registered_certificates(self, identifier: str) -> list[x509.Certificate]:
        """The certificates a message from ``identifier`` may be signed with (none: an unknown sender)."""
        entry = self._entry(identifier)
        return list(_certificates(entry.certificates_pem)) if entry is not None else []

    def relay_certificates(self, identifier: str) -> list[x509.Certificate]:
        """The certificates the installation routing ``identifier`` signs its relay failure reports with."""
        node = self.next_hop(identifier)
        return list(_certificates(node.relay_certificates_pem)) if node is not None else []

    def next_hop(self, identifier: str) -> Node | None:
        entry = self._entry(identifier)
        return entry.node if entry is not None else None

    def relay_hop(self, sender: str, target: str) -> Node | None:
        """Where a message from ``sender`` to ``target`` (an organisation not served here) is relayed: the
        target's next hop — except the installation the sender is reached through. Installations form a
        tree and a message travels out from its sender's side, so it came from there: sending it back would
        only have it offered here again (the next hop answers "duplicate" and the message is lost without a
        word). That happens when a hub's directory routes here an organisation this installation does not
        serve — which this installation then knows from the hub's own directory as reached through the
        hub. None: it is not ours to relay, and refusing it lets the hub report it to the sender."""
        node = self.next_hop(target)
        if node is None:
            return None
        back = self.next_hop(sender)
        return None if back is not None and back.pk == node.pk else node

    def local_organization(self, identifier: str) -> Organization | None:
        """An organisation this installation serves, by its identifier."""
        organization = self.organizations.get(identifier)
        return organization if organization is not None and organization.uses_system else None


def routes(identifiers: Any) -> Routes:
    """The directory's word on ``identifiers``: from what this process read before while the directory's
    change token (``directory_version``, one primary-key read) is the same, the rest in one query."""
    global _known_token
    wanted = {str(i) for i in identifiers if i}
    current = directory_version.token(connection)
    with _known_lock:
        if current != _known_token:
            _known.clear()
            _known_token = current
        have = {i: _known[i] for i in wanted if i in _known}
    missing = wanted - have.keys()
    if missing:
        found = {
            str(o.identifier): o
            for o in Organization.objects.filter(identifier__in=missing).select_related(
                "exchange_entry__node"
            )
        }
        with _known_lock:
            # not filled under a newer token meanwhile; only organisations found are kept (identifiers
            # come from messages not verified yet: unknown ones must not fill the memory)
            if _known_token == current:
                if len(_known) + len(found) > KNOWN_MAX:
                    _known.clear()
                _known.update(found)
        have.update(found)
    return Routes(have)


KNOWN_MAX = 20_000  # organisations kept per process (a province's directory holds some hundreds)
_known: dict[str, Organization] = {}  # identifier → organisation, with its directory entry and node
_known_token: int | None = None
_known_lock = threading.Lock()


@functools.lru_cache(maxsize=1024)
def _certificates(pem: str) -> tuple[x509.Certificate, ...]:
    """The certificates in a PEM text, read once per text (a hub reads the same few for every message)."""
    return tuple(x509.load_pem_x509_certificates(pem.encode())) if pem.strip() else ()


def registered_certificates(identifier: str) -> list[x509.Certificate]:
    return routes([identifier]).registered_certificates(identifier)


def relay_certificates(identifier: str) -> list[x509.Certificate]:
    return routes([identifier]).relay_certificates(identifier)


def next_hop(identifier: str) -> Node | None:
    """Read afresh (not from ``routes``' memory): the dispatcher reports the node's health on it."""
    return next_hops([identifier]).get(identifier)


def next_hops(identifiers: Any) -> dict[str, Node]:
    """``next_hop`` of several organisations in one query (a batch of the dispatcher's messages); an
    organisation not reached by exchange is left out. One ``Node`` object per installation, shared by
    the organisations it serves (its health, as written, is seen by all of them)."""
    nodes: dict[int, Node] = {}
    found: dict[str, Node] = {}
    entries = (
        DirectoryEntry.objects.filter(organization__identifier__in={str(i) for i in identifiers}, active=True)
        .select_related("node", "organization")
        .order_by("pk")
    )
    for entry in entries:
        if entry.node is not None and entry.organization.identifier:
            found.setdefault(entry.organization.identifier, nodes.setdefault(entry.node.pk, entry.node))
    return found


def relay_hop(sender: str, target: str) -> Node | None:
    return routes([sender, target]).relay_hop(sender, target)


def local_organization(identifier: str) -> Organization | None:
    return routes([identifier]).local_organization(identifier)


def is_external(organization: Organization | None) -> bool:
    """A recipient reached by exchange: another installation's organisation in the directory."""
    return (
        organization is not None
        and not organization.uses_system
        and bool(organization.identifier)
        and DirectoryEntry.objects.filter(organization=organization, active=True).exists()
    )


# --- synchronisation from the hub ---------------------------------------------------------------------


def publish() -> dict[str, Any]:
    """What a hub tells the installations behind it: every organisation it can reach (its own, and those
    of the installations it relays to) with the certificates their messages are signed with."""
    from cryptography.hazmat.primitives import serialization

    from exchange.models import Identity

    entries = []
    for entry in DirectoryEntry.objects.select_related("organization").order_by("organization__identifier"):
        entries.append(_entry(entry.organization, entry.certificates_pem, entry.active, entry.updated_at))
    for identity in Identity.objects.select_related("organization"):
        certificate = x509.load_pem_x509_certificates(identity.certificate_pem.encode())[0]
        pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
        entries.append(_entry(identity.organization, pem, True, identity.created_at))
    version = max((e["updated_at"] for e in entries), default="")
    from exchange.identity import relay_identity

    relay = relay_identity()
    relay_pem = ""
    if relay is not None:
        certificate = x509.load_pem_x509_certificates(relay.certificate_pem.encode())[0]
        relay_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    # what this installation signs "could not deliver onward" reports with, when it relays
    return {"version": version, "entries": entries, "relay_certificates_pem": relay_pem}


def _entry(organization: Organization, pem: str, active: bool, at: Any) -> dict[str, Any]:
    return {
        "identifier": organization.identifier,
        "name": organization.name,
        "certificates_pem": pem,
        "active": active,
        "updated_at": at.isoformat(),
    }


@dataclass(frozen=True)
class SyncResult:
    added: int
    updated: int
    deactivated: int


def apply(payload: dict[str, Any], hub: Node) -> SyncResult:
    """The hub's directory taken in: every organisation it lists (other than ours) is reached through it,
    with the certificates it gives; an organisation it no longer lists as active stops being reached.
    An entry an administrator configured here (``source=local``) is left as it is — neither its
    certificates nor its route are the hub's to change. Certificates are checked to be readable before
    anything is written."""
    from django.db import transaction

    added = updated = deactivated = 0
    entries = [e for e in payload.get("entries", []) if IDENTIFIER.fullmatch(str(e.get("identifier") or ""))]
    for entry in entries:
        if entry.get("certificates_pem"):
            x509.load_pem_x509_certificates(str(entry["certificates_pem"]).encode())  # ValueError if broken
    relay_pem = str(payload.get("relay_certificates_pem") or "")
    if relay_pem:
        x509.load_pem_x509_certificates(relay_pem.encode())
    with transaction.atomic():
        if "relay_certificates_pem" in payload and hub.relay_certificates_pem != relay_pem:
            Node.objects.filter(pk=hub.pk).update(relay_certificates_pem=relay_pem)
            hub.relay_certificates_pem = relay_pem
            updated += 1
        for entry in entries:
            identifier = entry["identifier"]
            organization = Organization.objects.filter(identifier=identifier).first()
            if organization is not None and organization.uses_system:
                continue  # ours: this installation is the authority
            if organization is None:
                organization = Organization.objects.create(
                    name=str(entry.get("name") or identifier)[:255], identifier=identifier, uses_system=False
                )
            current = DirectoryEntry.objects.filter(organization=organization).first()
            if current is not None and current.source == EntrySource.LOCAL:
                continue  # configured by hand: the administrator's word stands
            values = {
                "node": hub,
                "certificates_pem": str(entry.get("certificates_pem") or ""),
                "active": bool(entry.get("active", True)),
            }
            if current is None:
                DirectoryEntry.objects.create(organization=organization, source=EntrySource.HUB, **values)
                added += 1
            elif any(getattr(current, k) != v for k, v in values.items()):
                if current.active and not values["active"]:
                    deactivated += 1
                DirectoryEntry.objects.filter(pk=current.pk).update(**values)
                updated += 1
    return SyncResult(added, updated, deactivated)


def sync(hub: Node | None = None, *, timeout: float = 10) -> SyncResult:
    """Pull the directory from the hub (``Node.is_hub``) and apply it."""
    import json
    import urllib.request

    from exchange import tls

    hub = hub or Node.objects.filter(is_hub=True).order_by("id").first()
    if hub is None:
        return SyncResult(0, 0, 0)
    check_hub_endpoint(hub)
    url = hub.endpoint.rstrip("/") + "/exchange/v1/directory"
    context = tls.client_context()  # the peers' CA; our certificate where the hub requires mutual TLS
    with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310
        payload = json.loads(response.read(20 * 1024 * 1024))
    return apply(payload, hub)


class InsecureHub(InvalidInput):
    code = "insecure_hub"


def plain_http_refused(endpoint: str) -> bool:
    """An endpoint this installation does not talk to: plain HTTP outside development and tests
    (``EXCHANGE_ALLOW_HTTP``)."""
    from django.conf import settings

    return not endpoint.lower().startswith("https://") and not settings.EXCHANGE_ALLOW_HTTP


def check_hub_endpoint(hub: Node) -> None:
    """The directory's certificates are what authenticate messages: it is pulled over HTTPS only (plain
    HTTP is allowed in development and tests, ``EXCHANGE_ALLOW_HTTP``)."""
    if not plain_http_refused(hub.endpoint):
        return
    raise InsecureHub(
        f"Địa chỉ trục liên thông “{hub.endpoint}” phải dùng HTTPS: danh bạ (chứng thư số xác thực gói tin) "
        "không được tải qua kết nối không mã hóa. Sửa địa chỉ trục trong trang quản trị."
    )


def insecure_endpoint_message(node: Node) -> str:
    return (
        f"Địa chỉ liên thông của {node.name} “{node.endpoint}” phải dùng HTTPS: gói tin không được gửi qua "
        "kết nối không mã hóa. Sửa địa chỉ trong trang quản trị (Hệ thống liên thông); gói tin sẽ tự gửi lại."
    )


_last_refresh: dict[str, float] = {}


def refresh_for_unknown(identifier: str, *, every: float = 60.0) -> bool:
    """A message from an organisation we do not know: pull the hub's directory once (at most once a
    minute per sender), in case it was added there since. True when something changed."""
    if not IDENTIFIER.fullmatch(identifier):
        return False  # not an identifier at all: nothing the hub could know
    return refresh(every=every)


def refresh(*, every: float = 60.0) -> bool:
    """Pull the hub's directory now — a certificate unknown here or at a peer may have been published
    since — at most once a minute in this process whatever the callers (unauthenticated requests cannot
    multiply the pulls). True when something changed."""
    import logging
    import time

    now = time.monotonic()
    if now - _last_refresh.get("", -every) < every:
        return False
    _last_refresh[""] = now
    try:
        result = sync(timeout=5)
    except Exception:  # the hub unreachable, not https, or answering nonsense
        logging.getLogger(__name__).warning("directory refresh from the hub failed", exc_info=True)
        return False
    return bool(result.added or result.updated)
