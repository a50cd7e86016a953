"""A small JSON Schema (2020-12) validator for the ingest protocol's own schema file.

It covers the keywords that file uses: $ref (local "#/$defs/..."), type (one or a list), enum,
required, properties, additionalProperties (false), items, minItems, minLength, minimum. A keyword it
does not know raises at load time, so a schema edit that needs more support fails loudly, never
silently validates less. Numbers must be finite: JSON has no NaN, so a NaN (Python's json accepts
the literal) is not a number.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any, Optional

KNOWN = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "type", "enum", "required", "properties",
    "additionalProperties", "items", "minItems", "minLength", "minimum",
}

# The protocol's one schema file, beside this package in the repository (packages/ray/schema/);
# LANPO_INGEST_SCHEMA points elsewhere when the package is installed on its own.
SCHEMA_PATH = os.environ.get("LANPO_INGEST_SCHEMA") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "schema", "ingest-batch.schema.json"
)


class SchemaViolation(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        return isinstance(value, float) and math.isfinite(value) and value.is_integer()
    if name == "number":
        return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    raise ValueError(f"unknown JSON Schema type {name!r}")


def _child(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}"


class Validator:
    """Validates values against one schema document; `validate(value)` raises SchemaViolation."""

    def __init__(self, schema: dict, root_ref: Optional[str] = None) -> None:
        self.schema = schema
        self._check_keywords(schema, "#")
        self.root = self._resolve(root_ref) if root_ref else schema

    @classmethod
    def from_file(cls, path: str = SCHEMA_PATH, root_ref: Optional[str] = None) -> "Validator":
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f), root_ref)

    def _check_keywords(self, node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in KNOWN:
                    raise ValueError(f"schema keyword {key!r} at {where} is not supported by lanpo_trainer.schema")
                if key in ("properties", "$defs"):
                    for name, sub in value.items():
                        self._check_keywords(sub, f"{where}/{key}/{name}")
                elif key in ("items", "additionalProperties") and isinstance(value, dict):
                    self._check_keywords(value, f"{where}/{key}")

    def _resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported, not {ref!r}")
        node: Any = self.schema
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def validate(self, value: Any, path: str = "$") -> None:
        self._validate(self.root, value, path)

    def _validate(self, schema: dict, value: Any, path: str) -> None:
        if "$ref" in schema:
            self._validate(self._resolve(schema["$ref"]), value, path)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(value, t) for t in types):
                shown = "NaN or infinite" if isinstance(value, float) and not math.isfinite(value) else type_name(value)
                raise SchemaViolation(path, f"must be {' or '.join(types)}, got {shown}")
        if "enum" in schema and value not in schema["enum"]:
            raise SchemaViolation(path, f"must be one of {', '.join(json.dumps(v) for v in schema['enum'])}, got {json.dumps(value)}")
        if isinstance(value, str) and "minLength" in schema and len(value) < schema["minLength"]:
            raise SchemaViolation(path, f"must be a string of at least {schema['minLength']} character(s)")
        if _is_type(value, "number") and "minimum" in schema and value < schema["minimum"]:
            raise SchemaViolation(path, f"must be >= {schema['minimum']}, got {value}")
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                raise SchemaViolation(path, f"must hold at least {schema['minItems']} item(s)")
            if "items" in schema:
                for i, item in enumerate(value):
                    self._validate(schema["items"], item, _child(path, i))
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value:
                    raise SchemaViolation(_child(path, name), "is required")
            props = schema.get("properties", {})
            for name, item in value.items():
                if name in props:
                    self._validate(props[name], item, _child(path, name))
                elif schema.get("additionalProperties") is False:
                    raise SchemaViolation(_child(path, name), "is not a field of this object (a typo?)")


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


_batch_validator: Optional[Validator] = None


def batch_validator() -> Validator:
    """The validator of a Batch, from the protocol's schema file (loaded once)."""
    global _batch_validator
    if _batch_validator is None:
        _batch_validator = Validator.from_file(SCHEMA_PATH)
    return _batch_validator
