"""Readers of the local candle store (schema v2, docs/data.md): typed tables, DataFrames, exports."""

from .candles import CandleQuery, StoreNotFound, read_candles, read_table, store_path

__all__ = ["CandleQuery", "StoreNotFound", "read_candles", "read_table", "store_path"]
