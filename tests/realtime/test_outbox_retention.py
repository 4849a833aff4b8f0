"""Outbox retention: published rows past MALL_OUTBOX_RETENTION_DAYS are deleted in batches
by an hourly task; unpublished rows and rows an outbox reader has not passed stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tortoise.transactions import in_transaction

from mall import events
from mall.jobs import TaskName
from mall.runtime import Runtime
from models import OutboxEvent, OutboxReader
from tasks import maintenance


async def _event(*, age_days: float, published: bool) -> int:
    row = await OutboxEvent.create(channel="admin", name="order.created", data={"n": age_days})
    created = datetime.now(UTC) - timedelta(days=age_days)
    await OutboxEvent.filter(id=row.id).update(
        created_at=created, published_at=created if published else None
    )
    return row.id


async def test_published_rows_past_retention_go_in_batches(rt: Runtime) -> None:
    old_published = [await _event(age_days=8 + n, published=True) for n in range(5)]
    old_unpublished = await _event(age_days=9, published=False)
    recent = await _event(age_days=6, published=True)

    deleted = await events.purge_published(older_than=timedelta(days=7), batch=2)

    assert deleted == len(old_published)
    left = await OutboxEvent.all().order_by("id").values_list("id", flat=True)
    assert left == [old_unpublished, recent]
    assert await events.purge_published(older_than=timedelta(days=7), batch=2) == 0


async def test_rows_an_outbox_reader_has_not_passed_stay(rt: Runtime) -> None:
    read = await _event(age_days=10, published=True)
    unread = await _event(age_days=10, published=True)
    await OutboxReader.create(name="subscribe-messages", last_id=read)

    assert await events.purge_published(older_than=timedelta(days=7)) == 1
    assert await OutboxEvent.all().values_list("id", flat=True) == [unread]


async def test_the_hourly_task_uses_the_retention_setting(rt: Runtime) -> None:
    (task,) = [t for t in maintenance.TASKS if t.name == TaskName.PURGE_OUTBOX]
    assert task.schedule and "cron" in task.schedule[0]
    beyond = await _event(age_days=rt.settings.outbox_retention_days + 0.1, published=True)
    within = await _event(age_days=rt.settings.outbox_retention_days - 0.1, published=True)

    assert await maintenance.purge_published_outbox(rt) == 1
    assert await OutboxEvent.filter(id__in=[beyond, within]).values_list("id", flat=True) == [
        within
    ]


async def test_the_purge_reads_the_created_at_index(rt: Runtime) -> None:
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL enable_seqscan = off")
        plan = await conn.execute_query_dict(
            "EXPLAIN SELECT id FROM outbox_events WHERE created_at < now()"
            " AND published_at IS NOT NULL ORDER BY created_at LIMIT 5000"
        )
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    assert "idx_outbox_even_created" in text, text
