"""Command line: ``python -m market_data_tick_handler [options]``.

Prints exactly one line on stdout once listening, ``{"event":"listening","host":...,"port":N}``
(the port actually bound when ``--port 0``), and exits 0 after a clean shutdown on SIGTERM,
SIGINT or, with ``--exitOnStdinEof``, when stdin reaches end of file. Flags are camelCase like
every other command's; the kebab-case spellings of earlier versions still work (not in --help).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from .cli_args import checked_list, int_at_least
from .engine_admission import SessionConfig
from .logging_setup import LOG_FILE_NAME, EngineLogForwarder, setup_logging
from .persist import PersistPublisher
from .persist.bigquery import BigQueryConfigError, BigQueryPersister, settings_from_env
from .persist.local_store import LocalStore, StoreFailed
from .processor import DEFAULT_LATENESS_US
from .server import DEFAULT_MAX_FRAME_BYTES, ProcessorServer, ServerConfig
from .stats import Stats
from .streaming_service.backends import EventPublisher
from .streaming_service.modes.serve_hub import DEFAULT_HISTORY, ServeHub
from .timeframes import ACCEPTED_FORMS, DEFAULT_TIMEFRAMES, parse_timeframes

log = logging.getLogger("market_data_tick_handler")


def _flag(parser: argparse.ArgumentParser, camel: str, kebab: str, **kwargs: Any) -> None:
    """Adds ``camel`` (the documented name) and ``kebab``, the spelling of earlier versions, as a
    hidden alias: same destination and parsing, left out of --help and of error messages."""
    parser.add_argument(camel, **kwargs)
    alias = {key: value for key, value in kwargs.items() if key not in ("help", "default")}
    parser.add_argument(kebab, **alias, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="market_data_tick_handler",
        description="Tickbridge processor: builds candles and features from the engine's market "
                    "data and serves them to consumers over WebSocket.")
    parser.add_argument("--host", default="localhost", help="interface to listen on (default: localhost)")
    parser.add_argument("--port", type=int_at_least(0), default=8765,
                        help="port (default: 8765; 0 picks a free one, printed on the listening line)")
    parser.add_argument("--symbol", default="BTC-USDT",
                        help="default symbol of consumers that name none (engines send their own)")
    parser.add_argument("--exchange", default="binance", help="default exchange of consumers (default: binance)")
    parser.add_argument("--timeframes", nargs="+", default=list(DEFAULT_TIMEFRAMES),
                        action=checked_list(parse_timeframes),
                        help=f"timeframes of streams whose hello names none; {ACCEPTED_FORMS}")
    _flag(parser, "--noServe", "--no-serve", dest="no_serve", action="store_true",
          help="do not accept consumers (no serve hub)")
    _flag(parser, "--noPersist", "--no-persist", dest="no_persist", action="store_true",
          help="do not persist candles")
    _flag(parser, "--storeDir", "--store-dir", dest="store_dir", type=Path,
          default=Path(os.environ.get("TICKBRIDGE_STORE_DIR") or "data"),
          help="local store folder: closed candles go to <dir>/candles.sqlite "
               "(default: $TICKBRIDGE_STORE_DIR or ./data)")
    _flag(parser, "--redisUrl", "--redis-url", dest="redis_url", default=None,
          help="publish candles to Redis, e.g. redis://localhost:6379/0; prefer $REDIS_URL "
               "when it holds a password (a command line is visible to every user)")
    _flag(parser, "--logDir", "--log-dir", dest="log_dir", type=Path,
          default=Path(os.environ.get("TICKBRIDGE_LOG_DIR") or "logs"),
          help=f"folder of {LOG_FILE_NAME} (default: $TICKBRIDGE_LOG_DIR or ./logs)")
    _flag(parser, "--maxFrameBytes", "--max-frame-bytes", dest="max_frame_bytes", type=int_at_least(1),
          default=DEFAULT_MAX_FRAME_BYTES,
          help="largest accepted frame; a larger one closes the connection with 1009")
    parser.add_argument("--history", type=int_at_least(0), default=DEFAULT_HISTORY,
                        help="closed candles kept per exchange, symbol and timeframe for new consumers")
    _flag(parser, "--partialIntervalMs", "--partial-interval-ms", dest="partial_interval_ms", type=int_at_least(1),
          default=250, help="at most one update of an open bar per symbol and timeframe per interval")
    _flag(parser, "--closeGraceMs", "--close-grace-ms", dest="close_grace_ms", type=int_at_least(0), default=2000,
          help="live streams: a bar closes on the wall clock this long after its end")
    _flag(parser, "--latenessMs", "--lateness-ms", dest="lateness_ms", type=int_at_least(0),
          default=DEFAULT_LATENESS_US // 1000,
          help="a symbol's bar closes once a message of that symbol is this much newer "
               "than its end; older messages for it are late (counted, dropped)")
    _flag(parser, "--maxConnections", "--max-connections", dest="max_connections", type=int_at_least(1), default=512,
          help="concurrent connections served; more are dropped (logged once per burst)")
    _flag(parser, "--storeRetryS", "--store-retry-s", dest="store_retry_s", type=float, default=30.0,
          help="a local store that cannot be written is retried this long (candles are "
               "not acknowledged meanwhile), then the processor exits with code 3")
    _flag(parser, "--exitOnStdinEof", "--exit-on-stdin-eof", dest="exit_on_stdin_eof", action="store_true",
          help="shut down when stdin reaches end of file (parent process gone)")
    return parser


def _check_exposure(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A listener other machines reach needs a strong token (the environment's, not a flag)."""
    if not is_loopback(args.host):
        problem = token_weakness(os.environ.get("TICKBRIDGE_TOKEN"))
        if problem is not None:
            parser.error(f"--host {args.host} accepts connections from other machines: TICKBRIDGE_TOKEN "
                         f"{problem}; set TICKBRIDGE_TOKEN to a strong shared secret (the engine and "
                         f"LiveFeatureStream send it; at least {MIN_TOKEN_CHARS} characters, e.g. "
                         "`openssl rand -hex 16`), or listen on localhost")


