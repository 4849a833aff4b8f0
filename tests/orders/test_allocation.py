"""Discount and freight shares per item, and partial refunds of them: exact to the fen."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st

from mall.orders.allocation import adjust_shares, largest_remainder, refund_for, shares
from models import CouponTemplate, OrderItem, UserCoupon
from tests.factories import make_address, make_buyers, make_product

amounts = st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=12)


@given(total=st.integers(min_value=0, max_value=10**8), weights=amounts)
def test_largest_remainder_sums_exactly_and_stays_within_a_fen(
    total: int, weights: list[int]
) -> None:
    split = largest_remainder(total, weights)
    assert sum(split) == total
    whole = sum(weights) or len(weights)
    for share, weight in zip(split, weights or [], strict=True):
        exact = total * (weight if sum(weights) else 1) / whole
        assert exact - 1 < share < exact + 1


@st.composite
def orders(draw: st.DrawFn) -> tuple[list[int], list[bool], int, int]:
    """Random priced lines (price x quantity), which the coupon covers, freight, discount."""
    lines = draw(
        st.lists(
            st.tuples(st.integers(0, 99_999), st.integers(1, 999), st.booleans()),
            min_size=1,
            max_size=10,
        )
    )
    line_amounts = [price * quantity for price, quantity, _ in lines]
    covered = [c for _, _, c in lines]
    freight = draw(st.integers(0, 5_000))
    covered_total = sum(a for a, c in zip(line_amounts, covered, strict=True) if c)
    ceiling = min(covered_total, sum(line_amounts) + freight - 1)
    discount = draw(st.integers(0, ceiling)) if ceiling > 0 else 0
    return line_amounts, covered, freight, discount


@given(order=orders())
def test_item_shares_sum_exactly_to_the_order(
    order: tuple[list[int], list[bool], int, int],
) -> None:
    line_amounts, covered, freight, discount = order
    split = shares(amounts=line_amounts, covered=covered, freight=freight, discount=discount)
    assert sum(s.freight for s in split) == freight
    assert sum(s.discount for s in split) == discount
    pay_amount = sum(line_amounts) + freight - discount
    assert sum(s.paid for s in split) == pay_amount
    for share, is_covered in zip(split, covered, strict=True):
        assert 0 <= share.discount <= share.amount
        assert is_covered or share.discount == 0
        assert share.paid >= 0


@given(
    paid=st.integers(0, 10**7),
    quantity=st.integers(1, 30),
    moves=st.lists(st.tuples(st.integers(1, 30), st.booleans()), max_size=20),
)
def test_partial_refunds_of_an_item_never_exceed_and_finally_equal_its_paid_share(
    paid: int, quantity: int, moves: list[tuple[int, bool]]
) -> None:
    """Requests for some units, some withdrawn again (True), in any order; then the rest."""
    active: list[tuple[int, int]] = []  # (units, amount) of requests still standing
    for asked, withdraw in moves:
        taken = sum(u for u, _ in active)
        if withdraw and active:
            active.pop(asked % len(active))
            continue
        if asked > quantity - taken:
            continue
        amount = refund_for(
            paid=paid,
            quantity=quantity,
            taken=taken,
            taken_amount=sum(a for _, a in active),
            asked=asked,
        )
        assert amount >= 0
        active.append((asked, amount))
        assert sum(a for _, a in active) <= paid
    taken = sum(u for u, _ in active)
    if taken < quantity:
        rest = refund_for(
            paid=paid,
            quantity=quantity,
            taken=taken,
            taken_amount=sum(a for _, a in active),
            asked=quantity - taken,
        )
        active.append((quantity - taken, rest))
    assert sum(a for _, a in active) == paid


@given(paid=st.integers(0, 10**7), quantity=st.integers(1, 50))
def test_one_unit_at_a_time_is_the_largest_remainder_split(paid: int, quantity: int) -> None:
    taken_amount = 0
    units = []
    for taken in range(quantity):
        amount = refund_for(
            paid=paid, quantity=quantity, taken=taken, taken_amount=taken_amount, asked=1
        )
        units.append(amount)
        taken_amount += amount
    assert sorted(units) == sorted(largest_remainder(paid, [1] * quantity))


async def test_a_discounted_order_records_each_items_share(
    client: httpx.AsyncClient, settings
) -> None:
    _, skus = await make_product(
        skus=[({"色": "红"}, 3333, 10), ({"色": "蓝"}, 1001, 10), ({"色": "绿"}, 7, 10)]
    )
    [(user, headers)] = await make_buyers(settings, 1, prefix="shares")
    template = await CouponTemplate.create(
        name="满50减17.77", kind="fixed", amount_off=1777, threshold=5000, scope="all"
    )
    coupon = await UserCoupon.create(
        user_id=user.id,
        template_id=template.id,
        state="claimed",
        valid_from=datetime.now(UTC) - timedelta(hours=1),
        valid_until=datetime.now(UTC) + timedelta(days=1),
    )
    body = {
        "items": [
            {"sku_id": skus[0].id, "quantity": 1},
            {"sku_id": skus[1].id, "quantity": 3},
            {"sku_id": skus[2].id, "quantity": 2},
        ],
        "address_id": await make_address(user.id),
        "coupon_id": coupon.id,
    }
    resp = await client.post(
        "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
    )
    assert resp.status_code == 201, resp.text
    order = resp.json()
    assert order["discount_amount"] == 1777
    items = await OrderItem.filter(order_id=order["id"]).order_by("id")
    assert sum(i.discount_share for i in items) == order["discount_amount"]
    assert sum(i.freight_share for i in items) == order["freight_amount"]
    assert sum(i.paid_amount for i in items) == order["pay_amount"]
    # 1777 over 3333 : 3003 : 14 (6350): floors 932, 840, 3 = 1775, the two largest
    # remainders get the last two fen.
    assert [i.discount_share for i in items] == [933, 840, 4]
    shown = {i["id"]: i for i in order["items"]}
    for item in items:
        assert shown[item.id]["paid_amount"] == item.paid_amount
        assert shown[item.id]["discount_share"] == item.discount_share


@given(
    paid=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=12),
    data=st.data(),
)
def test_a_price_adjustment_splits_exactly_and_never_below_zero(
    paid: list[int], data: st.DataObject
) -> None:
    total = sum(paid)
    if total == 0:
        return
    adjust = data.draw(st.integers(min_value=1 - total, max_value=10**8))
    split = adjust_shares(adjust, paid)
    assert sum(split) == adjust
    after = [p + s for p, s in zip(paid, split, strict=True)]
    assert all(a >= 0 for a in after)
    assert sum(after) == total + adjust >= 1
