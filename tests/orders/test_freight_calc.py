"""The freight computation, property-tested: every template's fee follows its rule for the
province, free rules and exclusions hold, and an order's freight is its groups' sum."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mall.freight import calc
from mall.freight.regions import PROVINCES

provinces = st.sampled_from(PROVINCES)
fees = st.integers(min_value=0, max_value=5_000)
units = st.integers(min_value=1, max_value=5_000)


@st.composite
def rules(draw: st.DrawFn) -> tuple[calc.Rule, ...]:
    """Rules over disjoint provinces, with or without a catch-all."""
    shuffled = draw(st.permutations(PROVINCES))
    count = draw(st.integers(min_value=0, max_value=4))
    cuts = sorted(draw(st.lists(st.integers(0, len(shuffled)), min_size=count, max_size=count)))
    named = []
    start = 0
    for cut in cuts:
        if cut > start:
            named.append(frozenset(shuffled[start:cut]))
            start = cut
    with_catch_all = draw(st.booleans()) or not named
    regions = [*named, frozenset()] if with_catch_all else named
    return tuple(calc.Rule(r, draw(units), draw(fees), draw(units), draw(fees)) for r in regions)


@st.composite
def templates(draw: st.DrawFn, template_id: int | None = None) -> calc.Template:
    rule_set = draw(rules())
    priced = {p for rule in rule_set for p in rule.regions}
    rest = [p for p in PROVINCES if p not in priced]
    excluded = draw(st.frozensets(st.sampled_from(rest))) if rest else frozenset()
    free = draw(
        st.lists(
            st.builds(
                calc.FreeRule,
                st.frozensets(provinces, max_size=5),
                st.one_of(st.none(), st.integers(0, 50_000)),
                st.one_of(st.none(), st.integers(1, 20)),
            ),
            max_size=2,
        )
    )
    return calc.Template(
        id=template_id,
        charge_by=draw(st.sampled_from(["piece", "weight"])),
        rules=rule_set,
        free_rules=tuple(f for f in free if f.min_amount is not None or f.min_quantity is not None),
        excluded=excluded if draw(st.booleans()) else frozenset(),
    )


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


@settings(max_examples=300, deadline=None)
@given(
    template=templates(),
    province=provinces,
    amount=st.integers(0, 100_000),
    quantity=st.integers(1, 50),
    weight=st.integers(0, 20_000),
)
def test_a_group_pays_its_rule_unless_free_or_not_served(
    template: calc.Template, province: str, amount: int, quantity: int, weight: int
) -> None:
    named = [rule for rule in template.rules if province in rule.regions]
    catch_all = [rule for rule in template.rules if not rule.regions]
    rule = None if province in template.excluded else (named or catch_all or [None])[0]
    if rule is None:
        with pytest.raises(calc.NotServed):
            calc.group_fee(template, province, amount=amount, quantity=quantity, weight=weight)
        return
    fee = calc.group_fee(template, province, amount=amount, quantity=quantity, weight=weight)
    free = any(
        (not f.regions or province in f.regions)
        and (f.min_amount is None or amount >= f.min_amount)
        and (f.min_quantity is None or quantity >= f.min_quantity)
        for f in template.free_rules
    )
    if free:
        assert fee == 0
        return
    measured = weight if template.charge_by == "weight" else quantity
    # the first fee covers up to `first` units; every started step beyond adds its fee
    assert fee >= rule.first_fee
    assert fee - rule.first_fee == rule.additional_fee * _ceil_div(
        max(0, measured - rule.first), rule.additional
    )
    # never less for more (without free rules, which only ever lower it to 0)
    more = calc.group_fee(
        template, province, amount=amount, quantity=quantity + 1, weight=weight + 500
    )
    assert more >= fee or more == 0


@settings(max_examples=200, deadline=None)
@given(
    default=templates(),
    other=templates(template_id=7),
    province=provinces,
    lines=st.lists(
        st.tuples(
            st.integers(1, 5),  # product
            st.sampled_from([None, 7, 99]),  # its template (99: deleted: the default)
            st.integers(1, 10_000),  # price
            st.integers(1, 5),  # quantity
            st.integers(0, 3_000),  # grams per piece
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_an_order_pays_the_sum_of_its_template_groups(
    default: calc.Template, other: calc.Template, province: str, lines: list[tuple]
) -> None:
    order = [calc.Line(p, t, price * q, q, g) for p, t, price, q, g in lines]
    groups = {
        key: [line for line in order if (line.template_id == 7) == (key == 7)]
        for key in {7 if line.template_id == 7 else None for line in order}
    }
    expected = 0
    refused: set[int] = set()
    for key, group in groups.items():
        template = other if key == 7 else default
        try:
            expected += calc.group_fee(
                template,
                province,
                amount=sum(line.amount for line in group),
                quantity=sum(line.quantity for line in group),
                weight=sum(line.weight * line.quantity for line in group),
            )
        except calc.NotServed:
            refused |= {line.product_id for line in group}
    if refused:
        with pytest.raises(calc.NotServed) as info:
            calc.freight(order, province, templates={7: other}, default=default)
        assert set(info.value.product_ids) == refused
    else:
        assert calc.freight(order, province, templates={7: other}, default=default) == expected


@given(
    flat_fee=st.integers(0, 5_000),
    threshold=st.integers(0, 50_000),
    amount=st.integers(1, 100_000),
    quantity=st.integers(1, 50),
    province=provinces,
)
def test_the_flat_settings_behave_as_before(
    flat_fee: int, threshold: int, amount: int, quantity: int, province: str
) -> None:
    # What the shop charged before templates: the flat fee, waived at the threshold.
    before = 0 if threshold and amount >= threshold else flat_fee
    line = calc.Line(1, None, amount, quantity, 0)
    template = calc.flat(flat_fee, threshold)
    assert calc.freight([line], province, templates={}, default=template) == before


def test_worked_example_by_weight() -> None:
    # 1 kg for 10 yuan, then 5 yuan per started 500 g; Xinjiang 20 + 10; free over 199 yuan
    # to the Yangtze delta; Tibet not served.
    template = calc.Template(
        id=1,
        charge_by="weight",
        rules=(
            calc.Rule(frozenset(), 1000, 1000, 500, 500),
            calc.Rule(frozenset({"新疆维吾尔自治区"}), 1000, 2000, 500, 1000),
        ),
        free_rules=(calc.FreeRule(frozenset({"上海市", "江苏省", "浙江省"}), 19900, None),),
        excluded=frozenset({"西藏自治区"}),
    )
    fee = calc.group_fee
    assert fee(template, "广东省", amount=5000, quantity=1, weight=1000) == 1000
    assert fee(template, "广东省", amount=5000, quantity=1, weight=1001) == 1500
    assert fee(template, "广东省", amount=5000, quantity=3, weight=2600) == 1000 + 4 * 500
    assert fee(template, "新疆维吾尔自治区", amount=5000, quantity=1, weight=1600) == 2000 + 2000
    assert fee(template, "浙江省", amount=19900, quantity=1, weight=9000) == 0
    assert fee(template, "浙江省", amount=19899, quantity=1, weight=900) == 1000
    with pytest.raises(calc.NotServed):
        fee(template, "西藏自治区", amount=5000, quantity=1, weight=100)
