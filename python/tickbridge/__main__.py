"""``python -m tickbridge export ...`` (what ``tickbridge export`` runs) and ``... warm ...``
(the stored candles a starting stream shows first); docs/data.md."""

import sys

from market_data_tick_handler.readers import export, warm

COMMANDS = {"export": export.main, "warm": warm.main}

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] not in COMMANDS:
        print(f"usage: python -m tickbridge {{{','.join(COMMANDS)}}} [flags] (--help for each)", file=sys.stderr)
        sys.exit(2)
    sys.exit(COMMANDS[args[0]](args[1:]))
