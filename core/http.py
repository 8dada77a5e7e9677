"""HTTP helpers shared by the web views and the API."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def file_response(
    data: bytes, *, name: str, content_type: str, inline: bool = True, restricted: bool = False
) -> HttpResponse:
    """Bytes with a server-chosen type, an RFC 6266 file name, nosniff and a sandboxing CSP."""
    response = HttpResponse(data, content_type=content_type)
    disposition = (
        "inline"
        if inline and content_type in {"application/pdf", "image/png", "image/jpeg"}
        else "attachment"
    )
    ascii_name = name.encode("ascii", "ignore").decode() or "tep"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    )
    response["Cache-Control"] = "no-store" if restricted else "private, max-age=0"
    response["Content-Length"] = str(len(data))
    return response
