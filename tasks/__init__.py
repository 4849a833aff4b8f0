"""Taskiq broker, schedule sources and the thin task wrappers around mall services."""

# The modules declaring tasks, for `taskiq worker|scheduler`. Kept here, apart from the
# broker, so that `mall worker` and `mall scheduler` can name them without importing the
# whole application before handing over to taskiq, which imports it again.
TASK_MODULES = ["tasks.maintenance", "tasks.orders", "tasks.wechat"]
