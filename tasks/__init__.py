"""Taskiq broker, schedule sources and the thin task wrappers around mall services."""
