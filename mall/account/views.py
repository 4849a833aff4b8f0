"""GET/PATCH /me and the /addresses book."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty

from mall.account import service
from mall.account.schemas import AddressIn, AddressList, AddressOut, MePatch
from mall.auth.guards import user_required
from mall.auth.presenters import me_out
from mall.auth.schemas import MeOut
from mall.context import runtime_of
from mall.web import doc, parse_body, render
from models import Address

bp = Blueprint("account")


def address_out(address: Address) -> AddressOut:
    return AddressOut.model_validate(address, from_attributes=True)


@bp.get("/me")
@doc(summary="The logged-in customer", tag="account", response=MeOut, secured=True)
@user_required
async def me(request: Request) -> HTTPResponse:
    return render(me_out(request.ctx.user))


@bp.patch("/me")
@doc(
    summary="Change nickname or avatar",
    description="A new nickname goes through WeChat's content check: a risky one is 422 "
    "content_rejected; one WeChat wants a person to look at is kept as `nickname_pending` "
    "(others keep seeing the old nickname) until staff approve it.",
    tag="account",
    body=MePatch,
    response=MeOut,
    secured=True,
    errors=(502,),
)
@user_required
async def patch_me(request: Request) -> HTTPResponse:
    patch = parse_body(request, MePatch)
    user = await service.update_profile(runtime_of(request), user=request.ctx.user, patch=patch)
    return render(me_out(user))


@bp.get("/addresses")
@doc(summary="The address book, default first", tag="account", response=AddressList, secured=True)
@user_required
async def list_addresses(request: Request) -> HTTPResponse:
    addresses = await service.get_all(user=request.ctx.user)
    return render(AddressList(items=[address_out(a) for a in addresses]))


@bp.post("/addresses")
@doc(
    summary="Add an address",
    tag="account",
    body=AddressIn,
    response=AddressOut,
    status=201,
    secured=True,
    errors=(409,),
)
@user_required
async def create_address(request: Request) -> HTTPResponse:
    data = parse_body(request, AddressIn)
    address = await service.create(user=request.ctx.user, data=data)
    return render(address_out(address), status=201)


@bp.get("/addresses/<address_id:id>")
@doc(summary="One address", tag="account", response=AddressOut, secured=True, errors=(404,))
@user_required
async def get_address(request: Request, address_id: int) -> HTTPResponse:
    address = await service.get(user=request.ctx.user, address_id=address_id)
    return render(address_out(address))


@bp.put("/addresses/<address_id:id>")
@doc(
    summary="Replace an address",
    tag="account",
    body=AddressIn,
    response=AddressOut,
    secured=True,
    errors=(404,),
)
@user_required
async def put_address(request: Request, address_id: int) -> HTTPResponse:
    data = parse_body(request, AddressIn)
    address = await service.update(user=request.ctx.user, address_id=address_id, data=data)
    return render(address_out(address))


@bp.delete("/addresses/<address_id:id>")
@doc(summary="Delete an address", tag="account", status=204, secured=True, errors=(404,))
@user_required
async def delete_address(request: Request, address_id: int) -> HTTPResponse:
    await service.delete(user=request.ctx.user, address_id=address_id)
    return empty()
