"""The API index's response model."""

from __future__ import annotations

from mall.web import Schema


class Sockets(Schema):
    customer: str
    admin: str


class ApiIndex(Schema):
    name: str
    version: str
    docs: str
    openapi: str
    console: str
    mini_program_api: str
    admin_api: str
    websockets: Sockets
    examples: list[str]
