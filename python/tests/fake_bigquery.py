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
``POST /_fake/forget`` forgets the insertIds seen so far (BigQuery's de-duplication window,
about a minute, has passed). ``tabledata.list`` returns every row of a table in one page (only
the ``selectedFields`` asked for, values as strings like BigQuery's REST API).

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from fake_bigquery_schema import BadRequest, _check_table, _row_problem

PREFIX = "/bigquery/v2"
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
        self.status_faults_by_table: dict[str, int] = {}
        self._random: random.Random | None = None

    # ---- REST ---------------------------------------------------------------------------

    def handle(self, method: str, path: str, body: Any, query: dict[str, list[str]] | None = None) -> tuple[int, Any]:
        with self.lock:
            self.query = query or {}
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
        if path == "/_fake/forget" and method == "POST":
            for table in self.tables.values():
                table["ids"].clear()
            return 200, {}
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
            if len(parts) == 7 and parts[6] == "data" and method == "GET":
                return self._list_rows(key)
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
        if status is not None:
            self.status_faults_by_table[key[2]] = self.status_faults_by_table.get(key[2], 0) + 1
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

    def _list_rows(self, key: tuple[str, str, str]) -> tuple[int, Any]:
        table = self.tables[key]
        names = [f["name"] for f in table["resource"]["schema"]["fields"]]
        selected = ",".join(self.query.get("selectedFields", [])).split(",")
        names = [n for n in names if n in selected] if selected != [""] else names

        def cell(value: Any) -> Any:
            return None if value is None else value if isinstance(value, (dict, list)) else str(value)

        rows = [{"f": [{"v": cell(row["json"].get(name))} for name in names]} for row in table["rows"]]
        return 200, {"kind": "bigquery#tableDataList", "totalRows": str(len(rows)), "rows": rows}

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
            "status_faults_by_table": dict(self.status_faults_by_table),
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
                path, _, query = self.path.partition("?")
                status, payload = fake.handle(method, path, body, parse_qs(query))
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
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
