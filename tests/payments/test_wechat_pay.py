"""The WeChat Pay gateway (real wechatpayv3 SDK, real RSA and AES-GCM) against the simulator."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import os
import socket
import stat
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.serialization import (
    load_pem_private_key,
    load_pem_public_key,
)
from sanic import Request, Sanic
from sanic.response import HTTPResponse, empty

from mall.config import Settings
from mall.wechat.keys import DevKeys, ensure_dev_keys, private_pem, public_pem
from mall.wechat.pay import (
    NotificationRejected,
    OrderAlreadyPaid,
    PayError,
    PayOrderClosed,
    PayOrderNotFound,
    WeChatPayGateway,
)
from mall.wechat.simulator import (
    SignedNotification,
    SimPayConfig,
    build_notification,
    create_sim_app,
    transaction_resource,
)

Sanic.test_mode = True  # several apps in one process, each test module building its own

APPID = "wx-pay-test-appid"
MCHID = "1900000109"
OPENID = "o-pay-test-openid-000000000001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    """A Sanic app served on a real port inside the test loop."""

    def __init__(self, app: Sanic) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    async def __aenter__(self) -> Running:
        self._server = await self.app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
        )
        assert self._server is not None
        await self._server.startup()
        await self._server.before_start()
        await self._server.after_start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._server.before_stop()
        self._server.close()
        await self._server.wait_closed()
        await self._server.after_stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Stands in for the mall's notify URLs: records each call, answers the queued statuses."""

    url: str
    calls: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, count: int, timeout: float = 3.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count:
            self.arrived.clear()
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"expected {count} notifications, got {len(self.calls)}"
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), remaining)
        return self.calls


@dataclass
class Sim:
    url: str
    http: httpx.AsyncClient

    async def pay(self, out_trade_no: str, **body: Any) -> httpx.Response:
        return await self.http.post(f"/sim/pay/{out_trade_no}", json=body)

    async def settle_refund(self, out_refund_no: str, **body: Any) -> httpx.Response:
        return await self.http.post(f"/sim/refund/{out_refund_no}", json=body)

    async def deliveries(self, *, settled: bool = True) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 3
        while True:
            data = (await self.http.get("/sim/notifications")).json()
            if not settled or data["pending"] == 0 or time.monotonic() > deadline:
                return list(data["deliveries"])
            await asyncio.sleep(0.01)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> DevKeys:
    return ensure_dev_keys(tmp_path_factory.mktemp("pay") / "keys")


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def sim_config(keys: DevKeys) -> SimPayConfig:
    return SimPayConfig.from_pem(
        mchid=MCHID,
        merchant_public_key_pem=keys.merchant_public_key_path.read_bytes(),
        platform_private_key_pem=keys.platform_private_key_path.read_bytes(),
        public_key_id=keys.platform_public_key_id,
        apiv3_key=keys.apiv3_key,
        merchant_serial_no=keys.merchant_serial_no,
        notify_retry_scale=0.001,  # 15 s -> 15 ms
    )


@pytest.fixture(scope="module")
async def shared_receiver() -> AsyncIterator[Receiver]:
    app = Sanic("pay-receiver")
    app.config.OAS = False
    app.config.CORS = False
    app.config.HTTP_AUTO_HEAD = False
    app.config.HTTP_AUTO_OPTIONS = False
    running = Running(app)
    state = Receiver(url=running.url)

    async def notify(request: Request) -> HTTPResponse:
        state.calls.append(Received(request.path, dict(request.headers), request.body))
        state.arrived.set()
        status = state.answers.pop(0) if state.answers else 204
        if status == 204:
            return empty()
        return HTTPResponse(json.dumps({"code": "FAIL", "message": "busy"}), status=status)

    app.add_route(notify, "/notify", methods=["POST"])
    app.add_route(notify, "/refund-notify", methods=["POST"], name="refund_notify")
    async with running:
        yield state


@pytest.fixture
def receiver(shared_receiver: Receiver) -> Receiver:
    shared_receiver.calls.clear()
    shared_receiver.answers.clear()
    return shared_receiver


@pytest.fixture(scope="module")
async def shared_sim(sim_config: SimPayConfig) -> AsyncIterator[Sim]:
    app = create_sim_app(appid=APPID, secret="s", name="wechat-pay-sim", pay=sim_config)
    async with Running(app) as running, httpx.AsyncClient(base_url=running.url) as http:
        yield Sim(url=running.url, http=http)


