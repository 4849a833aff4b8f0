-- Cancelling an unpaid order in one statement (see mall/orders/cancelling.py): the
-- conditional UPDATE decides who won; only the winner writes history, returns the coupon,
-- writes order.cancelled and, last, puts the stock back (flash-sale lines to their activity
-- while it lasts, mall_give_flash_stock; the rest to the SKUs, mall_give_stock) with events.
WITH
won AS (
    UPDATE orders o
    SET status = {OrderStatus.CANCELLED}, cancelled_at = now(), cancel_reason = :reason::text,
        stock_restored = true, updated_at = now()
    WHERE o.id = :order_id::bigint AND o.status = {OrderStatus.PENDING_PAYMENT}
    RETURNING o.*
),
history AS (
    INSERT INTO order_history (order_id, from_status, to_status, actor, note, created_at)
    SELECT w.id, {OrderStatus.PENDING_PAYMENT}, {OrderStatus.CANCELLED}, :actor::text,
        :reason::text, now()
    FROM won w
    RETURNING id
),
coupon AS (
    UPDATE user_coupons c SET state = {CouponState.CLAIMED}, order_id = NULL
    FROM won w WHERE c.order_id = w.id AND c.state = {CouponState.LOCKED}
    RETURNING c.id
),
order_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT ch.channel, {EventName.ORDER_CANCELLED},
        jsonb_build_object(
            'order_id', w.id, 'order_no', w.order_no, 'status', w.status,
            'user_id', w.user_id, 'pay_amount', w.pay_amount, 'reason', :reason::text
        ),
        now(), now() + make_interval(secs => :lease_seconds::int)
    FROM won w,
        LATERAL (VALUES (1, 'user:' || w.user_id), (2, {Channel.ADMIN})) AS ch(n, channel)
    ORDER BY ch.n
    RETURNING id, channel, name, data::text AS data, created_at
),
earlier AS MATERIALIZED (
    -- The order's events still unpublished (their publisher died or is retrying): they go
    -- out ahead of order.cancelled. The statement's snapshot does not see its own rows.
    SELECT e.id, e.channel, e.name, e.data::text AS data, e.created_at
    FROM outbox_events e JOIN won w ON (e.data->>'order_id') = w.id::text
    WHERE e.published_at IS NULL
),
written AS MATERIALIZED (
    SELECT (SELECT count(*) FROM history) + (SELECT count(*) FROM coupon)
        + (SELECT count(*) FROM order_events) AS rows
),
flash AS MATERIALIZED (
    -- Flash-sale lines go back to their activity while it has not ended (items locked
    -- before SKUs, as everywhere); the customer's count goes down either way.
    SELECT f.* FROM won w, written r, mall_give_flash_stock(w.id, w.user_id, r.rows > 0) AS f
),
flash_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT 'product:' || f.product_id, {EventName.FLASH_SALE_STOCK},
        jsonb_build_object(
            'flash_sale_id', f.flash_sale_id, 'product_id', f.product_id,
            'sku_id', f.sku_id, 'stock', f.stock, 'reason', 'cancel'
        ),
        now(), now() + make_interval(secs => :lease_seconds::int)
    FROM flash f WHERE f.to_activity
    ORDER BY f.sku_id
    RETURNING id, channel, name, data::text AS data, created_at
),
lines AS MATERIALIZED (
    SELECT coalesce(array_agg(l.sku_id ORDER BY l.sku_id), '{}') AS sku_ids,
        coalesce(array_agg(l.quantity ORDER BY l.sku_id), '{}') AS quantities
    FROM (
        SELECT i.sku_id, sum(i.quantity)::int AS quantity
        FROM order_items i JOIN won w ON i.order_id = w.id
        WHERE NOT EXISTS (SELECT 1 FROM flash f WHERE f.order_item_id = i.id AND f.to_activity)
        GROUP BY i.sku_id
    ) l
),
restored AS MATERIALIZED (
    SELECT t.sku_id, t.product_id, t.stock
    FROM lines l, written r, mall_give_stock(l.sku_ids, l.quantities, r.rows > 0) AS t
),
stock_events AS MATERIALIZED (
    SELECT e.*
    FROM (
        SELECT array_agg(t.sku_id ORDER BY t.sku_id) AS sku_ids,
            array_agg(t.product_id ORDER BY t.sku_id) AS product_ids,
            array_agg(t.stock ORDER BY t.sku_id) AS stocks,
            array_agg(t.stock - q.quantity ORDER BY t.sku_id) AS previous
        FROM restored t
            JOIN (SELECT u.* FROM lines l, unnest(l.sku_ids, l.quantities) AS u(sku_id, quantity))
                AS q ON q.sku_id = t.sku_id
    ) a,
        mall_stock_events(
            a.sku_ids, a.product_ids, a.stocks, a.previous, '{}', '{}',
            'cancel', 0, :lease_seconds::int
        ) AS e
)
SELECT w.*,
    (SELECT array_agg(row(e.id, e.channel, e.name, e.data, e.created_at) ORDER BY e.id)
        FROM (
            SELECT * FROM earlier UNION ALL SELECT * FROM order_events
            UNION ALL SELECT * FROM flash_events UNION ALL SELECT * FROM stock_events
        ) e)
        AS mall_events,
    (SELECT array_agg(t.product_id) FROM restored t) AS mall_product_ids
FROM (SELECT 1) AS one
LEFT JOIN won w ON true
