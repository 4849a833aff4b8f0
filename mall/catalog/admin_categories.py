"""Admin API of the category tree (/api/admin/categories). Each route names its
permission; each write lands in the audit log (written by the service, in its transaction)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, json

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.catalog import categories, presenters
from mall.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    category_tree_schema,
)
from mall.context import runtime_of
from mall.web import doc, parse_body, render

bp = Blueprint("admin_catalog_categories")

P = Permission


@bp.get("/categories")
@doc(
    summary="Every category as a tree, hidden ones too",
    tag="admin-catalog",
    response=category_tree_schema(admin=True),
    secured=True,
    errors=(403,),
)
@admin_required(P.CATALOG_READ)
async def list_categories(request: Request) -> HTTPResponse:
    every, counts = await categories.get_all()
    return json(presenters.admin_tree(every, counts, runtime_of(request).images))


@bp.post("/categories")
@doc(
    summary="Create a category",
    tag="admin-catalog",
    body=CategoryIn,
    response=CategoryOut,
    status=201,
    secured=True,
    errors=(403, 409),
)
@admin_required(P.CATALOG_WRITE)
async def create_category(request: Request) -> HTTPResponse:
    data = parse_body(request, CategoryIn)
    rt = runtime_of(request)
    category = await categories.create(
        cache=rt.catalog_cache, storage=rt.images, data=data, staff=request.ctx.staff
    )
    return render(presenters.category_out(category, runtime_of(request).images), status=201)


@bp.get("/categories/<category_id:id>")
@doc(
    summary="One category",
    tag="admin-catalog",
    response=CategoryOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(P.CATALOG_READ)
async def get_category(request: Request, category_id: int) -> HTTPResponse:
    category = await categories.get(category_id=category_id)
    return render(presenters.category_out(category, runtime_of(request).images))


@bp.put("/categories/<category_id:id>")
@doc(
    summary="Replace a category (rename, move, reorder, hide)",
    tag="admin-catalog",
    body=CategoryIn,
    response=CategoryOut,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.CATALOG_WRITE)
async def update_category(request: Request, category_id: int) -> HTTPResponse:
    data = parse_body(request, CategoryIn)
    rt = runtime_of(request)
    category = await categories.update(
        cache=rt.catalog_cache,
        storage=rt.images,
        category_id=category_id,
        data=data,
        staff=request.ctx.staff,
    )
    return render(presenters.category_out(category, runtime_of(request).images))


@bp.delete("/categories/<category_id:id>")
@doc(
    summary="Delete an empty category",
    tag="admin-catalog",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(P.CATALOG_WRITE)
async def delete_category(request: Request, category_id: int) -> HTTPResponse:
    await categories.delete(
        cache=runtime_of(request).catalog_cache, category_id=category_id, staff=request.ctx.staff
    )
    return empty()
