"""The former module of the serve hub and ``LiveFeatureStream``, kept as an import path
(``market_data_tick_handler.streaming_service.modes.serve_mode.LiveFeatureStream``): the hub
is ``serve_hub``, the client ``live_stream``."""

from ...symbol_key import normalize_symbol
from .live_stream import LiveFeatureStream, LiveFeatureStreamError
from .serve_hub import Consumer, ServeHub

__all__ = ["Consumer", "LiveFeatureStream", "LiveFeatureStreamError", "ServeHub", "normalize_symbol"]
