"""The strict schema checks of the fake BigQuery (fake_bigquery.py): table definitions and
rows are validated the way BigQuery's REST API does for the calls Tickbridge makes."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

TYPES = {"STRING", "BYTES", "INTEGER", "INT64", "FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC",
         "BOOLEAN", "BOOL", "TIMESTAMP", "DATE", "DATETIME", "TIME", "RECORD", "STRUCT", "JSON"}
MODES = {"NULLABLE", "REQUIRED", "REPEATED"}
TRANSIENT = {"backendError", "internalError", "rateLimitExceeded", "timeout", "stopped"}
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2}| UTC)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


class BadRequest(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def _check_fields(fields: Any, path: str = "") -> None:
    if not isinstance(fields, list) or not fields:
        raise BadRequest(400, "invalid", f"schema{path}: fields must be a non-empty list")
    names = set()
    for field in fields:
        name = field.get("name") if isinstance(field, dict) else None
        if not isinstance(name, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,299}$", name):
            raise BadRequest(400, "invalid", f"schema{path}: bad field name {name!r}")
        if name.lower() in names:
            raise BadRequest(400, "invalid", f"schema{path}: duplicate field {name}")
        names.add(name.lower())
        kind = field.get("type")
        if kind not in TYPES:
            raise BadRequest(400, "invalid", f"schema{path}.{name}: unknown type {kind!r}")
        if field.get("mode", "NULLABLE") not in MODES:
            raise BadRequest(400, "invalid", f"schema{path}.{name}: unknown mode {field.get('mode')!r}")
        if kind in ("RECORD", "STRUCT"):
            _check_fields(field.get("fields"), f"{path}.{name}")
        unknown = set(field) - {"name", "type", "mode", "fields", "description"}
        if unknown:
            raise BadRequest(400, "invalid", f"schema{path}.{name}: unknown keys {sorted(unknown)}")


def _check_table(body: dict[str, Any], project: str, dataset: str) -> str:
    ref = body.get("tableReference") or {}
    if ref.get("projectId") != project or ref.get("datasetId") != dataset or not ref.get("tableId"):
        raise BadRequest(400, "invalid", f"tableReference {ref} does not match {project}.{dataset}")
    fields = (body.get("schema") or {}).get("fields")
    _check_fields(fields)
    top = {f["name"]: f for f in fields}
    partitioning = body.get("timePartitioning")
    if partitioning is not None:
        column = top.get(partitioning.get("field", ""))
        if partitioning.get("type") not in ("DAY", "HOUR", "MONTH", "YEAR"):
            raise BadRequest(400, "invalid", f"timePartitioning.type {partitioning.get('type')!r}")
        if column is None or column["type"] not in ("TIMESTAMP", "DATE", "DATETIME") \
                or column.get("mode") == "REPEATED":
            raise BadRequest(400, "invalid", f"timePartitioning.field {partitioning.get('field')!r} "
                                             "is not a top-level TIMESTAMP/DATE column")
    clustering = (body.get("clustering") or {}).get("fields")
    if clustering is not None:
        if not isinstance(clustering, list) or not 1 <= len(clustering) <= 4:
            raise BadRequest(400, "invalid", "clustering.fields: 1 to 4 columns")
        for name in clustering:
            column = top.get(name)
            if column is None or column["type"] in ("RECORD", "STRUCT", "JSON") \
                    or column.get("mode") == "REPEATED":
                raise BadRequest(400, "invalid", f"clustering field {name!r} is not a top-level scalar column")
    return str(ref["tableId"])


def _value_problem(field: dict[str, Any], value: Any, path: str) -> str | None:
    kind = field["type"]
    if kind in ("STRING", "JSON"):
        ok = isinstance(value, str) or kind == "JSON"
    elif kind in ("INTEGER", "INT64"):
        ok = (isinstance(value, int) and not isinstance(value, bool)) or \
            (isinstance(value, str) and bool(_INTEGER.match(value)))
    elif kind in ("FLOAT", "FLOAT64", "NUMERIC", "BIGNUMERIC"):
        if isinstance(value, str):
            try:
                float(value)
                ok = True
            except ValueError:
                ok = False
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif kind in ("BOOLEAN", "BOOL"):
        ok = isinstance(value, bool) or value in ("true", "false")
    elif kind == "TIMESTAMP":
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or \
            (isinstance(value, str) and bool(_TIMESTAMP.match(value)))
        if ok and isinstance(value, str):
            try:
                datetime.fromisoformat(value.replace(" UTC", "Z"))
            except ValueError:
                ok = False
    elif kind in ("RECORD", "STRUCT"):
        if not isinstance(value, dict):
            return f"{path}: expected an object, got {json.dumps(value)[:40]}"
        return _row_problem(field["fields"], value, path + ".")
    else:
        ok = isinstance(value, str)
    return None if ok else f"{path}: {json.dumps(value)[:40]} is not a valid {kind}"


def _row_problem(fields: list[dict[str, Any]], row: Any, prefix: str = "") -> str | None:
    if not isinstance(row, dict):
        return f"{prefix or 'row'}: not an object"
    by_name = {f["name"]: f for f in fields}
    for name in row:
        if name not in by_name:
            return f"no such field: {prefix}{name}"
    for field in fields:
        path = prefix + field["name"]
        value = row.get(field["name"])
        mode = field.get("mode", "NULLABLE")
        if value is None:
            if mode == "REQUIRED":
                return f"missing required field: {path}"
            continue
        if mode == "REPEATED":
            if not isinstance(value, list):
                return f"{path}: a REPEATED field needs a list"
            for i, item in enumerate(value):
                if item is None:
                    return f"{path}[{i}]: null in a REPEATED field"
                problem = _value_problem(field, item, f"{path}[{i}]")
                if problem:
                    return problem
        else:
            problem = _value_problem(field, value, path)
            if problem:
                return problem
    return None
