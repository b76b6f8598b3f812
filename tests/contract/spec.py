"""A strict reading of Zoom's OpenAPI spec: fields, formats and rate labels, exactly.

Prism accepts a request body with fields its schema does not list (the spec allows additional
properties), so a field Zoom does not know would pass there. :func:`body_problems` refuses
any field the operation's request schema does not have, at any depth, and checks the formats
the spec only states in words (alternative hosts: semicolons for meetings, commas for
webinars). :func:`rate_label` reads the operation's "Rate Limit Label".
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent / "zoom-openapi.json"
_LABEL = re.compile(r"Rate Limit Label[^`]*`([A-Za-z-]+)`")


@functools.lru_cache(maxsize=1)
def spec() -> dict:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _properties(schema: Any) -> dict:
    schema = _resolve(schema)
    found: dict = {}
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            for name, sub in _properties(part).items():
                found.setdefault(name, []).extend(sub)
    for name, sub in (schema.get("properties") or {}).items():
        found.setdefault(name, []).append(sub)
    return found


def operation(method: str, path: str) -> dict:
    """The spec's operation for ``method`` and a templated ``path`` (e.g. /meetings/{meetingId})."""
    return spec()["paths"][path][method.lower()]


def request_schema(method: str, path: str) -> dict:
    body = operation(method, path)["requestBody"]["content"]["application/json"]["schema"]
    return _resolve(body)


def rate_label(method: str, path: str) -> str:
    """The "Rate Limit Label" Zoom's spec gives the operation, lower-case."""
    match = _LABEL.search(operation(method, path).get("description") or "")
    return match.group(1).lower() if match else ""


def body_problems(value: Any, schema: Any, where: str = "body") -> list[str]:
    """Every field of ``value`` that ``schema`` (resolved, at any depth) does not have."""
    schema = _resolve(schema)
    problems: list[str] = []
    if isinstance(value, dict):
        known = _properties(schema)
        if not known:
            return problems  # a free-form object in the spec
        for name, item in value.items():
            if name not in known:
                problems.append(f"{where}.{name} is not in Zoom's spec")
                continue
            sub_problems = [body_problems(item, sub, f"{where}.{name}") for sub in known[name]]
            if all(sub_problems):
                problems.extend(sub_problems[0])
    elif isinstance(value, list):
        items = _resolve(schema).get("items")
        if items is not None:
            for index, item in enumerate(value):
                problems.extend(body_problems(item, items, f"{where}[{index}]"))
    return problems


def separator_problems(kind: str, settings: dict) -> list[str]:
    """Zoom's words: meetings' alternative hosts are semicolon-separated, webinars' commas."""
    hosts = (settings or {}).get("alternative_hosts") or ""
    wrong = ";" if kind == "webinar" else ","
    if wrong in hosts:
        right = "commas" if kind == "webinar" else "semicolons"
        return [f"settings.alternative_hosts of a {kind} must be separated by {right}"]
    return []
