"""Errors the domain raises, by kind; the HTTP layer chooses their status (runtime/http.py
`status_of`) and turns them into RFC 9457 problem responses."""


class DomainError(Exception):
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
    title = "Invalid input"


class NotFound(DomainError):
    title = "Not found"


class Conflict(DomainError):
    title = "Conflict with the current state"


class Forbidden(DomainError):
    title = "Forbidden"
