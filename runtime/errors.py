"""Errors the domain raises; the HTTP layer turns them into RFC 9457 problem responses."""


class DomainError(Exception):
    status = 422
    title = "Request cannot be processed"

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidInput(DomainError):
    status = 400
    title = "Invalid input"


class NotFound(DomainError):
    status = 404
    title = "Not found"


class Conflict(DomainError):
    status = 409
    title = "Conflict with the current state"
