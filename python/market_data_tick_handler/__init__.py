"""Tickbridge processor: candles and trading features from a market data stream."""

__version__ = "0.1.0"
SERVER_NAME = f"market_data_tick_handler/{__version__}"
