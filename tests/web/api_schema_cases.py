"""A schema-driven probe of the REST API: every operation the OpenAPI schema declares, called
with generated edge-case inputs, must never answer 500, must answer only a status the schema
declares for it, and its body must validate against that status's declared schema.

hypothesis and schemathesis are not in the lock, so the inputs come from a deterministic
generator per parameter type (empty, huge, unicode, negative, out of range, wrong type, every
enum value, repeated lists, the store's real identifiers) and per request-body field; each
parameter is varied alone with the others left out, by each role and anonymously.
schemathesis (stateful, shrinking) is the next step (docs/console.md).

Not collected directly: ``test_api_backends.py`` runs it once per database backend.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from canhgac.console.bootstrap import migrate, setup_django

_WORKSPACE = Path(tempfile.mkdtemp(prefix="canhgac-api-schema-")).resolve()
_URL = os.environ.get("CANHGAC_STORE_CASES_DATABASE_URL") or f"sqlite:///{_WORKSPACE / 'store.sqlite3'}"
setup_django(database_url=_URL, workspace=_WORKSPACE)
migrate()

from api_support import A, Api, B, World, build_world  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()

STRINGS = ["", "a", "x" * 5000, "Sở Tài chính 🙂", "' OR 1=1 --", "../../etc/passwd", "%00", "\u202e", "null"]
INTEGERS = ["0", "-1", "1", "9223372036854775807", "9223372036854775808", "99999999999999999999999999",
            "1.5", "1e3", "abc", ""]
BOOLEANS = ["true", "false", "1", "0", "maybe", ""]


class SchemaMismatchError(AssertionError):
    """A body the declared schema does not describe."""


class Schema:
    """The API's OpenAPI document, with ``$ref`` resolution and a validator for the subset of
    JSON Schema pydantic emits (type, properties, required, items, enum, anyOf, additionalProperties)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def validate(self, value: Any, node: dict[str, Any], where: str = "$") -> None:
        node = self.resolve(node)
        if "anyOf" in node:
            for option in node["anyOf"]:
                try:
                    self.validate(value, option, where)
                    return
                except SchemaMismatchError:
                    continue
            raise SchemaMismatchError(f"{where}: {value!r:.80} matches no option")
        if "enum" in node and value not in node["enum"]:
            raise SchemaMismatchError(f"{where}: {value!r:.80} not in {node['enum']}")
        kind = node.get("type")
        checks = {"string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
                  "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
                  "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
                  "null": lambda v: v is None, "array": lambda v: isinstance(v, list),
                  "object": lambda v: isinstance(v, dict)}
        if kind is not None and not checks[kind](value):
            raise SchemaMismatchError(f"{where}: {value!r:.80} is not {kind}")
        if kind == "string" and node.get("format") == "date-time":
            datetime.fromisoformat(value)
        if kind == "array":
            for i, item in enumerate(value):
                self.validate(item, node.get("items", {}), f"{where}[{i}]")
        if kind == "object" or "properties" in node:
            missing = set(node.get("required", ())) - set(value)
            if missing:
                raise SchemaMismatchError(f"{where}: missing {sorted(missing)}")
            properties = node.get("properties", {})
            extra = node.get("additionalProperties", True)
            for key, item in value.items():
                if key in properties:
                    self.validate(item, properties[key], f"{where}.{key}")
                elif isinstance(extra, dict):
                    self.validate(item, extra, f"{where}.{key}")
                elif extra is False:
                    raise SchemaMismatchError(f"{where}: unexpected {key}")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    from web_store_support import StoredInventory

    from canhgac.services import console_scan

    monkeypatch.setattr(console_scan, "stored_inventory", StoredInventory)  # POST /scans can be accepted
    yield from build_world()


def _schema() -> Schema:
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return Schema(json.loads(answer.content))


def _values(schema: Schema, node: dict[str, Any], real: list[str]) -> list[Any]:
    """Edge-case values for one parameter: strings as a URL carries them (lists as lists)."""
    node = schema.resolve(node)
    if "anyOf" in node:
        return [v for option in node["anyOf"] if schema.resolve(option).get("type") != "null"
                for v in _values(schema, option, real)]
    kind = node.get("type")
    if "enum" in node:
        return [*node["enum"], str(node["enum"][0]).upper(), "unknown", "", *real]
    if kind == "array":
        items = _values(schema, node.get("items", {}), real)
        return [[v] for v in items[:12]] + [items[:2], ["a"] * 101]
    if kind == "integer":
        return [*INTEGERS, *real]
    if kind == "boolean":
        return BOOLEANS
    return [*STRINGS, *real]


