"""The resend rule replayed from the fixture the engine replays too
(docs/protocol-fixtures/sequences/candle_resend.json; core/test/link.test.ts): a processor
peer on port 0 sends its candle frames, ``LiveFeatureStream`` yields what the rule delivers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from tickbridge import LiveFeatureStream

FIXTURE = json.loads((Path(__file__).parents[2] / "docs" / "protocol-fixtures" / "sequences"
                      / "candle_resend.json").read_text())
SENTINEL = {"symbol": "SENTINEL", "timeframe": "1m", "start": "2024-01-01T00:00:00.000Z",
            "end": "2024-01-01T00:01:00.000Z", "closed": True, "final": False}


def frame(step: dict[str, Any]) -> str:
    return json.dumps({**FIXTURE["base"], **{k: v for k, v in step.items() if k not in ("delivered", "why")}})


def key(candle: dict[str, Any]) -> tuple[str, str, str, str]:
    state = "closed" if candle["closed"] else "final" if candle["final"] else "open"
    return candle["symbol"], candle["timeframe"], candle["start"], state


async def replay(ws: ServerConnection) -> None:
    await ws.recv()  # subscribe
    await ws.send(json.dumps({"type": "subscribed", "history": 0, "matched": True, "streams": []}))
    for step in [*FIXTURE["steps"], SENTINEL]:
        await ws.send(frame(step))
    await ws.wait_closed()


async def test_live_feature_stream_applies_the_shared_resend_rule():
    async with serve(replay, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        delivered = []
        async with LiveFeatureStream(symbol="BTCUSDT", url=f"ws://127.0.0.1:{port}", closed_only=False) as stream:
            async with asyncio.timeout(10):
                async for candle in stream:
                    if candle["symbol"] == "SENTINEL":
                        break
                    delivered.append(key(candle))
    assert delivered == [key(step) for step in FIXTURE["steps"] if step["delivered"]]
