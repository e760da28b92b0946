"""Starts the Tickbridge processor (same as ``python -m market_data_tick_handler``)."""

import sys

from market_data_tick_handler.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
