"""A strict local stand-in for the BigQuery REST API, for the TypeScript and the Python tests.

Implements what Tickbridge calls, under ``/bigquery/v2``: datasets get/insert, tables
get/insert and ``tabledata.insertAll``. It is strict on purpose:

- a table must be created with a valid schema, DAY time partitioning on a TIMESTAMP/DATE
  column and clustering on top-level scalar columns;
- every inserted row must carry an ``insertId`` (else 400) and is validated against the
  table schema (unknown field, missing REQUIRED field, wrong type → the row is ``invalid``);
- rows are de-duplicated by ``insertId`` (BigQuery does it best-effort; here always), and the
  test asserts on what a row got: written once, or returned as an error.

Failures on demand (``POST /_fake/faults``, a JSON list, consumed per insertAll request):

- ``{"status": 500, "count": 3, "after_write": false}``: the next 3 requests fail with 500
  (``after_write``: the rows are stored first, as when a response is lost);
- ``{"reason": "backendError", "every": 3, "count": 2}``: in the next 2 requests every third
  row fails with that reason (``invalid`` is permanent, others are transient);
- ``{"reason": "invalid", "match": {"symbol": "POISON"}}``: rows whose fields match always
  fail (a rule, not consumed; it applies alongside the other faults);
- ``{"storm": 0.5, "seed": 1, "count": 200}``: each of the next 200 requests fails with a
  random 429/500/503 with probability 0.5 (a third of those after writing the rows), and
  otherwise a random tenth of its rows fail with ``backendError``.

``GET /_fake/state`` returns the tables (resource and rows) and request counters.

Run standalone (the TypeScript tests do): ``python fake_bigquery.py --port 0`` prints
``{"port": N}`` once listening.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import socket
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/bigquery/v2"
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
                datetime.fromisoformat(value.replace(" UTC", "Z").replace("Z", "+00:00"))
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


def _matches(match: dict[str, Any], row: Any) -> bool:
    return isinstance(row, dict) and all(row.get(k) == v for k, v in match.items())


class FakeBigQuery:
    """The state and the rules; ``serve()`` puts it behind HTTP."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.datasets: dict[tuple[str, str], dict[str, Any]] = {}
        self.tables: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.faults: list[dict[str, Any]] = []
        self.counts = {"requests": 0, "insert_requests": 0, "rows_received": 0, "rows_written": 0,
                       "duplicates": 0, "status_faults": 0, "row_faults": 0, "invalid_rows": 0,
                       "bad_requests": 0}
        self._random: random.Random | None = None

    # ---- REST ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        with self.lock:
            self.counts["requests"] += 1
            try:
                return self._route(method, path, body)
            except BadRequest as exc:
                if exc.status == 400:
                    self.counts["bad_requests"] += 1
                return exc.status, {"error": {"code": exc.status, "message": str(exc), "status": exc.reason,
                                              "errors": [{"reason": exc.reason, "message": str(exc)}]}}

    def _route(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path == "/_fake/state" and method == "GET":
            return 200, self.state()
        if path == "/_fake/faults" and method == "POST":
            if not isinstance(body, list):
                raise BadRequest(400, "invalid", "faults: a JSON list")
            self.faults = [dict(fault) for fault in body]
            self._random = None
            return 200, {"faults": len(self.faults)}
        if not path.startswith(PREFIX + "/projects/"):
            raise BadRequest(404, "notFound", f"no such endpoint: {method} {path}")
        parts = path[len(PREFIX) + 1:].split("/")
        # projects/P/datasets[/D[/tables[/T[/insertAll]]]]
        if len(parts) < 3 or parts[2] != "datasets":
            raise BadRequest(404, "notFound", f"no such endpoint: {method} {path}")
        project = parts[1]
        if len(parts) == 3 and method == "POST":
            return self._insert_dataset(project, body)
        dataset = parts[3] if len(parts) > 3 else ""
        if (project, dataset) not in self.datasets:
            raise BadRequest(404, "notFound", f"Not found: Dataset {project}:{dataset}")
        if len(parts) == 4 and method == "GET":
            return 200, self.datasets[(project, dataset)]
        if len(parts) == 5 and parts[4] == "tables" and method == "POST":
            return self._insert_table(project, dataset, body)
        if len(parts) >= 6 and parts[4] == "tables":
            key = (project, dataset, parts[5])
            if key not in self.tables:
                raise BadRequest(404, "notFound", f"Not found: Table {project}:{dataset}.{parts[5]}")
            if len(parts) == 6 and method == "GET":
                return 200, self.tables[key]["resource"]
            if len(parts) == 7 and parts[6] == "insertAll" and method == "POST":
                return self._insert_all(key, body)
        raise BadRequest(404, "notFound", f"no such endpoint: {method} {path}")

    def _insert_dataset(self, project: str, body: Any) -> tuple[int, Any]:
        ref = (body or {}).get("datasetReference") or {}
        if ref.get("projectId", project) != project or not re.match(r"^[A-Za-z0-9_]{1,1024}$", str(ref.get("datasetId"))):
            raise BadRequest(400, "invalid", f"datasetReference {ref} is invalid for project {project}")
        key = (project, ref["datasetId"])
        if key in self.datasets:
            raise BadRequest(409, "duplicate", f"Already Exists: Dataset {project}:{ref['datasetId']}")
        resource = {**body, "datasetReference": {"projectId": project, "datasetId": ref["datasetId"]},
                    "kind": "bigquery#dataset", "id": f"{project}:{ref['datasetId']}"}
        self.datasets[key] = resource
        return 200, resource

    def _insert_table(self, project: str, dataset: str, body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            raise BadRequest(400, "invalid", "table: a JSON object")
        table = _check_table(body, project, dataset)
        key = (project, dataset, table)
        if key in self.tables:
            raise BadRequest(409, "duplicate", f"Already Exists: Table {project}:{dataset}.{table}")
        resource = {**body, "kind": "bigquery#table", "id": f"{project}:{dataset}.{table}"}
        self.tables[key] = {"resource": resource, "rows": [], "ids": set()}
        return 200, resource

    def _insert_all(self, key: tuple[str, str, str], body: Any) -> tuple[int, Any]:
        self.counts["insert_requests"] += 1
        if not isinstance(body, dict) or not isinstance(body.get("rows"), list) or not body["rows"]:
            raise BadRequest(400, "invalid", "insertAll: rows must be a non-empty list")
        unknown = set(body) - {"kind", "rows", "skipInvalidRows", "ignoreUnknownValues", "templateSuffix", "traceId"}
        if unknown:
            raise BadRequest(400, "invalid", f"insertAll: unknown keys {sorted(unknown)}")
        rows = body["rows"]
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("insertId"), str) or not row["insertId"]:
                raise BadRequest(400, "invalid", "fake: every row must carry an insertId")
            if not isinstance(row.get("json"), dict):
                raise BadRequest(400, "invalid", "insertAll: each row needs a json object")
        self.counts["rows_received"] += len(rows)
        fault = self._next_fault()
        status = fault.get("status") if fault else None
        if status is not None and not fault.get("after_write"):
            self.counts["status_faults"] += 1
            raise BadRequest(int(status), "rateLimitExceeded" if status == 429 else "backendError",
                             f"injected {status}")
        table = self.tables[key]
        fields = table["resource"]["schema"]["fields"]
        errors: dict[int, tuple[str, str]] = {}
        for index, row in enumerate(rows):
            problem = _row_problem(fields, row["json"])
            if problem is not None:
                errors[index] = ("invalid", problem)
                self.counts["invalid_rows"] += 1
                continue
            reason = self._row_fault(fault, index, row["json"]) or next(
                (rule["reason"] for rule in self.faults if "match" in rule and _matches(rule["match"], row["json"])), None)
            if reason is not None:
                errors[index] = (reason, f"injected {reason}")
                self.counts["row_faults"] += 1
        skip_invalid = body.get("skipInvalidRows") is True
        if errors and not skip_invalid:
            for index in range(len(rows)):
                errors.setdefault(index, ("stopped", "stopped: another row in the request failed"))
        for index, row in enumerate(rows):
            if index in errors:
                continue
            if row["insertId"] in table["ids"]:
                self.counts["duplicates"] += 1
                continue
            table["ids"].add(row["insertId"])
            table["rows"].append({"insertId": row["insertId"], "json": row["json"]})
            self.counts["rows_written"] += 1
        if status is not None:  # after_write: stored, but the client sees a failure
            self.counts["status_faults"] += 1
            raise BadRequest(int(status), "backendError", f"injected {status} after writing")
        response: dict[str, Any] = {"kind": "bigquery#tableDataInsertAllResponse"}
        if errors:
            response["insertErrors"] = [
                {"index": index, "errors": [{"reason": reason, "location": "", "message": message}]}
                for index, (reason, message) in sorted(errors.items())]
        return 200, response

    # ---- faults -------------------------------------------------------------------------

    def _next_fault(self) -> dict[str, Any] | None:
        for fault in self.faults:
            if fault.get("count", 1) == 0 or "match" in fault:
                continue
            if fault.get("count", 1) > 0:
                fault["count"] = fault.get("count", 1) - 1
            if "storm" in fault:
                if self._random is None:
                    self._random = random.Random(fault.get("seed", 1))
                rnd = self._random
                if rnd.random() < fault["storm"]:
                    return {"status": rnd.choice([429, 500, 503]), "after_write": rnd.random() < 1 / 3}
                return {"reason": "backendError", "probability": 0.1, "rnd": rnd}
            return fault
        return None

    @staticmethod
    def _row_fault(fault: dict[str, Any] | None, index: int, row: Any) -> str | None:
        if not fault or "reason" not in fault:
            return None
        if "match" in fault:
            return fault["reason"] if _matches(fault["match"], row) else None
        if "probability" in fault:
            return fault["reason"] if fault["rnd"].random() < fault["probability"] else None
        every = int(fault.get("every", 1))
        return fault["reason"] if index % every == 0 else None

    # ---- inspection ---------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "datasets": [f"{p}.{d}" for p, d in self.datasets],
            "tables": {f"{p}.{d}.{t}": {"resource": v["resource"], "rows": v["rows"]}
                       for (p, d, t), v in self.tables.items()},
            "counts": dict(self.counts),
        }


def _handler_class(fake: FakeBigQuery) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # headers and body are two writes: without this, Nagle + delayed ACK cost 40 ms each
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                status, payload = 400, {"error": {"code": 400, "message": "body is not JSON"}}
            else:
                status, payload = fake.handle(method, self.path.split("?", 1)[0], body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


def serve(fake: FakeBigQuery, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """Starts serving in a daemon thread; ``server.server_address[1]`` is the port."""
    server = ThreadingHTTPServer((host, port), _handler_class(fake))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="fake-bigquery", daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = serve(FakeBigQuery(), port=args.port)
    sys.stdout.write(json.dumps({"port": server.server_address[1]}) + "\n")
    sys.stdout.flush()
    try:
        sys.stdin.read()  # ends with the parent
    except KeyboardInterrupt:
        pass
    server.shutdown()


if __name__ == "__main__":
    main()
