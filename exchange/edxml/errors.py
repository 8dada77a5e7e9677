"""Refusals of a received message: stable codes for the sending installation, Vietnamese messages."""

from __future__ import annotations

from core.errors import ApplicationError, NotAllowed


class MalformedPackage(ApplicationError):
    status = 400
    code = "malformed_package"
    message = "Gói tin edXML không đúng cấu trúc."


class BadSignature(NotAllowed):
    code = "bad_signature"
    message = "Chữ ký số của gói tin không hợp lệ (gói tin đã bị sửa hoặc ký sai)."


class UnknownCertificate(NotAllowed):
    code = "unknown_certificate"
    message = "Gói tin được ký bằng chứng thư số chưa đăng ký cho cơ quan gửi."


class CertificateExpired(NotAllowed):
    code = "certificate_expired"
    message = "Chứng thư số ký gói tin đã hết hạn hoặc chưa có hiệu lực."
