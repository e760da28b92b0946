import logging

from market_data_tick_handler.logging_setup import LOG_FILE_NAME, EngineLogForwarder, setup_logging


def record(level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord("market_data_tick_handler.x", level, __file__, 1, message, None, None)


def test_forwarder_rate_limits_and_reports_dropped_lines():
    now = [0.0]
    sent: list[dict] = []
    forwarder = EngineLogForwarder(rate_per_s=1.0, burst=2, clock=lambda: now[0])
    forwarder.sink = lambda frame, _route: sent.append(frame)
    for n in range(5):
        forwarder.handle(record(logging.WARNING, f"line {n}"))
    assert [f["message"] for f in sent] == ["line 0", "line 1"]
    now[0] = 10.0
    forwarder.handle(record(logging.INFO, "later"))
    assert sent[2:] == [{"type": "log", "level": "warning", "message": "3 log lines were not forwarded (rate limit)"},
                        {"type": "log", "level": "info", "message": "later"}]
    forwarder.handle(record(logging.DEBUG, "debug"))
    assert len(sent) == 4


def test_forwarder_without_sink_does_nothing():
    forwarder = EngineLogForwarder()
    forwarder.handle(record(logging.ERROR, "x"))  # no engine connected: no error


def test_log_file_is_created_in_the_log_dir(tmp_path):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = setup_logging(tmp_path / "logs")
        logging.getLogger("market_data_tick_handler.test").warning("hello file")
        for handler in root.handlers:
            handler.flush()
        assert path == tmp_path / "logs" / LOG_FILE_NAME
        assert "hello file" in path.read_text()
    finally:
        for handler in root.handlers[len(before):]:
            handler.close()
        root.handlers[:] = before


def test_redacting_filter_hides_url_passwords_and_known_secrets():
    from market_data_tick_handler.redact import RedactingFilter

    secret = "tok-0123456789abcdef"
    line = logging.LogRecord("market_data_tick_handler.x", logging.WARNING, __file__, 1,
                             "redis %s unreachable; token %s", ("redis://user:pa55@host:6379/0", secret), None)
    RedactingFilter((secret,)).filter(line)
    assert line.getMessage() == "redis redis://user:***@host:6379/0 unreachable; token ***"
