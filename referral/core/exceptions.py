"""Errors raised by operations. Views turn them into a form message or a JSON error."""


class DomainError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(DomainError):
    """Input that breaks a rule; `fields` maps each field to a translated message."""

    code = "invalid_input"

    def __init__(
        self, field: str | dict[str, str], message: str | None = None, code: str | None = None
    ):
        fields = field if isinstance(field, dict) else {field: message or ""}
        super().__init__(message or next(iter(fields.values()), ""), code)
        self.fields = fields

    @property
    def field(self) -> str:
        return next(iter(self.fields))


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
