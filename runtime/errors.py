"""Errors the domain raises; the HTTP layer turns them into RFC 9457 problem responses."""


class DomainError(Exception):
    status = 422
    title = "Request cannot be processed"

    def __init__(self, detail: str, *, field: str | None = None,
                 fields: list[tuple[str, str]] | None = None, code: str = "invalid"):
        """`field` names the one invalid parameter; `fields` lists several as (name, reason)."""
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.fields = fields or []
        self.code = code


class InvalidInput(DomainError):
    status = 400
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict with the current state"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"
