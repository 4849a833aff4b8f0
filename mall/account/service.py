"""Profile edits and the address book, always scoped to the calling user."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from mall import events
from mall.account.schemas import AddressIn, MePatch
from mall.errors import Conflict, NotFound, ValidationFailed
from mall.reviews import moderation
from mall.runtime import Runtime
from models import Address, User

MAX_ADDRESSES = 20
MAX_AVATAR_URL = 512


async def update_profile(rt: Runtime, *, user: User, patch: MePatch) -> User:
    """Change nickname and/or avatar; fields left out stay as they are. A new nickname goes
    through WeChat's msgSecCheck (profile scene): risky is 422 content_rejected; one WeChat
    wants a person to look at is held as `nickname_pending` (the old one stays what others
    see) and announced to staff (admin channel) until they decide. A nickname that passes
    replaces any held one."""
    changes: dict[str, str | None] = {}
    needs_look = False
    wanted = patch.nickname
    if wanted is not None and wanted == user.nickname and user.nickname_pending is not None:
        changes["nickname_pending"] = None  # back to the name it has: nothing to look at
    elif wanted is not None and wanted != user.nickname and wanted != user.nickname_pending:
        verdict = await moderation.check_nickname(client=rt.wechat, user=user, nickname=wanted)
        needs_look = verdict == "review"
        if needs_look:
            changes["nickname_pending"] = wanted
        else:
            changes["nickname"], changes["nickname_pending"] = wanted, None
    if patch.avatar_url is not None:
        url = str(patch.avatar_url)
        if len(url) > MAX_AVATAR_URL:
            raise ValidationFailed(
                details=[
                    {"field": "avatar_url", "message": "at most 512 characters", "type": "too_long"}
                ]
            )
        changes["avatar_url"] = url
    if changes:
        async with in_transaction():
            await User.filter(id=user.id).update(**changes)
            recorded = (
                [
                    await events.record(
                        channel=events.ADMIN_CHANNEL,
                        name="user.nickname_review",
                        data={"user_id": user.id, "nickname": wanted},
                    )
                ]
                if needs_look
                else []
            )
        await rt.events.publish(recorded)
        for key, value in changes.items():
            setattr(user, key, value)
    return user


async def get_all(*, user: User) -> list[Address]:
    return await Address.filter(user_id=user.id).order_by("-is_default", "-id")


async def get(*, user: User, address_id: int) -> Address:
    """The user's own address; someone else's is indistinguishable from a missing one."""
    address = await Address.get_or_none(id=address_id, user_id=user.id)
    if address is None:
        raise NotFound("Address not found", code="address_not_found")
    return address


async def create(*, user: User, data: AddressIn) -> Address:
    """Add an address; the first one, or one marked default, becomes the only default."""
    async with in_transaction():
        # Lock the user row so two concurrent creates cannot both pass the limit or
        # both become default.
        await User.filter(id=user.id).select_for_update().first()
        count = await Address.filter(user_id=user.id).count()
        if count >= MAX_ADDRESSES:
            raise Conflict(f"At most {MAX_ADDRESSES} addresses", code="address_limit")
        make_default = data.is_default or count == 0
        if make_default:
            await Address.filter(user_id=user.id, is_default=True).update(is_default=False)
        return await Address.create(
            user_id=user.id, **data.model_dump(exclude={"is_default"}), is_default=make_default
        )


async def update(*, user: User, address_id: int, data: AddressIn) -> Address:
    """Replace an address; unsetting the only default keeps it default."""
    async with in_transaction():
        await User.filter(id=user.id).select_for_update().first()
        address = await get(user=user, address_id=address_id)
        keep_default = address.is_default and not data.is_default
        if data.is_default:
            await (
                Address.filter(user_id=user.id, is_default=True)
                .exclude(id=address.id)
                .update(is_default=False)
            )
        for key, value in data.model_dump(exclude={"is_default"}).items():
            setattr(address, key, value)
        address.is_default = data.is_default or keep_default
        await address.save()
        return address


async def delete(*, user: User, address_id: int) -> None:
    """Remove an address; if it was the default, the newest remaining one takes over."""
    async with in_transaction():
        await User.filter(id=user.id).select_for_update().first()
        address = await get(user=user, address_id=address_id)
        await address.delete()
        if address.is_default:
            successor = await Address.filter(user_id=user.id).order_by("-id").first()
            if successor is not None:
                await Address.filter(id=successor.id).update(is_default=True)
