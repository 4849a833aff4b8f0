"""What shipping costs: the pure computation, from templates, an order's lines and the
province it goes to.

Lines are grouped by their product's template (the shop's default for products that name
none); each group pays its template's fee for the province, and the order pays the sum.
A group's fee is the first fee for up to `first` units (pieces, or grams) and the
additional fee for every started `additional` units beyond; a free rule that applies to
the province and whose minimums the group meets makes it 0. A province the template
excludes, or that none of its rules covers, is not served.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Rule:
    regions: frozenset[str]  # empty: every province no other rule names
    first: int
    first_fee: int
    additional: int
    additional_fee: int


@dataclass(frozen=True, slots=True)
class FreeRule:
    regions: frozenset[str]  # empty: everywhere
    min_amount: int | None
    min_quantity: int | None


@dataclass(frozen=True, slots=True)
class Template:
    id: int | None  # None: the shop's flat settings
    charge_by: str  # piece | weight
    rules: tuple[Rule, ...]
    free_rules: tuple[FreeRule, ...] = ()
    excluded: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Line:
    product_id: int
    template_id: int | None  # None: the default template
    amount: int  # fen
    quantity: int
    weight: int  # grams, per piece


class NotServed(Exception):
    """The province is one the templates of these products do not ship to."""

    def __init__(self, province: str, product_ids: Sequence[int]) -> None:
        super().__init__(f"no shipping to {province}")
        self.province = province
        self.product_ids = list(product_ids)


def flat(freight_flat: int, free_shipping_threshold: int) -> Template:
    """The shop's flat settings as a template: one fee everywhere, free at the threshold
    (0: never free)."""
    free = (FreeRule(frozenset(), free_shipping_threshold, None),)
    return Template(
        id=None,
        charge_by="piece",
        rules=(Rule(frozenset(), 1, freight_flat, 1, 0),),
        free_rules=free if free_shipping_threshold else (),
    )


def from_row(
    *,
    id: int,
    charge_by: str,
    rules: Iterable[dict[str, Any]],
    free_rules: Iterable[dict[str, Any]],
    excluded_regions: Iterable[str],
) -> Template:
    """A template as stored (FreightTemplate's JSON columns)."""
    return Template(
        id=id,
        charge_by=charge_by,
        rules=tuple(
            Rule(
                frozenset(r.get("regions") or ()),
                int(r["first"]),
                int(r["first_fee"]),
                int(r["additional"]),
                int(r["additional_fee"]),
            )
            for r in rules
        ),
        free_rules=tuple(
            FreeRule(frozenset(f.get("regions") or ()), f.get("min_amount"), f.get("min_quantity"))
            for f in free_rules
        ),
        excluded=frozenset(excluded_regions),
    )


def rule_for(template: Template, province: str) -> Rule | None:
    """The rule naming the province, else the catch-all rule; None if not served."""
    if province in template.excluded:
        return None
    catch_all = None
    for rule in template.rules:
        if province in rule.regions:
            return rule
        if not rule.regions:
            catch_all = rule
    return catch_all


def group_fee(template: Template, province: str, *, amount: int, quantity: int, weight: int) -> int:
    """The fee of one template's lines (goods AMOUNT fen, QUANTITY pieces, WEIGHT grams);
    NotServed (with no product ids) when the template does not ship there."""
    rule = rule_for(template, province)
    if rule is None:
        raise NotServed(province, [])
    for free in template.free_rules:
        if free.regions and province not in free.regions:
            continue
        if free.min_amount is None and free.min_quantity is None:
            continue
        if (free.min_amount is None or amount >= free.min_amount) and (
            free.min_quantity is None or quantity >= free.min_quantity
        ):
            return 0
    units = weight if template.charge_by == "weight" else quantity
    if units <= rule.first:
        return rule.first_fee
    steps = -(-(units - rule.first) // rule.additional)  # started steps: ceiling division
    return rule.first_fee + steps * rule.additional_fee


def freight(
    lines: Sequence[Line], province: str, *, templates: dict[int, Template], default: Template
) -> int:
    """The order's freight: each template's group fee, summed; NotServed naming every
    product whose template does not ship to the province."""
    groups: dict[int | None, list[Line]] = {}
    for line in lines:
        key = line.template_id if line.template_id in templates else None
        groups.setdefault(key, []).append(line)
    total = 0
    refused: list[int] = []
    for key, group in groups.items():
        template = templates[key] if key is not None else default
        try:
            total += group_fee(
                template,
                province,
                amount=sum(line.amount for line in group),
                quantity=sum(line.quantity for line in group),
                weight=sum(line.weight * line.quantity for line in group),
            )
        except NotServed:
            refused += sorted({line.product_id for line in group})
    if refused:
        raise NotServed(province, refused)
    return total
