"""Response headers every answer of the API carries: no MIME sniffing, and nothing that
carries a credential or a token is ever stored by a browser or a shared cache."""

from __future__ import annotations

from sanic import Request, Sanic
from sanic.response import HTTPResponse

NO_STORE = "no-store"
# Routes that hand out tokens (login, refresh) or act on them (logout, phone binding):
# their answers are secret even though the request that asked may carry no credential.
TOKEN_PATH_PREFIXES = ("/api/v1/auth/", "/api/admin/auth/")


def carries_credentials(request: Request) -> bool:
    """A bearer token in the header or the query (websocket handshakes), or a guard that
    authenticated the caller."""
    return (
        "authorization" in request.headers
        or "token" in request.args
        or getattr(request.ctx, "claims", None) is not None
    )


def install(app: Sanic) -> None:
    """Add nosniff to every response, and `Cache-Control: no-store` to token responses and
    to every response to an authenticated request (RFC 6749 5.1; RFC 9111 5.2.2.5)."""

    @app.on_response(priority=90)
    async def security_headers(request: Request, response: HTTPResponse) -> None:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.path.startswith(TOKEN_PATH_PREFIXES) or carries_credentials(request):
            # Authenticated answers are private to their caller, whatever the route says.
            response.headers["Cache-Control"] = NO_STORE
            response.headers.setdefault("Pragma", "no-cache")
