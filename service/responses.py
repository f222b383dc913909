"""A backend's answer as an HTTP response: sent with its length when it is complete, streamed otherwise."""
from __future__ import annotations

from flask import Response

from .store.base import QueryResponse


def answer(result: QueryResponse, **headers: str) -> Response:
    response = Response(result.body, mimetype=result.media_type)
    if result.length is not None:
        response.content_length = result.length
    response.headers.update(headers)
    return response
