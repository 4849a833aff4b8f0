"""Request parsing, pagination and route documentation shared by every blueprint."""

from __future__ import annotations

import copy
import functools
import json as json_module
import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

import orjson
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError
from sanic import Request
from sanic.response import HTTPResponse, json
from sanic_ext.extensions.openapi import openapi
from sanic_ext.extensions.openapi.types import Schema as OpenAPISchema

from mall.errors import BadRequest, ValidationFailed

M = TypeVar("M", bound=BaseModel)
F = TypeVar("F", bound=Callable[..., Any])

MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000
MAX_ID = 2**63 - 1

# A database id as a caller may send it: anything outside bigint is simply not found.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# String rules, written once and used both to validate and in the OpenAPI document.
# Character classes are spelled out: the shorthands (\s, \d) mean different sets in Rust's
# regex (pydantic's engine), ECMA-262 (the document's) and Python, so a value could pass one
# and fail another. Strings are taken as sent (never trimmed): a trimmed value's length and
# pattern would not be the ones the document states.
_CONTROL = r"\x00-\x1f\x7f"
_INLINE_SPACE = r" \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_SPACE = r"\t\n\x0b\x0c\r" + _INLINE_SPACE
NO_NUL = r"^[^\x00]*$"
"""Any text without NUL (PostgreSQL text cannot hold one); newlines allowed."""
ONE_LINE = rf"^[^{_CONTROL}]*$"
"""One line: no control characters (tab and newline included)."""
LINE = rf"^[{_INLINE_SPACE}]*[^{_SPACE}{_CONTROL}][^{_CONTROL}]*$"
"""One line with at least one character that is not white space."""
TOKEN = r"^[!-~]+$"
"""Printable ASCII without spaces: codes and tokens."""
URL_CHARS = rf'[^{_SPACE}{_CONTROL}"<>\\\^`{{|}}\[\]]'
"""A character of a URL as we take them: none of white space, control characters and the
ones RFC 3986 leaves out of URLs (brackets too: we take no IP-literal hosts)."""
HTTP_URL = rf"^https?://{URL_CHARS}+$"
"""An http(s) URL without white space or control characters."""

# Years 1900-2999: wide enough for a shop, and far from the ends of Python's datetime,
# where moving a day or a time zone overflows.
_DAY = r"(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
ISO_DATE = rf"^{_DAY}$"
RFC3339 = (
    rf"^{_DAY}[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{{1,6}})?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)


# pydantic alone also reads "0" as a date or time (a Unix time). These read only the
# spelling the document states (and hand pydantic a value, which strict mode requires).
def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        if not re.fullmatch(ISO_DATE, value):
            raise ValueError("must be a date as YYYY-MM-DD, years 1900-2999")
        return date.fromisoformat(value)
    return value


def _rfc3339(value: Any) -> Any:
    if isinstance(value, str):
        if not re.fullmatch(RFC3339, value):
            raise ValueError(
                "must be an RFC 3339 time with an offset, e.g. 2026-01-31T08:00:00+08:00, "
                "years 1900-2999"
            )
        return datetime.fromisoformat(value.upper())
    return value


Date = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": ISO_DATE}),
]
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": RFC3339}),
]


T = TypeVar("T")


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "may be left out, but not null")
    return value


class _NeverNull:
    """JSON schema of an Omittable field: its type without the null branch."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        variants = schema.get("anyOf")
        if isinstance(variants, list) and {"type": "null"} in variants:
            rest = [v for v in variants if v != {"type": "null"}]
            schema.pop("anyOf")
            schema = {**(rest[0] if len(rest) == 1 else {"anyOf": rest}), **schema}
        schema.pop("default", None)
        return schema


# A field that may be left out but is never null (the document shows no null either):
# PATCH fields, and fields a PUT may leave out to keep their value.
Omittable = Annotated[T | None, BeforeValidator(_not_null), _NeverNull()]


class Schema(BaseModel):
    """Base of request/response models: unknown request fields are rejected."""

    model_config = ConfigDict(extra="forbid")


# Rules no JSON schema can state (they relate several values or need the database): a
# refusal under one of them is a 422 whose details carry one of these types, and the
# document's 422 description names them.
UNSTATED_RULES = {
    "unknown_id": "an id that names no record (of the caller's)",
    "range": "a start that is not before its end",
    "inconsistent": "items of a list that contradict each other (e.g. two SKUs with the "
    "same specs)",
    "too_many": "the same SKU on several lines adding up past the per-line cap",
    "too_long": "a password over 72 bytes of UTF-8",
    "too_large": "an event id whose numbers do not fit in 64 bits",
    "too_repetitive": "a password of too few different characters",
    "common_password": "a password on the lists of passwords tried first",
    "unknown_carrier": "a carrier code that is not on WeChat's carrier list (GET "
    "/api/admin/carriers: it comes from WeChat, so no schema can list it)",
    "wechat_code": "a WeChat code WeChat refused (invalid, already used or expired)",
    "invalid_key": "a key of a free-form object (SKU specs) that breaks its rules: "
    "OpenAPI 3.0 cannot state rules for keys",
    "image": "an upload that is not a JPEG, PNG, GIF or WebP image (by its content)",
    "category_cycle": "a category moved below itself",
    "unknown_template": "a subscription template id the shop has not configured",
    "too_deep": "a category nested deeper than the tree allows",
    "csv": "an uploaded CSV file that cannot be read (encoding, no rows, too many rows)",
}


def range_error(message: str) -> PydanticCustomError:
    """A 422 detail of type range: a start that is not before its end."""
    return PydanticCustomError("range", message)


def inconsistent_error(message: str) -> PydanticCustomError:
    """A 422 detail of type inconsistent: list items that contradict each other."""
    return PydanticCustomError("inconsistent", message)


def key_error(message: str) -> PydanticCustomError:
    """A 422 detail of type invalid_key: a free-form object's key breaks its rules."""
    return PydanticCustomError("invalid_key", message)


