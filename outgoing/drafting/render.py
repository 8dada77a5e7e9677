"""docxtpl: a template plus its context gives the draft's .docx."""

from __future__ import annotations

import io
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import TemplateError

from core.errors import InvalidInput


def render(template: bytes, context: dict[str, Any]) -> bytes:
    try:
        document = DocxTemplate(io.BytesIO(template))
        document.render(context, autoescape=True)
    except TemplateError as exc:  # an office's edited template with a broken tag
        raise InvalidInput(
            f"Mẫu văn bản có thẻ trường không hợp lệ ({exc}). Vui lòng sửa mẫu trong phần quản trị.",
            code="template_error",
        ) from exc
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
