"""GET / (to the staff console) and GET /api/v1, /api/admin (an index of the API), so every
link `mall dev` prints answers."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic_ext.extensions.openapi import openapi

from mall import version
from mall.home.schemas import ApiIndex, Sockets
from mall.web import doc, render

bp = Blueprint("home")

CONSOLE = "/admin/"


@bp.get("/", strict_slashes=True)
@openapi.exclude()
async def home(request: Request) -> HTTPResponse:
    """Browsers land on the console; the API's index is /api/v1."""
    return redirect(CONSOLE)


def _index() -> ApiIndex:
    return ApiIndex(
        name="mall",
        version=version(),
        docs="/docs",
        openapi="/docs/openapi.json",
        console=CONSOLE,
        mini_program_api="/api/v1",
        admin_api="/api/admin",
        websockets=Sockets(customer="/ws?token=<access>", admin="/ws/admin?token=<admin access>"),
        examples=["/api/v1/products", "/api/v1/categories", "/api/v1/banners", "/health/ready"],
    )


@bp.get("/api/v1", strict_slashes=False)
@doc(
    summary="Index of the API: where the docs, console and sockets are",
    tag="service",
    response=ApiIndex,
)
async def api_index(request: Request) -> HTTPResponse:
    return render(_index())


@bp.get("/api/admin", strict_slashes=False)
@doc(summary="Index of the API (admin prefix)", tag="service", response=ApiIndex)
async def admin_api_index(request: Request) -> HTTPResponse:
    return render(_index())
