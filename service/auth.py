"""Who may write: the holder of the configured bearer token, and nobody when none is configured."""
from __future__ import annotations

import hmac

from flask import Request

from .errors import Forbidden, ReadOnly, Unauthorized
from .settings import Settings


def require_writer(request: Request, settings: Settings) -> None:
    """Raises ReadOnly (no token configured), Unauthorized (no token sent) or Forbidden (wrong token)."""
    if not settings.update_token:
        raise ReadOnly("this service is read-only: writes are enabled only when an update_token "
                       "(REFORMKG_UPDATE_TOKEN) is configured")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("writes need an Authorization: Bearer <token> header")
    # compare_digest takes the same time wherever the tokens differ, so timing reveals nothing.
    if not hmac.compare_digest(token.strip().encode("utf-8"), settings.update_token.encode("utf-8")):
        raise Forbidden("the bearer token is not the configured update_token")
