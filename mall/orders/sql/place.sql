-- Placing an order in one statement (see mall/orders/placing.py for why and how):
-- key, coupon, order, items, history, cart lines, order.created events, then the stock
-- (mall_take_flash_stock for flash-sale lines, then mall_take_stock) and its events
-- (flash_sale.stock, mall_stock_events), or nothing (mall_refuse).
WITH
new_order AS MATERIALIZED (SELECT nextval('orders_id_seq') AS id),
claim AS (
    INSERT INTO idempotency_keys (user_id, key, order_id, created_at)
    SELECT :user_id::bigint, :idempotency_key::text, n.id, now() FROM new_order n
    WHERE :idempotency_key::text IS NOT NULL
    ON CONFLICT (user_id, key) DO NOTHING
    RETURNING order_id
),
coupon AS (
    UPDATE user_coupons c SET state = {CouponState.LOCKED}, order_id = n.id
    FROM new_order n
    WHERE c.id = :coupon_id::bigint AND c.user_id = :user_id::bigint
      AND c.state = {CouponState.CLAIMED}
      AND c.valid_from <= now() AND c.valid_until > now()
    RETURNING c.id
),
placed AS (
    INSERT INTO orders (
        id, created_at, updated_at, order_no, user_id, status, goods_amount, freight_amount,
        discount_amount, pay_amount, address, remark, user_coupon_id, expires_at,
        stock_restored, staff_remark, adjust_amount
    )
    SELECT n.id, now(), now(), :order_no::text, :user_id::bigint,
        {OrderStatus.PENDING_PAYMENT}, :goods_amount::bigint, :freight_amount::bigint,
        :discount_amount::bigint, :pay_amount::bigint, :address::jsonb, :remark::text,
        :coupon_id::bigint, now() + make_interval(secs => :timeout_seconds::int), false, '', 0
    FROM new_order n
    RETURNING id, created_at, expires_at
),
items AS (
    INSERT INTO order_items (
        order_id, sku_id, product_id, title, specs, cover_url, price, quantity,
        freight_share, discount_share, reviewed, flash_sale_item_id
    )
    SELECT p.id, i.sku_id, i.product_id, i.title, i.specs, i.cover_url, i.price, i.quantity,
        i.freight_share, i.discount_share, false, i.flash_item_id
    FROM placed p,
        unnest(:sku_ids::bigint[], :product_ids::bigint[], :titles::text[],
               :specs::jsonb[], :cover_urls::text[], :prices::bigint[], :quantities::int[],
               :freight_shares::bigint[], :discount_shares::bigint[], :flash_item_ids::bigint[])
            WITH ORDINALITY AS i(sku_id, product_id, title, specs, cover_url, price, quantity,
                                 freight_share, discount_share, flash_item_id, n)
    ORDER BY i.n
    RETURNING id, sku_id
),
history AS (
    INSERT INTO order_history (order_id, from_status, to_status, actor, note, created_at)
    SELECT p.id, NULL, {OrderStatus.PENDING_PAYMENT}, :actor::text, '', now() FROM placed p
    RETURNING id
),
cart_cleared AS (
    DELETE FROM cart_items c USING placed p
    WHERE c.user_id = :user_id::bigint AND c.id = ANY(:cart_item_ids::bigint[])
    RETURNING c.id
),
order_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT ch.channel, {EventName.ORDER_CREATED},
        :event_data::jsonb || jsonb_build_object('order_id', p.id),
        now(), now() + make_interval(secs => :lease_seconds::int)
    FROM placed p,
        (VALUES (1, :user_channel::text), (2, {Channel.ADMIN})) AS ch(n, channel)
    ORDER BY ch.n
    RETURNING id, channel, name, data::text AS data, created_at
),
written AS MATERIALIZED (
    SELECT
        (SELECT count(*) FROM claim) AS keys,
        (SELECT count(*) FROM coupon) AS coupons,
        (SELECT count(*) FROM placed) + (SELECT count(*) FROM items)
            + (SELECT count(*) FROM history) + (SELECT count(*) FROM cart_cleared)
            + (SELECT count(*) FROM order_events) AS rows
),
flash_taken AS MATERIALIZED (
    -- Flash-sale lines take the activity's stock, counted against the customer's limit
    -- (flash-sale items are locked before SKUs, everywhere).
    SELECT f.*
    FROM written r,
        mall_take_flash_stock(
            :user_id::bigint, :flash_take_item_ids::bigint[], :flash_take_quantities::int[],
            (r.keys > 0 OR :idempotency_key::text IS NULL)
                AND (r.coupons > 0 OR :coupon_id::bigint IS NULL)
        ) AS f
),
flash_events AS (
    INSERT INTO outbox_events (channel, name, data, created_at, claimed_until)
    SELECT 'product:' || f.product_id, {EventName.FLASH_SALE_STOCK},
        jsonb_build_object(
            'flash_sale_id', f.flash_sale_id, 'product_id', f.product_id,
            'sku_id', f.sku_id, 'stock', f.stock, 'reason', 'order'
        ),
        now(), now() + make_interval(secs => :lease_seconds::int)
    FROM flash_taken f
    ORDER BY f.sku_id
    RETURNING id, channel, name, data::text AS data, created_at
),
taken AS MATERIALIZED (
    -- The other lines take the SKUs' stock, after the flash-sale lines.
    SELECT t.sku_id, t.product_id, t.stock, w.quantity, w.title, w.specs
    FROM written r,
        mall_take_stock(
            :stock_sku_ids::bigint[], :stock_quantities::int[],
            (r.keys > 0 OR :idempotency_key::text IS NULL)
                AND (r.coupons > 0 OR :coupon_id::bigint IS NULL)
                AND (SELECT count(*) FROM flash_taken) = cardinality(:flash_take_item_ids::bigint[])
        ) AS t
        JOIN unnest(:sku_ids::bigint[], :quantities::int[], :titles::text[], :specs::jsonb[])
            AS w(sku_id, quantity, title, specs)
            ON w.sku_id = t.sku_id
),
stock_events AS MATERIALIZED (
    SELECT e.*
    FROM (
        SELECT array_agg(t.sku_id ORDER BY t.sku_id) AS sku_ids,
            array_agg(t.product_id ORDER BY t.sku_id) AS product_ids,
            array_agg(t.stock ORDER BY t.sku_id) AS stocks,
            array_agg(t.stock + t.quantity ORDER BY t.sku_id) AS previous,
            array_agg(t.title ORDER BY t.sku_id) AS titles,
            array_agg(t.specs ORDER BY t.sku_id) AS specs
        FROM taken t
    ) a,
        mall_stock_events(
            a.sku_ids, a.product_ids, a.stocks, a.previous, a.titles, a.specs,
            'order', :low_stock_threshold::int, :lease_seconds::int
        ) AS e
)
SELECT
    CASE
        WHEN :idempotency_key::text IS NOT NULL AND w.keys = 0
            THEN mall_refuse('idempotency_key_taken')
        WHEN :coupon_id::bigint IS NOT NULL AND w.coupons = 0
            THEN mall_refuse('coupon_unavailable')
    END AS refused,
    (SELECT row(p.id, p.created_at, p.expires_at) FROM placed p) AS made,
    (SELECT array_agg(row(i.id, i.sku_id)) FROM items i) AS items,
    (SELECT array_agg(row(e.id, e.channel, e.name, e.data, e.created_at) ORDER BY e.id)
        FROM (
            SELECT * FROM order_events UNION ALL SELECT * FROM flash_events
            UNION ALL SELECT * FROM stock_events
        ) e) AS events,
    (SELECT array_agg(row(t.product_id, t.sku_id, t.stock) ORDER BY t.sku_id) FROM taken t)
        AS stock_left
FROM written w