def at_least_one_field(cls: type[BaseModel], data: Any) -> Any:
    """A before-validator for PATCH bodies: an empty object changes nothing, so it is
    refused (the document states it as minProperties: 1)."""
    if isinstance(data, dict) and not data:
        raise ValueError("send at least one field to change")
    return data


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def _field_errors(exc: ValidationError, *, root: str = "body") -> list[dict[str, Any]]:
    return [
        {
            "field": ".".join(str(p) for p in err["loc"]) or root,
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def parse_body(request: Request, model: type[M]) -> M:
    """Decode the JSON body and validate it strictly (no type coercion): 400 for malformed
    JSON, 422 per field; a route that takes a body needs one."""
    raw = request.body or b""
    if not raw.strip():
        raise ValidationFailed(
            "A JSON object body is required",
            details=[{"field": "body", "message": "required", "type": "missing"}],
        )
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(
            "The request body is not valid JSON", code="malformed_json", details=str(exc)
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The request body must be a JSON object",
            details=[{"field": "body", "message": "must be an object", "type": "object_type"}],
        )
    if b"\\u0000" in raw:
        _refuse_nul(data)
    try:
        # JSON-mode strict validation: true is not 1, 0 is not false, "5" is not 5, while
        # the strings JSON uses for dates and enums are read as such.
        return model.model_validate_json(raw, strict=True)
    except ValidationError as exc:
        malformed = [e for e in exc.errors() if e["type"] == "json_invalid"]
        if malformed:  # e.g. nested deeper than pydantic's parser goes
            raise BadRequest(
                "The request body is not valid JSON",
                code="malformed_json",
                details=malformed[0]["msg"],
            ) from None
        raise ValidationFailed(details=_field_errors(exc)) from None


def parse_query(request: Request, model: type[M]) -> M:
    """Validate query parameters (last value wins for repeated keys). A query value is text,
    read as the type the model states: integers as optionally signed digits, booleans as
    true/false, anything else (an empty value too) is a 422 naming the parameter."""
    data = {key: values[-1] for key, values in request.get_args(keep_blank_values=True).items()}
    _refuse_nul(data)
    kinds = _query_kinds(model)
    typed = {key: _read_query_value(value, kinds.get(key)) for key, value in data.items()}
    try:
        # json, not orjson: an integer past 64 bits is a value to refuse by its bounds.
        return model.model_validate_json(json_module.dumps(typed), strict=True)
    except ValidationError as exc:
        raise ValidationFailed(details=_field_errors(exc, root="query")) from None


_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_NUMBER = re.compile(r"[+-]?[0-9]{1,30}(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,3})?")


def _read_query_value(value: str, kind: str | None) -> Any:
    """The JSON value a query string stands for; what does not read as its kind stays a
    string, which strict validation then refuses with the parameter's name."""
    if kind == "integer" and _INTEGER.fullmatch(value):
        return int(value)
    if kind == "number" and _NUMBER.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


@functools.cache
def _query_kinds(model: type[BaseModel]) -> dict[str, str]:
    """Each query parameter's JSON type (integer, number, boolean or string)."""
    kinds: dict[str, str] = {}
    for name, prop in inline_schema(model).get("properties", {}).items():
        kind = prop.get("type")
        if kind is None:  # e.g. anyOf of one type with null
            types = {v.get("type") for v in prop.get("anyOf", []) if isinstance(v, dict)}
            types.discard("null")
            kind = types.pop() if len(types) == 1 else "string"
        kinds[name] = kind
    return kinds


def _refuse_nul(data: Any) -> None:
    """422 for a NUL character anywhere in the input, keys included: PostgreSQL text cannot
    hold one, so it would otherwise fail deep in a query. Walks with its own stack, so no
    nesting depth can exhaust Python's."""
    stack: list[tuple[Any, str, str]] = [(data, "", "nul_character")]
    while stack:
        value, path, kind = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ValidationFailed(
                    details=[
                        {
                            "field": path or "body",
                            "message": "must not contain NUL characters",
                            "type": kind,
                        }
                    ]
                )
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                child = f"{path}.{key}" if path else str(key)
                stack.append((item, child, "nul_character"))
                # A key's rules are not in the document (OpenAPI 3.0 has no propertyNames).
                stack.append((key, f"{path}.[key]" if path else "[key]", "invalid_key"))
        elif isinstance(value, list):
            for index in range(len(value) - 1, -1, -1):
                stack.append((value[index], f"{path}.{index}" if path else str(index), kind))


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
    """A model's JSON schema with its $defs resolved inline, as OpenAPI components expect.
    Request schemas also say what parse_body refuses for every string: NUL characters."""
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
    if mode == "validation":
        _no_nul_strings(resolved)
    return resolved


def _no_nul_strings(node: Any) -> None:
    """Give every string without a pattern of its own the NUL rule _refuse_nul applies."""
    if isinstance(node, list):
        for item in node:
            _no_nul_strings(item)
    elif isinstance(node, dict):
        if node.get("type") == "string" and "pattern" not in node and "enum" not in node:
            node["pattern"] = NO_NUL
        for value in node.values():
            _no_nul_strings(value)


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
    if "default" in node and node["default"] is None and not node.get("nullable"):
        node.pop("default")  # an Omittable field: left out, never null
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


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                "message": {"type": "string"},
                "details": {"description": "per-field problems (422) or other specifics"},
            },
            "required": ["code", "message", "details"],
        }
    },
    "required": ["error"],
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
    body: type[BaseModel] | dict[str, Any] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | dict[str, Any] | None = None,
    status: int = 200,
    page_of: type[BaseModel] | None = None,
    secured: bool = False,
    auth_optional: bool = False,
    errors: Sequence[int] = (),
    description: str | None = None,
    headers: dict[str, dict[str, Any]] | None = None,
    optional_headers: dict[str, dict[str, Any]] | None = None,
    query_params: dict[str, dict[str, Any]] | None = None,
    media_type: str = "application/json",
    error_schema: dict[str, Any] | None = None,
) -> Callable[[F], F]:
    """Document a route in OpenAPI: request/response schemas, security and error statuses.

    `body` is a model (or a ready JSON schema) the route requires; `headers` and
    `optional_headers` are request headers (name -> schema, a description in it is the
    parameter's); `query_params` are query parameters a route reads without a model
    (name -> schema, with "required" and "description" keys of the parameter's own);
    `media_type` is the success response's; `error_schema` replaces the error envelope
    for callers that expect another shape (WeChat's callbacks); `auth_optional`: a public
    route that reads a customer's token when one is sent (a bad one is still a 401)."""

    def decorate(func: F) -> F:
        func = openapi.summary(summary)(func)
        if description:
            func = openapi.description(description)(func)
        func = openapi.tag(tag)(func)
        if body is not None:
            schema = body if isinstance(body, dict) else inline_schema(body)
            func = openapi.body({"application/json": schema}, required=True)(func)
        if query is not None:
            props = inline_schema(query).get("properties", {})
            for name, prop in props.items():
                func = openapi.parameter(name, _RawSchema(prop), location="query")(func)
        for required, given in ((True, headers), (False, optional_headers)):
            for name, header in (given or {}).items():
                schema = dict(header)
                help_text = schema.pop("description", None)
                func = openapi.parameter(
                    name,
                    _RawSchema(schema),
                    location="header",
                    required=required,
                    description=help_text,
                )(func)
        for name, param in (query_params or {}).items():
            schema = dict(param)
            required = bool(schema.pop("required", False))
            help_text = schema.pop("description", None)
            func = openapi.parameter(
                name, _RawSchema(schema), location="query", required=required, description=help_text
            )(func)
        if page_of is not None:
            func = openapi.response(status, {"application/json": page_schema(page_of)}, "OK")(func)
        elif isinstance(response, dict):
            func = openapi.response(status, {media_type: response}, "OK")(func)
        elif response is not None:
            out = inline_schema(response, mode="serialization")
            func = openapi.response(status, {"application/json": out}, "OK")(func)
        else:
            func = openapi.response(status, description="No content")(func)
        if secured or auth_optional:
            func = openapi.secured("bearer")(func)
        if auth_optional:
            func = openapi.secured({})(func)  # no token at all is fine too
        codes = set()
        if body is not None and not isinstance(body, dict):  # read by parse_body
            codes |= {400, 413, 422}
        if query is not None:
            codes |= {422}
        if secured or auth_optional:
            codes |= {401, 403}
        for code in sorted(codes - set(errors)):
            func = openapi.response(code, {"application/json": ERROR_SCHEMA}, "Error")(func)
        for code in sorted(errors):
            envelope = error_schema or ERROR_SCHEMA
            func = openapi.response(code, {"application/json": envelope}, "Error")(func)
        return func

    return decorate
