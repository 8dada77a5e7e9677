"""Registers (NĐ 30 PL-IV): rows for a user, and PDF / Excel output.

Public API::

    incoming_register_rows(user, register, date_from=None, date_to=None, year=None) -> list[dict]
    outgoing_register_rows(user, register, date_from=None, date_to=None, year=None) -> list[dict]
    export_pdf(kind, register, rows, *, date_from=None, date_to=None, organization_name="") -> bytes
    export_xlsx(kind, register, rows, *, date_from=None, date_to=None, organization_name="") -> bytes

``kind`` is "incoming" (sổ đăng ký văn bản đến) or "followup" (sổ theo dõi giải quyết văn bản đến), both
printed from an incoming register, or "outgoing" (sổ đăng ký văn bản đi), printed from an outgoing register.
Auditing the export is the caller's job.
"""

from reports.registers.layout import COPIES, FOLLOWUP, INCOMING, INCOMING_KINDS, KINDS, OUTGOING, headers
from reports.registers.pdf import export_pdf
from reports.registers.rows import incoming_register_rows, outgoing_register_rows
from reports.registers.xlsx import export_xlsx

__all__ = [
    "COPIES",
    "FOLLOWUP",
    "INCOMING",
    "INCOMING_KINDS",
    "KINDS",
    "OUTGOING",
    "export_pdf",
    "export_xlsx",
    "headers",
    "incoming_register_rows",
    "outgoing_register_rows",
]