MIN_TOKEN_CHARS = 32
"""A token for a non-loopback bind: 32 characters, 128 bits as hex (``openssl rand -hex 16``)."""


def token_weakness(token: str | None) -> str | None:
    """Why ``token`` is too weak to guard a public listener, or ``None``."""
    if not token:
        return "is not set"
    if len(token) < MIN_TOKEN_CHARS:
        return f"is {len(token)} characters long, too short"
    if len(set(token)) < 8:
        return "repeats too few distinct characters"
    return None


def is_loopback(host: str) -> bool:
    """True when ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # another host name: it may resolve to any interface


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Sets ``stop`` when stdin reaches EOF (read in a daemon thread: works for any stdin)."""

    def read() -> None:
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=read, name="stdin-eof", daemon=True).start()


async def run(args: argparse.Namespace, forwarder: EngineLogForwarder) -> None:
    config = ServerConfig(
        host=args.host, port=args.port, exchange=args.exchange, symbol=args.symbol,
        max_frame_bytes=args.max_frame_bytes, max_connections=args.max_connections,
        session=SessionConfig(default_timeframes=tuple(args.timeframes),
                              partial_interval_ms=args.partial_interval_ms,
                              close_grace_ms=args.close_grace_ms,
                              lateness_ms=args.lateness_ms,
                              token=os.environ.get("TICKBRIDGE_TOKEN") or None,
                              writer_token=os.environ.get("TICKBRIDGE_WRITER_TOKEN") or None))
    stats = Stats()
    publishers: list[EventPublisher] = []
    redis_url = args.redis_url or os.environ.get("REDIS_URL") or None
    if redis_url:
        from .streaming_service.redis_publisher import RedisPublisher
        publishers.append(RedisPublisher(redis_url))
    store = None
    if not args.no_persist:
        bigquery = settings_from_env(os.environ, args.log_dir)  # GCP_PROJECT_ID set: BigQuery
        if bigquery:
            publishers.append(PersistPublisher([BigQueryPersister.connect(bigquery)]))
        else:
            store = LocalStore(args.store_dir, retry_budget_s=args.store_retry_s)
            store.open()
    hub = None
    if not args.no_serve or publishers:
        hub = ServeHub(history=0 if args.no_serve else args.history, publishers=publishers,
                       serving=not args.no_serve)
    server = ProcessorServer(config, stats=stats, hub=hub, log_forwarder=forwarder, store=store)

    stop = asyncio.Event()
    server.on_failure = stop.set
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_on_stdin_eof:
        _watch_stdin(loop, stop)

    host, port = await server.start()
    sys.stdout.write(json.dumps({"event": "listening", "host": host, "port": port},
                                separators=(",", ":")) + "\n")
    sys.stdout.flush()
    await stop.wait()
    await server.stop()
    if server.failure is not None:
        raise ProcessorFailed(server.failure)
    log.info("stopped")


class ProcessorFailed(Exception):
    """The processor cannot go on (its store failed): exit code 3."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_exposure(parser, args)
    forwarder = EngineLogForwarder()
    setup_logging(args.log_dir, forwarder)
    try:
        asyncio.run(run(args, forwarder))
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", args.host, args.port, exc)
        return 1
    except BigQueryConfigError as exc:
        log.error("BigQuery: %s", exc)
        return 2
    except StoreFailed as exc:
        log.error("%s", exc)
        return 2
    except ProcessorFailed as exc:
        log.error("stopped: %s", exc)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
