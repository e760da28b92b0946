"""Secrets out of log lines: passwords in URLs (``redis://:pw@host`` -> ``redis://:***@host``)
and known secret values (tokens), whatever logger or handler the line goes through.
Mirrors core/src/logs/redact.ts."""

from __future__ import annotations

import logging
import os
import re

_URL_CREDENTIALS = re.compile(r"\b([a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE)
SECRET_VARIABLES = ("TICKBRIDGE_TOKEN", "TICKBRIDGE_WRITER_TOKEN", "TARDIS_API_KEY")


def redact_url(text: str) -> str:
    return _URL_CREDENTIALS.sub(r"\1***@", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets replaced by ``***`` (attach to handlers)."""

    def __init__(self, secrets: tuple[str, ...] | None = None) -> None:
        super().__init__()
        values = secrets if secrets is not None else tuple(os.environ.get(n, "") for n in SECRET_VARIABLES)
        self.secrets = tuple(s for s in values if len(s) >= 4)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_url(message)
        for secret in self.secrets:
            clean = clean.replace(secret, "***")
        if clean != message:
            record.msg, record.args = clean, None
        return True
