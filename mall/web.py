"""Request parsing, pagination and route documentation shared by every blueprint."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sanic import Request
from sanic.response import HTTPResponse, json
from sanic_ext.extensions.openapi import openapi
from sanic_ext.extensions.openapi.types import Schema as OpenAPISchema

from mall.errors import BadRequest, ValidationFailed

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

MAX_PAGE_SIZE = 100
MAX_ID = 2**63 - 1

# A database id as a caller may send it: anything outside bigint is simply not found.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Schema(BaseModel):
    """Base of request/response models: unknown request fields are rejected."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def _field_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in err["loc"]) or "body",
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def parse_body(request: Request, model: type[M]) -> M:
    """Decode the JSON body and validate it; 400 for malformed JSON, 422 per field."""
    raw = request.body or b""
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(
                "The request body is not valid JSON", code="malformed_json", details=str(exc)
            ) from None
    if not isinstance(data, dict):
        raise ValidationFailed("The request body must be a JSON object")
    if b"\\u0000" in raw:
        _refuse_nul(data, "")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(details=_field_errors(exc)) from None


def parse_query(request: Request, model: type[M]) -> M:
    """Validate query parameters (last value wins for repeated keys)."""
    data = {key: values[-1] for key, values in request.args.items()}
    _refuse_nul(data, "")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(details=_field_errors(exc)) from None


def _refuse_nul(value: Any, path: str) -> None:
    """422 for a NUL character anywhere in the input: PostgreSQL text cannot hold one, so
    it would otherwise fail deep in a query."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed(
                details=[
                    {
                        "field": path or "body",
                        "message": "must not contain NUL characters",
                        "type": "nul_character",
                    }
                ]
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, path)
            _refuse_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{path}.{index}" if path else str(index))


def render(model: BaseModel, *, status: int = 200) -> HTTPResponse:
    return json(model.model_dump(mode="json"), status=status, dumps=orjson.dumps)


def render_page(
    items: Sequence[BaseModel], *, total: int, page: PageQuery, status: int = 200
) -> HTTPResponse:
    body = {
        "items": [item.model_dump(mode="json") for item in items],
        "total": total,
        "page": page.page,
        "page_size": page.page_size,
    }
    return json(body, status=status, dumps=orjson.dumps)


def inline_schema(model: type[BaseModel], *, mode: str = "validation") -> dict[str, Any]:
    """A model's JSON schema with its $defs resolved inline, as OpenAPI components expect."""
    schema = model.model_json_schema(mode=mode)  # type: ignore[arg-type]
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(copy.deepcopy(defs[ref.split("/")[-1]]))
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = _openapi_30(resolve(schema))
    return resolved


def _openapi_30(node: Any) -> Any:
    """Rewrite JSON Schema 2020 idioms pydantic emits into their OpenAPI 3.0 spelling."""
    if isinstance(node, list):
        return [_openapi_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _openapi_30(value) for key, value in node.items()}
    variants = node.get("anyOf")
    if isinstance(variants, list) and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        node.pop("anyOf")
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
        node["nullable"] = True
    patterns = node.pop("patternProperties", None)
    if isinstance(patterns, dict) and patterns:
        node.setdefault("additionalProperties", next(iter(patterns.values())))
    node.pop("propertyNames", None)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    for bound in ("exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(node.get(bound), int | float) and not isinstance(node[bound], bool):
            node["minimum" if bound == "exclusiveMinimum" else "maximum"] = node[bound]
            node[bound] = True
    return node


_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
            "required": ["code", "message"],
        }
    },
}


def page_schema(item: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": inline_schema(item, mode="serialization")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "page_size": {"type": "integer"},
        },
        "required": ["items", "total", "page", "page_size"],
    }


class _RawSchema(OpenAPISchema):
    """A ready-made schema dict, passed through sanic-ext untouched."""

    def __init__(self, raw: dict[str, Any]) -> None:
        super().__init__()
        self._raw = raw

    def serialize(self) -> dict[str, Any]:
        return self._raw


def doc(
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | dict[str, Any] | None = None,
    status: int = 200,
    page_of: type[BaseModel] | None = None,
    secured: bool = False,
    errors: Sequence[int] = (),
) -> Callable[[F], F]:
    """Document a route in OpenAPI: request/response schemas, security and error statuses."""

    def decorate(func: F) -> F:
        func = openapi.summary(summary)(func)
        func = openapi.tag(tag)(func)
        if body is not None:
            func = openapi.body({"application/json": inline_schema(body)}, required=True)(func)
        if query is not None:
            props = inline_schema(query).get("properties", {})
            for name, prop in props.items():
                func = openapi.parameter(name, _RawSchema(prop), location="query")(func)
        if page_of is not None:
            func = openapi.response(status, {"application/json": page_schema(page_of)}, "OK")(func)
        elif isinstance(response, dict):
            func = openapi.response(status, {"application/json": response}, "OK")(func)
        elif response is not None:
            out = inline_schema(response, mode="serialization")
            func = openapi.response(status, {"application/json": out}, "OK")(func)
        else:
            func = openapi.response(status, description="No content")(func)
        if secured:
            func = openapi.secured("bearer")(func)
        codes = set(errors)
        if body is not None or query is not None:
            codes |= {400, 422}
        if secured:
            codes |= {401}
        for code in sorted(codes):
            func = openapi.response(code, {"application/json": _ERROR_SCHEMA}, "Error")(func)
        return func

    return decorate
