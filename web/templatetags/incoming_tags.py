from __future__ import annotations

from django import template
from django.utils.html import format_html_join

from incoming import selectors
from incoming.models import IncomingDocument

register = template.Library()


@register.simple_tag
def deadline_state(doc: IncomingDocument) -> str:
    return selectors.deadline_state(doc)


@register.simple_tag
def urgency_badges(doc: IncomingDocument) -> str:
    badges = []
    if doc.urgency != "normal":
        badges.append((f"badge me-1 badge-urgency-{doc.urgency}", doc.get_urgency_display().upper()))
    if doc.secrecy != "none":
        badges.append(("badge me-1 badge-secrecy", doc.get_secrecy_display().upper()))
    return format_html_join("", '<span class="{}">{}</span>', badges) if badges else ""
