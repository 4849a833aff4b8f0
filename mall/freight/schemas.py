"""Freight template models of the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from mall.freight.regions import PROVINCES, Province
from mall.web import LINE, Omittable, PageQuery, Schema, inconsistent_error

MAX_FEE = 100_000_00  # fen
MAX_UNITS = 10_000_000  # pieces or grams
Fee = Annotated[int, Field(ge=0, le=MAX_FEE, description="fen")]
Regions = Annotated[list[Province], Field(max_length=len(PROVINCES))]


def _no_repeats(regions: list[str]) -> list[str]:
    if len(set(regions)) != len(regions):
        raise inconsistent_error("a province is named twice")
    return regions


class RuleIn(Schema):
    regions: Regions = Field(
        default_factory=list,
        description="provinces this rule prices; empty: every province no other rule names",
    )
    first: int = Field(ge=1, le=MAX_UNITS, description="pieces, or grams, the first fee covers")
    first_fee: Fee
    additional: int = Field(ge=1, le=MAX_UNITS, description="each further step of units")
    additional_fee: Fee = Field(description="fen per started step beyond the first")

    _regions = field_validator("regions")(_no_repeats)


class FreeRuleIn(Schema):
    """At least one minimum; the order ships free where every minimum given is met."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["min_amount"]}, {"required": ["min_quantity"]}]}
    )

    regions: Regions = Field(default_factory=list, description="empty: everywhere")
    min_amount: Omittable[Annotated[int, Field(ge=0, le=MAX_FEE * 100)]] = Field(
        None, description="fen of goods (of this template's products)"
    )
    min_quantity: Omittable[Annotated[int, Field(ge=1, le=MAX_UNITS)]] = Field(
        None, description="pieces (of this template's products)"
    )

    _regions = field_validator("regions")(_no_repeats)

    @model_validator(mode="after")
    def _a_minimum(self) -> FreeRuleIn:
        if self.min_amount is None and self.min_quantity is None:
            raise ValueError("give min_amount, min_quantity or both")
        return self


class FreightTemplateIn(Schema):
    name: str = Field(min_length=1, max_length=64, pattern=LINE)
    charge_by: Literal["piece", "weight"] = Field(description="weight: the SKUs' grams")
    rules: list[RuleIn] = Field(
        min_length=1,
        max_length=50,
        description="no province in two rules, at most one rule without regions, none of "
        "the excluded regions (else 422, type inconsistent)",
    )
    free_rules: list[FreeRuleIn] = Field(default_factory=list, max_length=50)
    excluded_regions: Regions = Field(
        default_factory=list, description="provinces not served: checkout answers 409"
    )
    is_default: bool = Field(
        False, description="the template of products that name none (one at a time)"
    )

    _excluded = field_validator("excluded_regions")(_no_repeats)

    @field_validator("rules")
    @classmethod
    def _rules_consistent(cls, rules: list[RuleIn]) -> list[RuleIn]:
        named = [region for rule in rules for region in rule.regions]
        if len(set(named)) != len(named):
            raise inconsistent_error("a province is in two rules")
        if sum(not rule.regions for rule in rules) > 1:
            raise inconsistent_error("at most one rule covers every other province")
        return rules

    @model_validator(mode="after")
    def _excluded_not_priced(self) -> FreightTemplateIn:
        priced = {region for rule in self.rules for region in rule.regions}
        if priced & set(self.excluded_regions):
            raise inconsistent_error("an excluded province has a rule")
        return self


class RuleOut(Schema):
    regions: list[str]
    first: int
    first_fee: int
    additional: int
    additional_fee: int


class FreeRuleOut(Schema):
    regions: list[str]
    min_amount: int | None
    min_quantity: int | None


class FreightTemplateOut(Schema):
    id: int
    name: str
    charge_by: Literal["piece", "weight"]
    rules: list[RuleOut]
    free_rules: list[FreeRuleOut]
    excluded_regions: list[str]
    is_default: bool
    created_at: datetime
    updated_at: datetime


class FreightTemplateQuery(PageQuery):
    pass
