-- mall's SQL functions, the one source of each. `mall migrate` applies this file after the
-- table migrations on every run (CREATE OR REPLACE: a deploy always gets these bodies), and
-- tests/orders/test_sql.py compares it with what the database holds.
-- Tokens naming an enum member in braces are replaced by its value as an SQL literal when
-- the file is loaded (mall/orders/sql/__init__.py).

-- Ends a statement in an error that names why, so everything it wrote is rolled back.
CREATE OR REPLACE FUNCTION mall_refuse(code text, detail jsonb DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = code,
        DETAIL = coalesce(detail::text, '');
END
$$;

-- Takes stock: locks the SKU rows in primary-key order in a statement of its own (one
-- lock order everywhere, so two orders sharing SKUs cannot deadlock), then decrements
-- them; the decrement starts with the locks held, so it sees the latest stock and never
-- re-checks a concurrent update inside a large statement (PostgreSQL's EvalPlanQual).
-- Short stock, or a SKU archived meanwhile, raises insufficient_stock naming the lines it
-- could not cover. Nothing happens unless p_ready (the caller's earlier steps held).
CREATE OR REPLACE FUNCTION mall_take_stock(
    p_sku_ids bigint[], p_quantities int[], p_ready boolean
)
RETURNS TABLE (sku_id bigint, product_id bigint, stock int)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_taken int;
    v_short jsonb;
BEGIN
    IF NOT p_ready THEN
        RETURN;
    END IF;
    PERFORM 1 FROM skus s WHERE s.id = ANY(p_sku_ids) ORDER BY s.id FOR UPDATE;
    RETURN QUERY
    UPDATE skus s SET stock = s.stock - w.quantity, updated_at = now()
    FROM unnest(p_sku_ids, p_quantities) AS w(sku_id, quantity)
    WHERE s.id = w.sku_id AND s.stock >= w.quantity AND s.archived_at IS NULL
    RETURNING s.id, s.product_id, s.stock;
    GET DIAGNOSTICS v_taken = ROW_COUNT;
    IF v_taken < cardinality(p_sku_ids) THEN
        SELECT jsonb_agg(jsonb_build_object(
            'sku_id', w.sku_id,
            'quantity', w.quantity,
            'available', CASE WHEN s.archived_at IS NULL
                         THEN coalesce(s.stock, 0) ELSE 0 END
        ) ORDER BY w.sku_id)
        INTO v_short
        FROM unnest(p_sku_ids, p_quantities) AS w(sku_id, quantity)
        LEFT JOIN skus s ON s.id = w.sku_id
        WHERE s.id IS NULL OR s.archived_at IS NOT NULL OR s.stock < w.quantity;
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'insufficient_stock',
            DETAIL = coalesce(v_short::text, '');
    END IF;
END
$$;

-- Gives stock back (a cancelled or refunded order, staff adding stock), rows locked in
-- primary-key order like mall_take_stock.
CREATE OR REPLACE FUNCTION mall_give_stock(
    p_sku_ids bigint[], p_quantities int[], p_ready boolean
)
RETURNS TABLE (sku_id bigint, product_id bigint, stock int)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF NOT p_ready OR cardinality(p_sku_ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM 1 FROM skus s WHERE s.id = ANY(p_sku_ids) ORDER BY s.id FOR UPDATE;
    RETURN QUERY
    UPDATE skus s SET stock = s.stock + w.quantity, updated_at = now()
    FROM unnest(p_sku_ids, p_quantities) AS w(sku_id, quantity)
    WHERE s.id = w.sku_id
    RETURNING s.id, s.product_id, s.stock;
END
$$;

-- The one builder of stock events, for every way stock moves (orders, cancels, refunds,
-- staff): stock.low on the admin channel for each SKU that fell below the threshold, then
-- stock.changed per product on its public channel, written to the outbox claimed for
-- p_lease_seconds by the process that publishes them after commit. Titles and specs
-- (stock.low's) may be left out where stock only goes up.
CREATE OR REPLACE FUNCTION mall_stock_events(
    p_sku_ids bigint[], p_product_ids bigint[], p_stocks int[], p_previous int[],
    p_titles text[], p_specs jsonb[], p_reason text, p_threshold int, p_lease_seconds int
)
RETURNS TABLE (id bigint, channel text, name text, data text, created_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY
    WITH change AS (
        SELECT * FROM unnest(p_sku_ids, p_product_ids, p_stocks, p_previous, p_titles, p_specs)
            AS c(sku_id, product_id, stock, previous, title, specs)
        WHERE c.sku_id IS NOT NULL
    )
    INSERT INTO outbox_events AS o (channel, name, data, created_at, claimed_until)
    SELECT e.channel, e.name, e.data, now(), now() + make_interval(secs => p_lease_seconds)
    FROM (
        SELECT 1 AS kind, c.sku_id AS sort, {Channel.ADMIN} AS channel,
            {EventName.STOCK_LOW} AS name,
            jsonb_build_object(
                'product_id', c.product_id, 'sku_id', c.sku_id, 'stock', c.stock,
                'threshold', p_threshold, 'title', coalesce(c.title, ''),
                'specs', coalesce(c.specs, '{}'::jsonb)
            ) AS data
        FROM change c WHERE c.stock < p_threshold AND c.stock < c.previous
        UNION ALL
        SELECT 2, min(c.sku_id), 'product:' || c.product_id, {EventName.STOCK_CHANGED},
            jsonb_build_object(
                'product_id', c.product_id,
                'skus', jsonb_agg(
                    jsonb_build_object('sku_id', c.sku_id, 'stock', c.stock)
                    ORDER BY c.sku_id
                ),
                'reason', p_reason
            )
        FROM change c WHERE c.stock <> c.previous
        GROUP BY c.product_id
        ORDER BY 1, 2
    ) e
    RETURNING o.id, o.channel::text, o.name::text, o.data::text, o.created_at;
END
$$;

-- Takes flash-sale stock for an order's activity lines (p_item_ids sorted, one per item):
-- first the customer's count per item, on its own row (insert or add, never past the
-- item's per_user_limit, decided on the latest row version under its lock), then the
-- activity stock by a conditional decrement with the item rows locked in primary-key order
-- (flash-sale items are always locked before SKUs). Only while the activity is live: in
-- its window and not ended. Raises flash_sale_limit, flash_sale_over or insufficient_stock
-- (naming the SKUs short). Nothing happens unless p_ready.
CREATE OR REPLACE FUNCTION mall_take_flash_stock(
    p_user_id bigint, p_item_ids bigint[], p_quantities int[], p_ready boolean
)
RETURNS TABLE (item_id bigint, flash_sale_id bigint, sku_id bigint, product_id bigint, stock int)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    v_taken int;
    v_counted int;
    v_short jsonb;
BEGIN
    IF NOT p_ready OR cardinality(p_item_ids) = 0 THEN
        RETURN;
    END IF;
    FOR i IN 1 .. cardinality(p_item_ids) LOOP
        INSERT INTO flash_sale_buyers AS b (item_id, user_id, quantity)
        SELECT it.id, p_user_id, p_quantities[i]
        FROM flash_sale_items it
        WHERE it.id = p_item_ids[i] AND p_quantities[i] <= it.per_user_limit
        ON CONFLICT (item_id, user_id) DO UPDATE
            SET quantity = b.quantity + excluded.quantity
            WHERE b.quantity + excluded.quantity <= (
                SELECT it.per_user_limit FROM flash_sale_items it WHERE it.id = b.item_id
            );
        GET DIAGNOSTICS v_counted = ROW_COUNT;
        IF v_counted = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'flash_sale_limit',
                DETAIL = (SELECT jsonb_build_object(
                    'sku_id', it.sku_id, 'per_user_limit', it.per_user_limit,
                    'bought', coalesce((SELECT b.quantity FROM flash_sale_buyers b
                        WHERE b.item_id = it.id AND b.user_id = p_user_id), 0)
                )::text FROM flash_sale_items it WHERE it.id = p_item_ids[i]);
        END IF;
    END LOOP;
    PERFORM 1 FROM flash_sale_items it WHERE it.id = ANY(p_item_ids) ORDER BY it.id FOR UPDATE;
    RETURN QUERY
    UPDATE flash_sale_items it
    SET stock = it.stock - w.quantity, sold = it.sold + w.quantity
    FROM unnest(p_item_ids, p_quantities) AS w(item_id, quantity), flash_sales f
    WHERE it.id = w.item_id AND f.id = it.flash_sale_id AND it.stock >= w.quantity
      AND f.ended_at IS NULL AND f.starts_at <= now() AND now() < f.ends_at
    RETURNING it.id, it.flash_sale_id, it.sku_id, it.product_id, it.stock;
    GET DIAGNOSTICS v_taken = ROW_COUNT;
    IF v_taken < cardinality(p_item_ids) THEN
        IF EXISTS (
            SELECT 1 FROM flash_sale_items it JOIN flash_sales f ON f.id = it.flash_sale_id
            WHERE it.id = ANY(p_item_ids)
              AND NOT (f.ended_at IS NULL AND f.starts_at <= now() AND now() < f.ends_at)
        ) THEN
            RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'flash_sale_over';
        END IF;
        SELECT jsonb_agg(jsonb_build_object(
            'sku_id', it.sku_id, 'quantity', w.quantity, 'available', it.stock
        ) ORDER BY it.sku_id)
        INTO v_short
        FROM unnest(p_item_ids, p_quantities) AS w(item_id, quantity)
        JOIN flash_sale_items it ON it.id = w.item_id
        WHERE it.stock < w.quantity;
        RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'insufficient_stock',
            DETAIL = coalesce(v_short::text, '');
    END IF;
END
$$;

-- Gives back an unpaid order's flash-sale lines when it is cancelled: the customer's count
-- goes down, and the units go back to the activity while it has not ended (to_activity);
-- once it has ended, its stock went back to the SKU, and so do these units (the caller
-- gives them to the SKU). Item rows locked in primary-key order, before any SKU.
CREATE OR REPLACE FUNCTION mall_give_flash_stock(
    p_order_id bigint, p_user_id bigint, p_ready boolean
)
RETURNS TABLE (
    order_item_id bigint, item_id bigint, flash_sale_id bigint, sku_id bigint,
    product_id bigint, stock int, quantity int, to_activity boolean
)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    IF NOT p_ready THEN
        RETURN;
    END IF;
    PERFORM 1 FROM flash_sale_items it
    WHERE it.id IN (SELECT oi.flash_sale_item_id FROM order_items oi
                    WHERE oi.order_id = p_order_id AND oi.flash_sale_item_id IS NOT NULL)
    ORDER BY it.id FOR UPDATE;
    UPDATE flash_sale_buyers b SET quantity = b.quantity - oi.quantity
    FROM order_items oi
    WHERE oi.order_id = p_order_id AND b.item_id = oi.flash_sale_item_id
      AND b.user_id = p_user_id;
    RETURN QUERY
    WITH lines AS (
        SELECT oi.id, oi.flash_sale_item_id, oi.quantity FROM order_items oi
        WHERE oi.order_id = p_order_id AND oi.flash_sale_item_id IS NOT NULL
    ),
    back AS (
        UPDATE flash_sale_items it
        SET stock = it.stock + CASE WHEN f.ended_at IS NULL THEN l.quantity ELSE 0 END,
            sold = it.sold - l.quantity
        FROM lines l, flash_sales f
        WHERE it.id = l.flash_sale_item_id AND f.id = it.flash_sale_id
        RETURNING it.id, it.flash_sale_id, it.sku_id, it.product_id, it.stock,
            f.ended_at IS NULL AS live
    )
    SELECT l.id, b.id, b.flash_sale_id, b.sku_id, b.product_id, b.stock, l.quantity, b.live
    FROM lines l JOIN back b ON b.id = l.flash_sale_item_id
    ORDER BY b.sku_id;
END
$$;