@pytest.fixture
async def sim(shared_sim: Sim) -> Sim:
    """The module's simulator with its pay side emptied: every test starts from nothing."""
    (await shared_sim.http.post("/sim/pay-reset")).raise_for_status()
    return shared_sim


def make_gateway(sim: Sim, receiver: Receiver, keys: DevKeys, **overrides: Any) -> WeChatPayGateway:
    values: dict[str, Any] = {
        "mchid": MCHID,
        "appid": APPID,
        "private_key_pem": keys.merchant_private_key_path.read_text(),
        "cert_serial_no": keys.merchant_serial_no,
        "apiv3_key": keys.apiv3_key,
        "public_key_pem": keys.platform_public_key_path.read_text(),
        "public_key_id": keys.platform_public_key_id,
        "notify_url": f"{receiver.url}/notify",
        "refund_notify_url": f"{receiver.url}/refund-notify",
        "api_base": sim.url,
        "timeout": 3.0,
    }
    return WeChatPayGateway(**(values | overrides))


@pytest.fixture(scope="module")
async def shared_gateway(
    shared_sim: Sim, shared_receiver: Receiver, keys: DevKeys
) -> AsyncIterator[WeChatPayGateway]:
    async with make_gateway(shared_sim, shared_receiver, keys) as gw:
        yield gw


@pytest.fixture
def gateway(shared_gateway: WeChatPayGateway, sim: Sim, receiver: Receiver) -> WeChatPayGateway:
    """The module's gateway, handed out only after the simulator and receiver are emptied."""
    return shared_gateway


def order_no() -> str:
    return f"T{uuid.uuid4().hex[:20]}"


async def prepaid(gateway: WeChatPayGateway, total_fen: int = 2590) -> str:
    out_trade_no = order_no()
    await gateway.prepay(
        out_trade_no=out_trade_no,
        description="测试商品 x1",
        total_fen=total_fen,
        openid=OPENID,
        time_expire=datetime.now(UTC) + timedelta(minutes=30),
    )
    return out_trade_no


async def test_prepay_gives_wx_request_payment_args_signed_by_the_merchant(
    gateway: WeChatPayGateway, keys: DevKeys
) -> None:
    out_trade_no = order_no()
    expires = datetime.now(UTC) + timedelta(minutes=30)
    prepay: dict[str, Any] = dict(
        out_trade_no=out_trade_no, description="杯子", openid=OPENID, time_expire=expires
    )

    prepay_id = await gateway.prepay(total_fen=1990, **prepay)
    again = await gateway.prepay(total_fen=1990, **prepay)
    params = gateway.request_payment_params(prepay_id)

    assert prepay_id.startswith("wx") and again == prepay_id
    assert params["package"] == f"prepay_id={prepay_id}"
    assert params["signType"] == "RSA" and len(params["nonceStr"]) == 32
    assert abs(int(params["timeStamp"]) - time.time()) < 5
    signed = f"{APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    merchant = load_pem_public_key(keys.merchant_public_key_path.read_bytes())
    assert isinstance(merchant, rsa.RSAPublicKey)
    merchant.verify(base64.b64decode(params["paySign"]), signed.encode(), PKCS1v15(), SHA256())

    with pytest.raises(PayError) as err:
        await gateway.prepay(total_fen=2000, **prepay)
    assert (err.value.status, err.value.code) == (400, "OUT_TRADE_NO_USED")


async def test_payment_is_notified_signed_and_encrypted(
    gateway: WeChatPayGateway, sim: Sim, receiver: Receiver
) -> None:
    out_trade_no = await prepaid(gateway, total_fen=2590)
    before = await gateway.query(out_trade_no=out_trade_no)

    paid = (await sim.pay(out_trade_no)).json()
    [call] = await receiver.wait_for(1)
    notification = gateway.parse_notification(headers=call.headers, body=call.body)

    assert (before.trade_state, before.paid, before.transaction_id) == ("NOTPAY", False, None)
    assert call.path == "/notify"
    assert notification.event_type == "TRANSACTION.SUCCESS"
    assert notification.id == paid["notification_id"]
    transaction = notification.transaction()
    assert transaction.out_trade_no == out_trade_no
    assert transaction.trade_state == "SUCCESS"
    assert transaction.transaction_id == paid["transaction_id"]
    assert (transaction.total_fen, transaction.payer_total_fen) == (2590, 2590)
    assert (transaction.appid, transaction.mchid, transaction.payer_openid) == (
        APPID,
        MCHID,
        OPENID,
    )
    assert transaction.success_time is not None and transaction.success_time.tzinfo is not None
    after = await gateway.query(out_trade_no=out_trade_no)
    assert after.paid and after.transaction_id == paid["transaction_id"]
    [delivery] = await sim.deliveries()
    assert (delivery["url"], delivery["attempt"], delivery["status"]) == (
        f"{receiver.url}/notify",
        1,
        204,
    )


