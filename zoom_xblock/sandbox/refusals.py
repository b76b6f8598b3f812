"""The sandbox's refusals, answered as Zoom answers errors:
``{"code": N, "message": "...", "errors": [...]}``."""
from __future__ import annotations

from typing import Any

INVALID_TOKEN = 124
NO_PERMISSION = 200  # also "no webinar plan"
VALIDATION = 300
BATCH_NOT_ALLOWED = 303
USER_NOT_FOUND = 1001
USER_NOT_IN_ACCOUNT = 1010
CANNOT_ACCESS = 3000
MEETING_NOT_FOUND = 3001
CAPACITY_FULL = 3043
MISSING_SCOPE = 4711
RATE_LIMITED = 429


class SandboxRefusal(Exception):
    """An error the sandbox answers the way Zoom would."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The JSON body Zoom sends."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


def validation_error(field: str, message: str) -> SandboxRefusal:
    """Zoom's 300 "Validation Failed." with one field error."""
    return SandboxRefusal(400, VALIDATION, "Validation Failed.",
                          errors=[{"field": field, "message": message}])


def meeting_not_found(kind: str, meeting_id: Any) -> SandboxRefusal:
    """3001 for a meeting or webinar that does not exist (or was deleted)."""
    noun = "Webinar" if kind == "webinars" else "Meeting"
    return SandboxRefusal(404, MEETING_NOT_FOUND,
                          f"{noun} {meeting_id} is not found or has expired.")


def user_not_found(user_id: str) -> SandboxRefusal:
    """1001 for an unknown user id or e-mail."""
    return SandboxRefusal(404, USER_NOT_FOUND, f"User does not exist: {user_id}.")
