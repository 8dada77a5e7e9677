"""The copies' number and number-symbol (NĐ 30 PL-I Part II.II.1.c; HD 36).

One sequence per organisation common to sao y, sao lục and trích sao, from 01 on each 1 January
(scope ``copies:<organisation>:<year>``), allocated by ``core.numbering.allocate`` inside the creating
transaction — gap-free, a rollback gives the number back.

Number-symbols:

* State profile (NĐ 30 PL-III): ``<number>/<form>-<body>``, the form being the copy type's abbreviation
  (SY, SL, TrS), e.g. ``05/SY-UBND``, ``06/TrS-UBND``.
* Party profile (HD 36): the type table lists one abbreviation for copies, "BS" (bản sao, e.g.
  "24-BS/UBKTTU"), and none per form. We therefore write ``<number>-BS/<body>`` for every form, e.g.
  ``24-BS/VPTU``; the form itself shows on the copy's stamp ("SAO Y", "SAO LỤC", "TRÍCH SAO") and in the
  register. Since one sequence is common to all forms, the numbers stay unique in the year either way.

The abbreviations are read from the document types (reference data an office can edit), falling back to
the codes above when a type is missing.
"""

from __future__ import annotations

from copies.models import PARTY_TYPE_CODE, STATE_TYPE_CODES, CopyForm
from documents.models import DocType
from orgs.models import Organization, Profile


def scope_for(organization: Organization, year: int) -> str:
    return f"copies:{organization.pk}:{year}"


def type_code(organization: Organization, form: str) -> str:
    return PARTY_TYPE_CODE if organization.profile == Profile.PARTY else STATE_TYPE_CODES[CopyForm(form)]


def doc_type_for(organization: Organization, form: str) -> DocType:
    """The copy's document type in the organisation's profile (created from the reference data if an
    office removed it)."""
    code = type_code(organization, form)
    names = {"BS": "Bản sao", "SY": "Bản sao y", "SL": "Bản sao lục", "TrS": "Bản trích sao"}
    doc_type, _ = DocType.objects.get_or_create(
        profile=organization.profile, code=code, defaults={"name": names[code], "abbreviation": code}
    )
    return doc_type


def format_number_symbol(organization: Organization, doc_type: DocType, number: int) -> str:
    """ "24-BS/VPTU" (Party) or "05/SY-UBND" (State); numbers under 10 get a leading 0."""
    body = organization.abbreviation or organization.name
    abbreviation = doc_type.abbreviation or doc_type.code
    if organization.profile == Profile.PARTY:
        return f"{number:02d}-{abbreviation}/{body}"
    return f"{number:02d}/{abbreviation}-{body}"
