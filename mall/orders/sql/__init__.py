"""The order SQL, in one home: the statements and functions in the .sql files beside this
module, loaded once.

Statements name their parameters (`:user_id`), bound by name through `Statement.args`,
which refuses a missing or unknown one, so no argument is ever bound by list position.
`{OrderStatus.PAID}`-style tokens stand for enum values: they are replaced by SQL string
literals when a file is loaded, so statuses and event names come from the enums, never
from literals repeated in SQL; a token naming no known member is an error at load.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

from mall.events import ADMIN_CHANNEL, EventName
from models import CouponState, OrderStatus, RefundStatus

SQL_DIR = Path(__file__).resolve().parent
FUNCTIONS_FILE = SQL_DIR / "functions.sql"


class Channel(StrEnum):
    """Fixed event channels a statement writes to."""

    ADMIN = ADMIN_CHANNEL


CONSTANTS: dict[str, type[StrEnum]] = {
    "OrderStatus": OrderStatus,
    "RefundStatus": RefundStatus,
    "CouponState": CouponState,
    "EventName": EventName,
    "Channel": Channel,
}
_TOKEN = re.compile(r"\{([A-Z][A-Za-z]*)\.([A-Z_]+)\}")
# A name after a colon that is not part of a `::type` cast.
_PARAMETER = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def _literal(match: re.Match[str]) -> str:
    enum_name, member = match.groups()
    try:
        value = CONSTANTS[enum_name][member].value
    except KeyError:
        raise ValueError(f"unknown SQL constant {match.group(0)}") from None
    return "'" + value.replace("'", "''") + "'"


def render(text: str) -> str:
    """Replace the enum tokens of SQL text with their literals."""
    return _TOKEN.sub(_literal, text)


def load(name: str) -> str:
    """An .sql file of this package, tokens replaced."""
    return render((SQL_DIR / name).read_text())


class Statement:
    """A statement with named parameters, compiled to asyncpg's $n placeholders."""

    def __init__(self, text: str) -> None:
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        self.sql = _PARAMETER.sub(number, text)
        self.names = tuple(names)

    def args(self, **values: Any) -> list[Any]:
        """The positional arguments for `sql`, from every parameter by name."""
        missing = sorted(set(self.names) - set(values))
        unknown = sorted(set(values) - set(self.names))
        if missing or unknown:
            raise TypeError(f"statement parameters: missing {missing}, unknown {unknown}")
        return [values[name] for name in self.names]


def statement(name: str) -> Statement:
    """The statement of `<name>.sql`, loaded and compiled (modules keep it as a constant)."""
    return Statement(load(f"{name}.sql"))


def functions_sql() -> str:
    """Every CREATE OR REPLACE FUNCTION of functions.sql, tokens replaced."""
    return load(FUNCTIONS_FILE.name)
