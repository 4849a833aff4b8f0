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
