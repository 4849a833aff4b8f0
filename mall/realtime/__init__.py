"""Websocket channels: per-process fan-out of Redis events, resume, heartbeats."""
