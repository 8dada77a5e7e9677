"""The kinds of documents search covers: each kind registers one provider in its ``AppConfig.ready``.

    from search import registry
    registry.register("incoming", IncomingProvider())

The provider contract (subclass ``Provider``):

- ``kind`` (the key stored in the index, ≤ 20 characters) and ``label`` (Vietnamese, shown in results
  and in the "Loại" filter); ``statuses``: the kind's status choices ``[(value, label), ...]``.
- ``queryset()`` — every document of the kind, unfiltered (the rebuild walks it by primary key).
- ``visible_to(user)`` — **the kind's one visibility filter** (the same queryset lists and the door use).
  Search correlates it with the index by primary key inside the search statement, so a document the
  user may not see never reaches results, counts or snippets. It must be a queryset of the kind's model
  whose ``pk`` is the id given to ``records``.
- ``records(ids)`` — ``{id: Record}`` for the given ids, in a bounded number of queries whatever the
  number of ids (the rebuild passes batches of hundreds). An id left out (deleted, or a document the
  kind does not want indexed) has its index entry removed.
- ``url(doc_id)`` — the web page of the document.

The kind's services call ``search.indexing.reindex(kind, [id, ...])`` inside the transaction of every
change that alters what a ``Record`` holds (never from signals); the index row commits or rolls back
with the change. Files' text is read by a task enqueued in that same transaction (``search.tasks``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class Record:
    """What the index keeps about one document."""

    number_symbol: str = ""
    subject: str = ""
    issuer: str = ""
    doc_type: str = ""  # DocType.code (the doc_type filter)
    doc_type_name: str = ""
    date: date | None = None  # the date shown and filtered on (arrival, issue or creation date)
    status: str = ""
    secrecy: str = ""
    extra: str = ""  # other searchable metadata: signer, organisation, register, notes…
    stored_file_ids: Sequence[int] = field(default_factory=tuple)  # core.StoredFile ids whose text is indexed


class Provider:
    kind: str = ""
    label: str = ""
    statuses: Sequence[tuple[str, str]] = ()

    def queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def visible_to(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def records(self, ids: Iterable[int]) -> dict[int, Record]:
        raise NotImplementedError

    def url(self, doc_id: int) -> str:
        raise NotImplementedError

    def status_label(self, value: str) -> str:
        return dict(self.statuses).get(value, value)


_PROVIDERS: dict[str, Provider] = {}


def register(kind: str, provider: Provider) -> None:
    if len(kind) > 20:
        raise ValueError("search kind longer than 20 characters")
    provider.kind = kind
    _PROVIDERS[kind] = provider


def get(kind: str) -> Provider:
    return _PROVIDERS[kind]


def kinds() -> list[str]:
    return list(_PROVIDERS)


def providers() -> list[Provider]:
    return list(_PROVIDERS.values())


# Groups of documents another app keeps (the archive's dossiers): the search filter "in this group".
# ``members(user, group_id)`` answers {kind: queryset of doc ids} of the documents in the group, or {}
# when the group does not exist or the user may not see it (the documents' own visibility still applies
# on top); ``label(user, group_id)`` names it for an export's title.
GroupMembers = Callable[[Any, int], dict[str, QuerySet[Any]]]
GroupLabel = Callable[[Any, int], str]
_GROUPS: dict[str, tuple[GroupMembers, GroupLabel | None]] = {}


def register_group(name: str, members: GroupMembers, label: GroupLabel | None = None) -> None:
    _GROUPS[name] = (members, label)


def group_members(name: str, user: Any, group_id: int) -> dict[str, QuerySet[Any]]:
    group = _GROUPS.get(name)
    return group[0](user, group_id) if group is not None else {}


def group_label(name: str, user: Any, group_id: int) -> str:
    group = _GROUPS.get(name)
    label = group[1](user, group_id) if group is not None and group[1] is not None else ""
    return label or f"#{group_id}"
