"""Admin freight templates (/api/admin/freight-templates): settings permissions; every
change audited."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.admin.permissions import Permission
from mall.auth.guards import admin_required
from mall.freight import service
from mall.freight.schemas import FreightTemplateIn, FreightTemplateOut, FreightTemplateQuery
from mall.web import doc, parse_body, parse_query, render, render_page
from models import FreightTemplate

bp = Blueprint("admin_freight")


def _out(template: FreightTemplate) -> FreightTemplateOut:
    return FreightTemplateOut.model_validate(template, from_attributes=True)


@bp.get("/freight-templates")
@doc(
    summary="Freight templates, the default first",
    tag="admin-freight",
    query=FreightTemplateQuery,
    page_of=FreightTemplateOut,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.SETTINGS_READ)
async def list_templates(request: Request) -> HTTPResponse:
    query = parse_query(request, FreightTemplateQuery)
    page, total = await service.get_all(offset=query.offset, limit=query.page_size)
    return render_page([_out(t) for t in page], total=total, page=query)


@bp.post("/freight-templates")
@doc(
    summary="Create a freight template (is_default: products naming none use it)",
    tag="admin-freight",
    body=FreightTemplateIn,
    response=FreightTemplateOut,
    status=201,
    secured=True,
    errors=(403,),
)
@admin_required(Permission.SETTINGS_WRITE)
async def create(request: Request) -> HTTPResponse:
    data = parse_body(request, FreightTemplateIn)
    return render(_out(await service.create(data=data, staff=request.ctx.staff)), status=201)


@bp.get("/freight-templates/<freight_template_id:id>")
@doc(
    summary="One freight template",
    tag="admin-freight",
    response=FreightTemplateOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.SETTINGS_READ)
async def get(request: Request, freight_template_id: int) -> HTTPResponse:
    return render(_out(await service.get(template_id=freight_template_id)))


@bp.put("/freight-templates/<freight_template_id:id>")
@doc(
    summary="Replace a freight template (new orders follow it)",
    tag="admin-freight",
    body=FreightTemplateIn,
    response=FreightTemplateOut,
    secured=True,
    errors=(403, 404),
)
@admin_required(Permission.SETTINGS_WRITE)
async def update(request: Request, freight_template_id: int) -> HTTPResponse:
    data = parse_body(request, FreightTemplateIn)
    template = await service.update(
        template_id=freight_template_id, data=data, staff=request.ctx.staff
    )
    return render(_out(template))


@bp.delete("/freight-templates/<freight_template_id:id>")
@doc(
    summary="Delete a freight template no live product names (else 409 template_in_use)",
    tag="admin-freight",
    status=204,
    secured=True,
    errors=(403, 404, 409),
)
@admin_required(Permission.SETTINGS_WRITE)
async def delete(request: Request, freight_template_id: int) -> HTTPResponse:
    await service.delete(template_id=freight_template_id, staff=request.ctx.staff)
    return empty()
