"""HTTP on the WebSocket port: /health, and the upgrade key check (raw sockets)."""

from __future__ import annotations

import asyncio
import json

from market_data_tick_handler.server import sec_websocket_key_problem


async def raw_request(port: int, request: str) -> tuple[str, dict[str, str], str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request.encode())
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    status, *lines = head.strip().split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}
    body = b""
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    writer.close()
    return status, headers, body.decode()


def upgrade(key: str) -> str:
    return ("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")


async def test_health_is_json_with_stats(start_server):
    server = await start_server()
    status, headers, body = await raw_request(server.port, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert status == "HTTP/1.1 200 OK"
    assert headers["content-type"] == "application/json"
    health = json.loads(body)
    assert health["status"] == "ok"
    assert {"messages", "messages_per_s", "trades", "candles", "uptime_s", "engines", "consumers", "errors"} <= set(health)


async def test_invalid_key_gets_400_saying_why(start_server):
    server = await start_server()
    status, _, body = await raw_request(server.port, upgrade("test"))
    assert status == "HTTP/1.1 400 Bad Request"
    assert "Invalid Sec-WebSocket-Key" in body and "'test'" in body
    assert "decodes to 3 bytes" in body and "16-byte" in body and "RFC 6455" in body


async def test_valid_key_switches_protocols(start_server):
    server = await start_server()
    status, headers, _ = await raw_request(server.port, upgrade("dGhlIHNhbXBsZSBub25jZQ=="))
    assert status == "HTTP/1.1 101 Switching Protocols"
    assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 example


def test_key_problems():
    assert sec_websocket_key_problem("dGhlIHNhbXBsZSBub25jZQ==") is None
    assert sec_websocket_key_problem("test") == "it decodes to 3 bytes"
    assert sec_websocket_key_problem("not base64!") == "it is not valid base64"
    assert sec_websocket_key_problem("clé") == "it is not valid base64"
