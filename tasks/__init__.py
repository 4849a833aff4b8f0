"""Taskiq tasks: thin wrappers around mall services, and the factories the taskiq CLI calls
(`tasks.broker:worker_broker`, `tasks.broker:scheduler`).

Each task module declares its tasks in a `TASKS` tuple; the factories register them on a
broker built from the environment when the process starts, so nothing here reads settings
at import time, and mall never imports this package.
"""
