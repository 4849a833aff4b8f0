"""OpenAPI 3 at /docs/openapi.json and a Swagger UI at /docs served from local files."""

from __future__ import annotations

from pathlib import Path

from sanic import Sanic
from swagger_ui_bundle import swagger_ui_path

DOCS_PAGE = Path(__file__).resolve().parent / "static" / "docs.html"


def install(app: Sanic) -> None:
    """Configure sanic-ext's spec (bearer scheme) and replace its CDN-based UIs."""
    # sanic-ext's UIs load their JavaScript from a CDN. Its page slot is reused with our
    # own page (Swagger UI from the swagger-ui-bundle wheel, served below), and its
    # swagger slot, whose OAuth2 redirect page is fetched from a CDN, is turned off.
    app.config.OAS_UI_DEFAULT = "redoc"
    app.config.OAS_UI_REDOC = True
    app.config.OAS_PATH_TO_REDOC_HTML = str(DOCS_PAGE)
    app.config.OAS_URI_TO_REDOC = "/ui"
    app.config.OAS_UI_SWAGGER = False
    app.config.OAS_URI_TO_JSON = "/openapi.json"
    app.config.OAS_URL_PREFIX = "/docs"
    app.config.OAS_IGNORE_HEAD = True
    app.config.OAS_IGNORE_OPTIONS = True
    app.ext.openapi.describe(
        "mall API",
        version="1.0.0",
        description="REST API of the mall WeChat mini-program shop and its admin.",
    )
    app.ext.openapi.add_security_scheme("bearer", "http", scheme="bearer", bearer_format="JWT")

    app.static("/docs/assets", str(swagger_ui_path), name="docs_assets")
