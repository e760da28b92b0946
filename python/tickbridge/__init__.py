"""Tickbridge in Python, in one import.

    from tickbridge import LiveFeatureStream, read_candles

``LiveFeatureStream``: candles (or ticks) with features from a running processor, live.
``read_candles``: the candles kept in the local store, as a typed DataFrame.
The same objects stay importable from ``market_data_tick_handler`` (the processor's package).
"""

from market_data_tick_handler.readers import read_candles
from market_data_tick_handler.streaming_service.modes.live_stream import (
    LiveFeatureStream,
    LiveFeatureStreamError,
)

__all__ = ["LiveFeatureStream", "LiveFeatureStreamError", "read_candles"]