async def test_a_lost_notification_is_revealed_by_query(
    gateway: WeChatPayGateway, sim: Sim, receiver: Receiver
) -> None:
    out_trade_no = await prepaid(gateway)

    assert (await sim.pay(out_trade_no, notify=False)).json()["notified"] is False

    assert (await gateway.query(out_trade_no=out_trade_no)).trade_state == "SUCCESS"
    assert await sim.deliveries() == [] and receiver.calls == []


async def test_a_failed_payment_is_not_notified(
    gateway: WeChatPayGateway, sim: Sim, receiver: Receiver
) -> None:
    out_trade_no = await prepaid(gateway)

    await sim.pay(out_trade_no, result="PAYERROR")

    result = await gateway.query(out_trade_no=out_trade_no)
    assert (result.trade_state, result.paid) == ("PAYERROR", False)
    assert await sim.deliveries() == []


async def test_notifications_are_retried_until_the_mall_answers_success(
    gateway: WeChatPayGateway, sim: Sim, receiver: Receiver
) -> None:
    receiver.answers = [500, 503, 400]
    out_trade_no = await prepaid(gateway)

    await sim.pay(out_trade_no)
    calls = await receiver.wait_for(4)
    deliveries = await sim.deliveries()

    assert [(d["attempt"], d["status"]) for d in deliveries] == [
        (1, 500),
        (2, 503),
        (3, 400),
        (4, 204),
    ]
    assert len({d["notification_id"] for d in deliveries}) == 1
    assert len({c.body for c in calls}) == 1  # the same notification...
    assert len({c.headers["wechatpay-nonce"] for c in calls}) == 4  # ...signed afresh each time
    ids = {gateway.parse_notification(headers=c.headers, body=c.body).id for c in calls}
    assert len(ids) == 1


async def test_replay_sends_the_same_notification_again_at_once(
    gateway: WeChatPayGateway, sim: Sim, receiver: Receiver
) -> None:
    out_trade_no = await prepaid(gateway)
    await sim.pay(out_trade_no)
    await receiver.wait_for(1)

    replay = await sim.http.post(f"/sim/notify/replay/{out_trade_no}", json={"times": 5})

    assert [d["status"] for d in replay.json()["deliveries"]] == [204] * 5
    calls = await receiver.wait_for(6)
    parsed = [gateway.parse_notification(headers=c.headers, body=c.body) for c in calls]
    assert len({n.id for n in parsed}) == 1
    assert len({n.transaction().transaction_id for n in parsed}) == 1


