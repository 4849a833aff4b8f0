"""Log setup shared by every mall process, and the quiet console it gives.

Each process says once that it is up (one INFO line), and what repeats on a timer (the
15 s sweep, health probes) is DEBUG: the libraries' own start-up chatter and the lines
they log for periodic tasks are re-levelled to DEBUG here, so they show only when that
library's logger is set to DEBUG (MALL_LOG_LEVEL=DEBUG).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any

MALL_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"

# Sanic's start-up lines (banner, "Starting worker", "Sanic Extensions: ...").
SANIC_CHATTY_LOGGERS = ("sanic.root", "sanic.server")

# taskiq's start-up and shut-down lines, replaced by one line of ours per process.
TASKIQ_WORKER_CHATTER = {
    "taskiq.worker": (
        "Pid of a main process: %s",
        "Starting %s worker processes.",
        "Shutting down the broker.",
    ),
    "taskiq.process-manager": (
        "Started process worker-%d with pid %s ",
        "Workers are scheduled for shutdown.",
        "Stopped process %s with pid %s",
    ),
    "taskiq.receiver.receiver": (
        "Listening started.",
        "Stopping prefetching messages...",
        "The runner is stopped.",
    ),
    "tortoise": ("Tortoise-ORM shutdown",),
}
TASKIQ_SCHEDULER_CHATTER = {
    "taskiq.cli.scheduler.run": (
        "Starting scheduler.",
        "Startup completed.",
        "Shutting down scheduler.",
        "Scheduler shut down. Good bye!",
    ),
    "tortoise": ("Tortoise-ORM shutdown",),
}
EXECUTING_TASK = ("taskiq.receiver.receiver", "Executing task %s with ID: %s")
SENDING_TASK = ("taskiq.cli.scheduler.run", "Sending task %s with schedule_id %s.")

ArgsTest = Callable[[tuple[Any, ...]], bool]


def configure(level: str) -> None:
    """Our loggers (mall.*) get one handler; Sanic's and taskiq's keep their own, so nothing
    prints twice."""
    mall_log = logging.getLogger("mall")
    mall_log.setLevel(level)
    if not mall_log.handlers:
        handler = logging.StreamHandler()
        # The pid tells the processes of `mall serve --workers N` apart.
        handler.setFormatter(logging.Formatter(MALL_FORMAT))
        mall_log.addHandler(handler)
        mall_log.propagate = False


class DemoteToDebug(logging.Filter):
    """Re-level chosen records of one logger to DEBUG: a record whose message template is
    listed (and whose arguments pass the template's test, if it has one) is shown only
    when the logger is enabled for DEBUG."""

    def __init__(self, rules: Mapping[str, ArgsTest | None]) -> None:
        super().__init__()
        self.rules = dict(rules)

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or record.msg not in self.rules:
            return True
        test = self.rules[record.msg]
        args = record.args if isinstance(record.args, tuple) else ()
        if test is not None and not test(args):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def demote(logger_name: str, rules: Mapping[str, ArgsTest | None]) -> None:
    """Add (or extend) the DemoteToDebug filter of a logger."""
    logger = logging.getLogger(logger_name)
    for existing in logger.filters:
        if isinstance(existing, DemoteToDebug):
            existing.rules.update(rules)
            return
    logger.addFilter(DemoteToDebug(rules))


def quiet_chatter(groups: Mapping[str, Collection[str]]) -> None:
    """Demote libraries' start and stop lines (logger name -> message templates) to DEBUG."""
    for logger_name, templates in groups.items():
        demote(logger_name, dict.fromkeys(templates))


def quiet_periodic_tasks(task_names: Collection[str]) -> None:
    """The worker's "Executing task" and the scheduler's "Sending task" lines of periodic
    tasks (a sweep every 15 s) at DEBUG; one-off tasks (an order's cancellation) stay INFO."""
    names = frozenset(task_names)

    def periodic(args: tuple[Any, ...]) -> bool:
        return bool(args) and args[0] in names

    for logger_name, template in (EXECUTING_TASK, SENDING_TASK):
        demote(logger_name, {template: periodic})


def quiet_sanic() -> None:
    """No Sanic banner or start-up lines below WARNING (`mall serve --quiet`, the simulator)."""
    for name in SANIC_CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
