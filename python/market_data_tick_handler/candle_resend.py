"""The rule for candles sent again (docs/protocol.md, Delivery guarantees).

After a processor restart the messages since the last ack are processed again, and a
consumer that reconnects gets the processor's history again: candles already delivered
arrive a second time. For each (symbol, timeframe), the start of the last delivered candle
that was closed or ``final`` is the mark; a candle (closed, final or an open-bar update)
whose start is not after the mark is dropped. Delivered closed and final candles move the
mark; open updates never do.

The engine applies the same rule (core/src/bridge/link.ts); both sides replay
docs/protocol-fixtures/sequences/candle_resend.json in their tests.
"""

from __future__ import annotations

from typing import Any


class ResendFilter:
    def __init__(self) -> None:
        self._marks: dict[tuple[str, str], tuple[str, str]] = {}  # (start, end)

    def last_delivered(self, candle: dict[str, Any]) -> tuple[str, str] | None:
        """(start, end) of the last closed or final candle delivered of ``candle``'s series."""
        return self._marks.get((candle["symbol"], candle["timeframe"]))

    def accept(self, candle: dict[str, Any]) -> bool:
        """False for a candle to drop; True (and the mark moved when it completes a bar) else."""
        key = (candle["symbol"], candle["timeframe"])
        mark = self._marks.get(key)
        if mark is not None and candle["start"] <= mark[0]:
            return False
        if candle["closed"] or candle["final"]:
            self._marks[key] = (candle["start"], candle["end"])
        return True
