"""The order SQL's one home (mall/orders/sql): functions as the database holds them, the
statements' columns and parameters."""

from __future__ import annotations

import re

import pytest
from tortoise import connections

from mall.orders import sql
from mall.orders.cancelling import CANCEL
from mall.orders.placing import PLACE

FUNCTION = re.compile(
    r"CREATE OR REPLACE FUNCTION (\w+)\(.*?\bAS \$\$(.*?)\$\$;", re.DOTALL | re.IGNORECASE
)


def _functions_in_source() -> dict[str, str]:
    return dict(FUNCTION.findall(sql.functions_sql()))


async def _functions_in_database() -> dict[str, str]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'public' AND p.proname LIKE 'mall\\_%'"
    )
    return {row["proname"]: row["prosrc"] for row in rows}


async def test_the_database_holds_the_functions_of_functions_sql(app_server) -> None:
    source = _functions_in_source()
    assert set(source) == {
        "mall_refuse",
        "mall_take_stock",
        "mall_give_stock",
        "mall_stock_events",
        "mall_take_flash_stock",
        "mall_give_flash_stock",
    }
    assert await _functions_in_database() == source


async def test_a_function_changed_in_the_database_is_noticed(app_server) -> None:
    conn = connections.get("default")
    body = _functions_in_source()["mall_refuse"]
    await conn.execute_script(
        "CREATE OR REPLACE FUNCTION mall_refuse(code text, detail jsonb DEFAULT NULL)"
        " RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$ BEGIN RETURN true; END $$;"
    )
    try:
        assert await _functions_in_database() != _functions_in_source()
    finally:
        await conn.execute_script(sql.functions_sql())
    assert (await _functions_in_database())["mall_refuse"] == body


def _insert_columns(statement: str, table: str) -> set[str]:
    match = re.search(rf"INSERT INTO {table} \(([^)]*)\)", statement)
    assert match is not None, f"no INSERT INTO {table}"
    return {column.strip() for column in match.group(1).split(",")}


@pytest.mark.parametrize(
    ("table", "statement"),
    [("orders", PLACE.sql), ("order_items", PLACE.sql), ("order_history", PLACE.sql)],
)
async def test_the_order_statement_writes_every_required_column(
    app_server, table: str, statement: str
) -> None:
    """A NOT NULL column without a default added to these tables must be added to the
    statement too (it would otherwise fail at the first order placed)."""
    rows = await connections.get("default").execute_query_dict(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $1"
        " AND is_nullable = 'NO' AND column_default IS NULL",
        [table],
    )
    required = {row["column_name"] for row in rows}
    assert required, table
    assert required - _insert_columns(statement, table) == set()


def test_statements_bind_every_parameter_by_name() -> None:
    assert "order_id" in CANCEL.names and "$1" in CANCEL.sql and ":order_id" not in CANCEL.sql
    assert "::bigint" in CANCEL.sql  # casts are not parameters
    args = {name: index for index, name in enumerate(CANCEL.names)}
    assert CANCEL.args(**args) == list(range(len(CANCEL.names)))
    with pytest.raises(TypeError, match="missing"):
        CANCEL.args(**{name: 1 for name in CANCEL.names[1:]})
    with pytest.raises(TypeError, match="unknown"):
        CANCEL.args(**args, status="paid")
    repeated = sql.Statement("SELECT :a::int + :b::int + :a::int")
    assert repeated.sql == "SELECT $1::int + $2::int + $1::int"
    assert repeated.names == ("a", "b")


def test_statuses_and_event_names_come_from_the_enums() -> None:
    assert sql.render("x = {OrderStatus.PENDING_PAYMENT}") == "x = 'pending_payment'"
    assert sql.render("{EventName.STOCK_LOW}, {Channel.ADMIN}") == "'stock.low', 'admin'"
    with pytest.raises(ValueError, match="unknown SQL constant"):
        sql.render("{OrderStatus.SHIPPING}")
    # The source files spell no status or event name themselves: tokens only.
    for name in ("place.sql", "cancel.sql", "functions.sql"):
        source = (sql.SQL_DIR / name).read_text()
        assert not re.search(r"'(pending_payment|cancelled|claimed|locked|stock\.\w+)'", source)
