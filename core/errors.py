"""One error hierarchy: stable machine codes, Vietnamese messages for people."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    status = 400
    code = "invalid_input"
    message = "Dữ liệu không hợp lệ."

    def __init__(
        self, message: str | None = None, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.details = details or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(ApplicationError):
    status = 400
    code = "invalid_input"


class NotAuthenticated(ApplicationError):
    status = 401
    code = "not_authenticated"
    message = "Bạn cần đăng nhập."


class NotAllowed(ApplicationError):
    status = 403
    code = "not_allowed"
    message = "Bạn không có quyền thực hiện thao tác này."


class NotFound(ApplicationError):
    status = 404
    code = "not_found"
    message = "Không tìm thấy hoặc bạn không có quyền xem."


class WrongState(ApplicationError):
    status = 409
    code = "wrong_state"
    message = "Thao tác không phù hợp với trạng thái hiện tại của văn bản."


class Conflict(ApplicationError):
    status = 409
    code = "conflict"
    message = "Dữ liệu đã bị thay đổi bởi người khác, vui lòng thử lại."


class FileTooLarge(ApplicationError):
    status = 413
    code = "file_too_large"
    message = "Tệp quá lớn."


class UnsupportedFileType(ApplicationError):
    status = 415
    code = "unsupported_file_type"
    message = "Loại tệp không được chấp nhận."


class TooManyAttempts(ApplicationError):
    status = 429
    code = "too_many_attempts"
    message = "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau ít phút."
