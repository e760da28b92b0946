"""``python -m tickbridge export ...``: what ``tickbridge export`` runs (docs/data.md)."""

import sys

from market_data_tick_handler.readers.export import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
