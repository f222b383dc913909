"""One exception family for everything a client can get wrong or the service can fail at.

Library code raises these; `register(app)` turns every one into the same error shape, with the
status code and a message that says what to change. Nothing else writes error responses.
"""
from __future__ import annotations


class ServiceError(Exception):
    """Base: `status` is the HTTP status, the message is safe to show to the client."""

    status = 500
    title = "internal error"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(ServiceError):
    status, title = 400, "bad request"


class QuerySyntaxError(BadRequest):
    title = "query syntax error"


class ResultTooLarge(BadRequest):
    """The result has more rows or bytes than max_result_rows / max_result_bytes allow."""

    title = "result too large"


class Unauthorized(ServiceError):
    status, title = 401, "unauthorized"

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="reformkg"'})


class Forbidden(ServiceError):
    status, title = 403, "forbidden"


class ReadOnly(Forbidden):
    title = "read-only"


class NotFound(ServiceError):
    status, title = 404, "not found"


class NotAcceptable(ServiceError):
    status, title = 406, "not acceptable"


class FormNotAcceptable(NotAcceptable):
    """The client accepts formats of query answers, but only of the other form's (a SELECT as Turtle)."""


class RequestTimeout(ServiceError):
    status, title = 408, "request timeout"


class PayloadTooLarge(ServiceError):
    status, title = 413, "payload too large"


class UnsupportedMediaType(ServiceError):
    status, title = 415, "unsupported media type"


class TransferCodingNotImplemented(ServiceError):
    """A Transfer-Encoding other than chunked (RFC 9112 §6.1: a server SHOULD answer 501)."""

    status, title = 501, "not implemented"


class EngineFailure(ServiceError):
    status, title = 500, "query engine failure"


ENGINE_FAILED = "the query engine failed on this query"


class UpstreamError(ServiceError):
    """The remote SPARQL server failed: 502, 503 when it says it is overloaded, 504 when it did not answer in time."""

    status, title = 502, "bad gateway"
    TITLES = {502: "bad gateway", 503: "overloaded", 504: "gateway timeout"}

    def __init__(self, message: str, status: int = 502) -> None:
        super().__init__(message)
        self.status, self.title = status, self.TITLES.get(status, self.title)


class QueryTimeout(ServiceError):
    status, title = 503, "query timeout"


class Overloaded(ServiceError):
    status, title = 503, "overloaded"


class NotReady(ServiceError):
    status, title = 503, "not ready"


class ClientGone(ServiceError):
    """The client closed its connection before its answer was ready, so its query was stopped. No one
    reads the answer: the status is the one nginx logs for it."""

    status, title = 499, "client closed request"