def _real(world: World, name: str) -> list[str]:
    """The store's own identifiers for a parameter, so the probe reaches real rows too."""
    fingerprints = world.fingerprints[A] + world.fingerprints[B]
    return {"fingerprint": fingerprints, "run_id": [str(world.run_id)], "run": [str(world.run_id)],
            "launch_id": [str(world.launch_id)],
            "code": [A, B, A.lower()], "agency": [A, B, f"{A},{B}"], "family": ["mail", "web"],
            "clause": ["CV430", "CV430:3"], "text": ["spf"]}.get(name, [])


def _bodies(schema: Schema, node: dict[str, Any]) -> list[Any]:
    """Request bodies: a minimal valid one, each field set to each edge value, then broken ones."""
    node = schema.resolve(node)
    properties = node.get("properties", {})
    required = node.get("required", [])
    base = {name: schema.resolve(properties[name]).get("enum", ["x"])[0] for name in required}
    bodies: list[Any] = [base]
    for name, field in properties.items():
        for value in _values(schema, field, []):
            bodies.append({**base, name: value})
        bodies += [{**base, name: None}, {**base, name: 12}, {**base, name: ["x"]}, {**base, name: {"x": 1}}]
    bodies += [{}, {**base, "unexpected": 1}, [], "text", 7, None, "{broken json"]
    return bodies


def _check(schema: Schema, operation: dict[str, Any], answer: Any, label: str) -> None:
    status = answer.status_code
    assert status != 500, f"{label}: 500 {answer.content[:300]!r}"
    declared = operation["responses"]
    assert str(status) in declared, f"{label}: {status} is not declared ({sorted(declared)})"
    body = json.loads(answer.content)
    content = declared[str(status)].get("content", {}).get("application/json", {})
    if "schema" in content:
        try:
            schema.validate(body, content["schema"])
        except SchemaMismatchError as exc:
            raise AssertionError(f"{label}: {status} body does not match the schema: {exc}") from None


def _url(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def test_the_validator_can_fail() -> None:
    schema = Schema({"components": {"schemas": {"T": {"type": "object", "required": ["a"],
                                                     "properties": {"a": {"type": "integer"}}}}}})
    schema.validate({"a": 1}, {"$ref": "#/components/schemas/T"})
    for wrong in ({}, {"a": "1"}, {"a": True}, []):
        with pytest.raises(SchemaMismatchError):
            schema.validate(wrong, {"$ref": "#/components/schemas/T"})


# operations whose success needs an upload or an earlier step (a file checked before it is
# applied, an inventory applied before it is read): inventory_api_cases.py reaches their 200s
NEEDS_STATE = frozenset({"get /api/v1/inventory", "post /api/v1/inventory/check",
                         "post /api/v1/inventory/apply"})


@pytest.mark.timeout(600)  # some 2,500 requests: a minute or two on a loaded two-core machine
def test_every_operation_survives_generated_inputs(world: World) -> None:
    schema = _schema()
    callers = {"anonymous": Api(), **{name: Api(token) for name, token in world.tokens.items()}}
    reached: dict[str, set[int]] = {}
    takes_input: set[str] = set()
    sent = 0
    for path, operations in schema.document["paths"].items():
        route = path.removeprefix("/api/v1")
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            if params or "requestBody" in operation:
                takes_input.add(f"{method} {path}")
            path_params = {p["name"]: _real(world, p["name"])[0] for p in params if p["in"] == "path"}
            cases: list[tuple[dict[str, str], dict[str, Any]]] = [(path_params, {})]
            for param in params:
                for value in _values(schema, param["schema"], _real(world, param["name"])):
                    if param["in"] == "path":
                        text = value if isinstance(value, str) else ",".join(map(str, value))
                        cases.append(({**path_params, param["name"]: text.replace("/", "%2F") or "%20"}, {}))
                    else:
                        cases.append((path_params, {param["name"]: value}))
            body_node = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            bodies = _bodies(schema, body_node["schema"]) if body_node else [None]
            for caller_name, caller in callers.items():
                for values, query in cases:
                    url = _url(route, values)
                    for body in bodies if method == "post" else [None]:
                        label = f"{caller_name} {method.upper()} {url} {query!r:.120} {body!r:.120}"
                        if method == "get":
                            answer = caller.get(url, **query)
                        else:
                            answer = caller.post(url, body if body is not None else "null")
                        _check(schema, operation, answer, label)
                        reached.setdefault(f"{method} {path}", set()).add(answer.status_code)
                        sent += 1
    assert sent > 2000, sent
    for operation, statuses in reached.items():  # the probe got past the doors of every operation
        assert (statuses & {200, 202} or operation in NEEDS_STATE) and 401 in statuses, (operation, statuses)
        assert operation not in takes_input or statuses & {404, 422}, (operation, statuses)
    assert len(reached) == 14 and len(takes_input) == 12
