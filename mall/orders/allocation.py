"""Each order item's share of the order's freight and discount, exact to the fen.

Shares are split by largest remainder (Hamilton): every item gets the floor of its
proportional share, and the fen left over go one each to the items with the largest
remainders (ties to the earlier item), so the shares always sum exactly to the order's
amounts. An item's paid share (its goods, plus its freight share, less its discount share)
is what a refund of the whole item gives back; the paid shares of an order sum to its
pay_amount, so refunding everything, in any number of parts, returns exactly what was paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` fen over `weights` (non-negative) in proportion, summing exactly to it.

    All-zero weights split it evenly (by the same rule); no weights and a zero total is [].
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("amounts and weights are never negative")
    if not weights:
        if total:
            raise ValueError("nothing to split an amount over")
        return []
    if sum(weights) == 0:
        weights = [1] * len(weights)
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares


@dataclass(frozen=True)
class Share:
    """One item's part of its order's freight and discount (fen)."""

    amount: int  # price x quantity
    freight: int
    discount: int

    @property
    def paid(self) -> int:
        return self.amount + self.freight - self.discount


def shares(
    *, amounts: Sequence[int], covered: Sequence[bool], freight: int, discount: int
) -> list[Share]:
    """Freight over every item by its amount; the discount over the items the coupon covers
    (`covered`), by their amounts. A covered item's discount share never exceeds its amount
    (a coupon never takes more than the goods it covers), so no paid share is negative."""
    freight_shares = largest_remainder(freight, amounts)
    covered_amounts = [a if c else 0 for a, c in zip(amounts, covered, strict=True)]
    if discount and not any(covered):
        raise ValueError("a discount needs an item it covers")
    discount_shares = (
        largest_remainder(discount, covered_amounts) if discount else [0] * len(amounts)
    )
    return [
        Share(amount=a, freight=f, discount=d)
        for a, f, d in zip(amounts, freight_shares, discount_shares, strict=True)
    ]


def adjust_shares(adjust: int, paid: Sequence[int]) -> list[int]:
    """Split a price adjustment (fen, negative for a reduction) over items by what each
    pays before it (`paid`), summing exactly to it. A reduction is smaller than the total
    paid (an order always costs at least 1 fen), so no item ends up paying less than 0:
    its share is at most the ceiling of its proportional part, which is below its paid."""
    if adjust >= 0:
        return largest_remainder(adjust, paid)
    if -adjust >= sum(paid):
        raise ValueError("a reduction leaves the order at least 1 fen")
    return [-share for share in largest_remainder(-adjust, paid)]


def refund_for(*, paid: int, quantity: int, taken: int, taken_amount: int, asked: int) -> int:
    """The refund for `asked` more units of an item whose paid share is `paid` for `quantity`
    units, when `taken` units worth `taken_amount` are already refunded or being refunded.

    The first n units of the item are worth paid*n//quantity (unit by unit, each is worth
    paid//quantity or one fen more, as a largest-remainder split gives); this request gets
    what brings the item there for taken+asked units, never less than 0 and never more
    than is left. Requests that end up taking every unit sum exactly to
    `paid`, whatever was asked, withdrawn or refused on the way.
    """
    if not 0 < asked <= quantity - taken:
        raise ValueError("asked for more units than are left")
    if taken + asked == quantity:
        return paid - taken_amount
    return min(max(0, paid * (taken + asked) // quantity - taken_amount), paid - taken_amount)
