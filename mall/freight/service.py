"""Freight templates: staff's CRUD (audited), and the quote checkout asks for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from mall.admin.audit import Staff, record
from mall.errors import Conflict, NotFound
from mall.freight import calc
from mall.freight.schemas import FreightTemplateIn
from mall.shop.schemas import ShopSettingsDoc
from models import FreightTemplate, Product

REGION_NOT_SERVED = "region_not_served"


def _stored(data: FreightTemplateIn) -> dict[str, Any]:
    return {
        "name": data.name,
        "charge_by": data.charge_by,
        "rules": [rule.model_dump() for rule in data.rules],
        "free_rules": [free.model_dump() for free in data.free_rules],
        "excluded_regions": list(data.excluded_regions),
    }


async def get(*, template_id: int) -> FreightTemplate:
    """One template; 404 if there is none."""
    template = await FreightTemplate.get_or_none(id=template_id)
    if template is None:
        raise NotFound("Freight template not found", code="freight_template_not_found")
    return template


async def get_all(*, offset: int, limit: int) -> tuple[list[FreightTemplate], int]:
    """Templates, the default first, then by id."""
    total = await FreightTemplate.all().count()
    page = await FreightTemplate.all().order_by("-is_default", "id").offset(offset).limit(limit)
    return page, total


async def _lock_default(conn: Any) -> None:
    """Serialize the changes of which template is the default (until the transaction
    ends), so two made default at once end with exactly one; taken before any row lock."""
    await conn.execute_query("SELECT pg_advisory_xact_lock(hashtext('mall:freight_default'))")


async def _make_default(template_id: int) -> None:
    await FreightTemplate.filter(is_default=True).exclude(id=template_id).update(is_default=False)
    await FreightTemplate.filter(id=template_id).update(is_default=True)


async def create(*, data: FreightTemplateIn, staff: Staff) -> FreightTemplate:
    """A new template (the default, if it says so)."""
    async with in_transaction() as conn:
        if data.is_default:
            await _lock_default(conn)
        template = await FreightTemplate.create(**_stored(data), is_default=False)
        if data.is_default:
            await _make_default(template.id)
        await record(
            staff,
            "freight_template.create",
            target_type="freight_template",
            target_id=template.id,
            detail=data.model_dump(mode="json"),
        )
    return await FreightTemplate.get(id=template.id)


async def update(*, template_id: int, data: FreightTemplateIn, staff: Staff) -> FreightTemplate:
    """Replace a template; it applies to orders placed from now on."""
    async with in_transaction() as conn:
        if data.is_default:
            await _lock_default(conn)
        template = await FreightTemplate.filter(id=template_id).select_for_update().first()
        if template is None:
            raise NotFound("Freight template not found", code="freight_template_not_found")
        old = {
            "name": template.name,
            "charge_by": template.charge_by,
            "rules": template.rules,
            "free_rules": template.free_rules,
            "excluded_regions": template.excluded_regions,
            "is_default": template.is_default,
        }
        await FreightTemplate.filter(id=template_id).update(
            **_stored(data), is_default=template.is_default and data.is_default
        )
        if data.is_default and not template.is_default:
            await _make_default(template_id)
        await record(
            staff,
            "freight_template.update",
            target_type="freight_template",
            target_id=template_id,
            detail={"old": old, "new": data.model_dump(mode="json")},
        )
    return await FreightTemplate.get(id=template_id)


async def delete(*, template_id: int, staff: Staff) -> None:
    """Delete a template no live product names (409 template_in_use names how many do)."""
    async with in_transaction():
        template = await FreightTemplate.filter(id=template_id).select_for_update().first()
        if template is None:
            raise NotFound("Freight template not found", code="freight_template_not_found")
        used = await Product.filter(freight_template_id=template_id, archived_at=None).count()
        if used:
            raise Conflict(
                "Products use this freight template",
                code="template_in_use",
                details={"products": used},
            )
        await Product.filter(freight_template_id=template_id).update(freight_template_id=None)
        await FreightTemplate.filter(id=template_id).delete()
        await record(
            staff,
            "freight_template.delete",
            target_type="freight_template",
            target_id=template_id,
            detail={"name": template.name, "was_default": template.is_default},
        )


async def exists(template_id: int) -> bool:
    return await FreightTemplate.filter(id=template_id).exists()


async def quote(*, lines: Sequence[calc.Line], province: str, shop: ShopSettingsDoc) -> int:
    """The freight of these lines to the province; 409 region_not_served names the
    products whose template does not ship there."""
    ids = {line.template_id for line in lines if line.template_id is not None}
    rows = await FreightTemplate.filter(id__in=list(ids)) if ids else []
    templates = {row.id: _template(row) for row in rows}
    default_row = await FreightTemplate.filter(is_default=True).order_by("id").first()
    default = (
        _template(default_row)
        if default_row is not None
        else calc.flat(shop.freight_flat, shop.free_shipping_threshold)
    )
    try:
        return calc.freight(lines, province, templates=templates, default=default)
    except calc.NotServed as refused:
        raise Conflict(
            f"The shop does not ship to {province}",
            code=REGION_NOT_SERVED,
            details={"province": province, "product_ids": refused.product_ids},
        ) from None


def _template(row: FreightTemplate) -> calc.Template:
    return calc.from_row(
        id=row.id,
        charge_by=row.charge_by,
        rules=row.rules,
        free_rules=row.free_rules,
        excluded_regions=row.excluded_regions,
    )
