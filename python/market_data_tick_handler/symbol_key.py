"""One key per symbol however it is spelled: ``BTC-USDT``, ``btc_usdt``, ``BTC/USDT`` and
``BTCUSDT`` all name the same stream (consumers match engine streams by it)."""

from __future__ import annotations

_SYMBOL_SEPARATORS = str.maketrans("", "", "-_/")


def normalize_symbol(symbol: str) -> str:
    return symbol.lower().translate(_SYMBOL_SEPARATORS)
