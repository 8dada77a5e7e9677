"""Which template a document type uses: the organization's own, the installation's, or the built-in one."""

from __future__ import annotations

from core import files
from documents.models import DocType
from orgs.models import Organization
from outgoing.drafting import builder
from outgoing.models import DocumentTemplate


def template_record(organization: Organization, doc_type: DocType) -> DocumentTemplate | None:
    return (
        DocumentTemplate.objects.filter(organization=organization, doc_type=doc_type)
        .select_related("stored")
        .first()
        or DocumentTemplate.objects.filter(organization__isnull=True, doc_type=doc_type)
        .select_related("stored")
        .first()
    )


def template_bytes(organization: Organization, doc_type: DocType) -> bytes:
    record = template_record(organization, doc_type)
    if record is not None:
        return files.open_blob(record.stored)
    return builder.default_template(doc_type.profile, doc_type.code)