def _platform_key(keys: DevKeys) -> rsa.RSAPrivateKey:
    key = load_pem_private_key(keys.platform_private_key_path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _notification(keys: DevKeys, **changes: Any) -> SignedNotification:
    """A notification as WeChat Pay would sign it, with CHANGES to forge a bad one."""
    values: dict[str, Any] = {
        "event_type": "TRANSACTION.SUCCESS",
        "resource": transaction_resource(
            appid=APPID, mchid=MCHID, out_trade_no="T1234567", total_fen=100, openid=OPENID
        ),
        "apiv3_key": keys.apiv3_key,
        "sign_with": _platform_key(keys),
        "public_key_id": keys.platform_public_key_id,
    }
    return build_notification(**(values | changes))


def _with_headers(note: SignedNotification, **changes: str) -> SignedNotification:
    headers = note.headers | {k.replace("_", "-"): v for k, v in changes.items()}
    return SignedNotification({k: v for k, v in headers.items() if v}, note.body)


def _tampered(note: SignedNotification) -> SignedNotification:
    body = json.loads(note.body)
    body["resource"]["original_type"] = "refund"
    return SignedNotification(note.headers, json.dumps(body, ensure_ascii=False).encode())


FORGERIES: dict[str, Callable[[SignedNotification, DevKeys, rsa.RSAPrivateKey], Any]] = {
    "tampered body": lambda note, keys, other: _tampered(note),
    "forged signature": lambda note, keys, other: _notification(keys, sign_with=other),
    # Well past the 300 s allowed either way: int(time.time()) drops up to a second, which
    # a bound of +301 s could lose to (the check sees 300 s and accepts).
    "stale timestamp": lambda note, keys, other: _notification(
        keys, timestamp=int(time.time()) - 330
    ),
    "future timestamp": lambda note, keys, other: _notification(
        keys, timestamp=int(time.time()) + 330
    ),
    "replayed with a new timestamp": lambda note, keys, other: _with_headers(
        note, Wechatpay_Timestamp=str(int(time.time()) + 1)
    ),
    "unknown serial": lambda note, keys, other: _with_headers(
        note, Wechatpay_Serial="PUB_KEY_ID_0000"
    ),
    "no signature": lambda note, keys, other: _with_headers(note, Wechatpay_Signature=""),
    "garbage signature": lambda note, keys, other: _with_headers(
        note, Wechatpay_Signature="not base64!"
    ),
    "not utf-8": lambda note, keys, other: SignedNotification(note.headers, b"\xff\xfe"),
    "sealed with another APIv3 key": lambda note, keys, other: _notification(
        keys, apiv3_key="k" * 32
    ),
    "another merchant": lambda note, keys, other: _notification(
        keys,
        resource=transaction_resource(
            appid=APPID, mchid="1900000999", out_trade_no="T1234567", total_fen=1, openid=OPENID
        ),
    ),
    "another app": lambda note, keys, other: _notification(
        keys,
        resource=transaction_resource(
            appid="wx-other", mchid=MCHID, out_trade_no="T1234567", total_fen=1, openid=OPENID
        ),
    ),
}


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_forged_notifications_are_rejected(
    gateway: WeChatPayGateway,
    sim: Sim,
    receiver: Receiver,
    keys: DevKeys,
    other_key: rsa.RSAPrivateKey,
    forgery: str,
) -> None:
    out_trade_no = await prepaid(gateway)
    await sim.pay(out_trade_no)
    [call] = await receiver.wait_for(1)
    genuine = SignedNotification(
        {k.title(): v for k, v in call.headers.items() if k.startswith("wechatpay-")}, call.body
    )
    assert gateway.parse_notification(headers=genuine.headers, body=genuine.body)

    forged = FORGERIES[forgery](genuine, keys, other_key)

    with pytest.raises(NotificationRejected) as err:
        gateway.parse_notification(headers=forged.headers, body=forged.body)
    assert err.value.reason


async def test_a_notification_a_few_minutes_old_is_accepted(
    gateway: WeChatPayGateway, keys: DevKeys
) -> None:
    note = _notification(keys, timestamp=int(time.time()) - 290)

    parsed = gateway.parse_notification(headers=note.headers, body=note.body)

    assert parsed.transaction().total_fen == 100


async def test_close_is_idempotent_and_refused_for_a_paid_order(
    gateway: WeChatPayGateway, sim: Sim
) -> None:
    unpaid = await prepaid(gateway)
    paid = await prepaid(gateway)
    await sim.pay(paid, notify=False)

    await gateway.close(out_trade_no=unpaid)
    await gateway.close(out_trade_no=unpaid)
    await gateway.close(out_trade_no=order_no())  # never prepaid: nothing can be paid

    assert (await gateway.query(out_trade_no=unpaid)).trade_state == "CLOSED"
    assert (await sim.pay(unpaid)).json()["code"] == "ORDER_CLOSED"
    with pytest.raises(PayOrderClosed):
        await gateway.prepay(
            out_trade_no=unpaid,
            description="x",
            total_fen=2590,
            openid=OPENID,
            time_expire=datetime.now(UTC) + timedelta(minutes=5),
        )
    with pytest.raises(OrderAlreadyPaid) as err:
        await gateway.close(out_trade_no=paid)
    assert (err.value.status, err.value.code) == (400, "ORDERPAID")


async def test_a_late_payment_can_still_race_a_close(gateway: WeChatPayGateway, sim: Sim) -> None:
    out_trade_no = await prepaid(gateway)
    await gateway.close(out_trade_no=out_trade_no)

    await sim.pay(out_trade_no, force=True, notify=False)

    assert (await gateway.query(out_trade_no=out_trade_no)).trade_state == "SUCCESS"


async def test_refund_then_refund_notification(
    gateway: WeChatPayGateway, sim: Sim, receiver: Receiver
) -> None:
    out_trade_no = await prepaid(gateway, total_fen=3000)
    await sim.pay(out_trade_no, notify=False)
    ask: dict[str, Any] = dict(
        out_trade_no=out_trade_no, refund_fen=1000, total_fen=3000, reason="不想要了"
    )

    refund = await gateway.refund(out_refund_no="R1" + out_trade_no, **ask)
    duplicate = await gateway.refund(out_refund_no="R1" + out_trade_no, **ask)

    assert refund.status == "PROCESSING" and refund.refund_id
    assert duplicate.refund_id == refund.refund_id
    assert (refund.refund_fen, refund.total_fen) == (1000, 3000)
    assert (await gateway.query(out_trade_no=out_trade_no)).trade_state == "REFUND"
    assert (await gateway.query_refund(out_refund_no="R1" + out_trade_no)).status == "PROCESSING"

    await sim.settle_refund("R1" + out_trade_no)
    [call] = await receiver.wait_for(1)
    notification = gateway.parse_notification(headers=call.headers, body=call.body)

    assert call.path == "/refund-notify"
    assert notification.event_type == "REFUND.SUCCESS"
    settled = notification.refund()
    assert (settled.out_refund_no, settled.status) == ("R1" + out_trade_no, "SUCCESS")
    assert (settled.refund_id, settled.refund_fen) == (refund.refund_id, 1000)
    assert settled.success_time is not None
    queried = await gateway.query_refund(out_refund_no="R1" + out_trade_no)
    assert queried.status == "SUCCESS"

    with pytest.raises(PayError) as err:  # 2000 left, 2001 asked
        await gateway.refund(out_refund_no="R2" + out_trade_no, **(ask | {"refund_fen": 2001}))
    assert (err.value.status, err.value.code) == (400, "INVALID_REQUEST")
    rest = await gateway.refund(out_refund_no="R3" + out_trade_no, **(ask | {"refund_fen": 2000}))
    assert rest.status == "PROCESSING"


async def test_refunds_can_settle_by_themselves(
    sim_config: SimPayConfig, receiver: Receiver, keys: DevKeys
) -> None:
    config = dataclasses.replace(sim_config, auto_refund_seconds=0.01)
    app = create_sim_app(appid=APPID, secret="s", name="wechat-pay-sim-auto", pay=config)
    async with Running(app) as running:
        auto = Sim(url=running.url, http=httpx.AsyncClient(base_url=running.url))
        async with make_gateway(auto, receiver, keys) as gateway, auto.http:
            out_trade_no = await prepaid(gateway, total_fen=100)
            await auto.pay(out_trade_no, notify=False)
            await gateway.refund(
                out_trade_no=out_trade_no,
                out_refund_no="R" + out_trade_no,
                refund_fen=100,
                total_fen=100,
                reason="",
            )

            [call] = await receiver.wait_for(1)

            notification = gateway.parse_notification(headers=call.headers, body=call.body)
            assert notification.refund().status == "SUCCESS"
            refund = await gateway.query_refund(out_refund_no="R" + out_trade_no)
            assert refund.status == "SUCCESS"


async def test_refunds_need_a_paid_order(gateway: WeChatPayGateway) -> None:
    unpaid = await prepaid(gateway)
    ask: dict[str, Any] = dict(out_refund_no="R-unpaid", refund_fen=1, total_fen=2590, reason="")

    with pytest.raises(PayError) as err:
        await gateway.refund(out_trade_no=unpaid, **ask)
    assert err.value.code == "INVALID_REQUEST"
    with pytest.raises(PayOrderNotFound):
        await gateway.refund(out_trade_no=order_no(), **ask)
    with pytest.raises(PayOrderNotFound):
        await gateway.query_refund(out_refund_no="R-nothing")
    with pytest.raises(PayOrderNotFound) as not_found:
        await gateway.query(out_trade_no=order_no())
    assert (not_found.value.status, not_found.value.code) == (404, "ORDER_NOT_EXIST")


async def test_armed_faults_surface_as_pay_errors(gateway: WeChatPayGateway, sim: Sim) -> None:
    out_trade_no = await prepaid(gateway)
    await sim.pay(out_trade_no, notify=False)
    fault = {"api": "refund", "status": 403, "code": "NOT_ENOUGH", "message": "基本账户余额不足"}
    await sim.http.post("/sim/fault", json=fault)
    ask: dict[str, Any] = dict(
        out_trade_no=out_trade_no, out_refund_no="R-f", refund_fen=1, total_fen=2590
    )

    with pytest.raises(PayError) as err:
        await gateway.refund(reason="", **ask)
    refund = await gateway.refund(reason="", **ask)  # the fault fired once

    assert (err.value.status, err.value.code, err.value.retryable) == (403, "NOT_ENOUGH", False)
    assert refund.status == "PROCESSING"


async def test_the_simulator_checks_the_merchant_signature(
    sim: Sim, receiver: Receiver, keys: DevKeys, other_key: rsa.RSAPrivateKey
) -> None:
    unsigned = await sim.http.get(f"/v3/pay/transactions/out-trade-no/{order_no()}?mchid={MCHID}")
    assert unsigned.status_code == 401
    assert unsigned.json()["code"] == "SIGN_ERROR"
    assert unsigned.headers["wechatpay-serial"] == keys.platform_public_key_id

    impostor = make_gateway(sim, receiver, keys, private_key_pem=private_pem(other_key).decode())
    async with impostor:
        with pytest.raises(PayError) as err:
            await impostor.query(out_trade_no=order_no())
    assert (err.value.status, err.value.code) == (401, "SIGN_ERROR")


async def test_the_gateway_refuses_answers_not_signed_by_wechat_pay(
    sim: Sim, receiver: Receiver, keys: DevKeys, other_key: rsa.RSAPrivateKey
) -> None:
    fooled = make_gateway(
        sim, receiver, keys, public_key_pem=public_pem(other_key.public_key()).decode()
    )
    async with fooled:
        with pytest.raises(PayError) as err:
            await prepaid(fooled)
    assert err.value.code == "INVALID_RESPONSE_SIGNATURE"


async def test_an_unreachable_wechat_pay_is_a_retryable_error(
    sim: Sim, receiver: Receiver, keys: DevKeys
) -> None:
    down = make_gateway(sim, receiver, keys, api_base=f"http://127.0.0.1:{free_port()}")
    async with down:
        with pytest.raises(PayError) as err:
            await down.query(out_trade_no=order_no())
    assert (err.value.status, err.value.code, err.value.retryable) == (0, "NETWORK_ERROR", True)


async def test_one_connection_pool_serves_every_call(gateway: WeChatPayGateway) -> None:
    await prepaid(gateway)
    pool = gateway._sdk._core._client
    await asyncio.gather(*(prepaid(gateway) for _ in range(5)))

    assert gateway._sdk._core._client is pool
    await gateway.aclose()
    assert pool.is_closed
    await prepaid(gateway)  # a later call opens a new one
    assert not gateway._sdk._core._client.is_closed


async def test_numbers_that_cannot_go_into_a_url_are_refused_before_sending(
    gateway: WeChatPayGateway,
) -> None:
    with pytest.raises(ValueError, match="out_trade_no"):
        await gateway.query(out_trade_no="../../v3/refund")
    with pytest.raises(ValueError, match="out_refund_no"):
        await gateway.query_refund(out_refund_no="R1?mchid=1")
    with pytest.raises(ValueError, match="timezone"):
        await gateway.prepay(
            out_trade_no=order_no(),
            description="x",
            total_fen=1,
            openid=OPENID,
            time_expire=datetime.now() + timedelta(minutes=5),  # naive
        )


def test_dev_keys_are_made_once_and_kept_private(tmp_path: Path) -> None:
    first = ensure_dev_keys(tmp_path / "keys")
    second = ensure_dev_keys(tmp_path / "keys")

    assert first == second
    assert first.apiv3_key not in repr(first)
    assert len(first.apiv3_key) == 32 and first.platform_public_key_id.startswith("PUB_KEY_ID_")
    for path in (first.merchant_private_key_path, first.platform_private_key_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    env: dict[str, Any] = first.env()
    settings = Settings(
        **{k.removeprefix("MALL_").lower(): v for k, v in env.items()},
        public_base_url="https://shop.example.com/",
    )
    assert (
        settings.wechat_pay_notify_url == "https://shop.example.com/api/v1/payments/wechat/notify"
    )
    assert settings.wechat_pay_refund_notify_url.endswith("/api/v1/payments/wechat/refund-notify")
    config = SimPayConfig.from_settings(settings)
    assert config is not None and config.public_key_id == first.platform_public_key_id
    assert WeChatPayGateway.from_settings(settings) is not None
    with pytest.raises(ValueError, match="MALL_WECHAT_PAY_APIV3_KEY"):
        WeChatPayGateway.from_settings(settings.model_copy(update={"wechat_pay_apiv3_key": ""}))
