"""The processor's BigQuery settings, read from the environment as the declared policy says
(the same variables and parsing as the engine's core/src/persist/config.ts)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .policy import BASE_DELAY_S, DEAD_LETTER, ENV, MAX_ATTEMPTS, MAX_DELAY_S, SHUTDOWN_BUDGET_S

DEFAULT_DATASET: str = ENV["dataset"]["default"]
DEAD_LETTER_NAME: str = DEAD_LETTER["files"]["candles"]


class BigQueryConfigError(Exception):
    """A setting is missing or wrong: the message says which and how to fix it."""


@dataclass(frozen=True)
class BigQuerySettings:
    project: str
    dataset: str = DEFAULT_DATASET
    batch_size: int = ENV["batch_size"]["default"]
    batch_timeout_s: float = ENV["batch_timeout_ms"]["default"] / 1000
    api_endpoint: str | None = None
    dead_letter_file: Path = Path("logs") / DEAD_LETTER_NAME
    max_attempts: int = MAX_ATTEMPTS
    base_delay_s: float = BASE_DELAY_S
    max_delay_s: float = MAX_DELAY_S
    close_timeout_s: float = SHUTDOWN_BUDGET_S


def env_text(env: Mapping[str, str], key: str) -> str | None:
    """The trimmed value of the policy's variable ``key``; ``None`` when unset or empty."""
    return env.get(ENV[key]["name"], "").strip() or None


def whole_number(env: Mapping[str, str], key: str) -> int:
    """Decimal digits from 1 to the policy's max; the policy's default when unset."""
    spec = ENV[key]
    text = env_text(env, key)
    if text is None:
        return int(spec["default"])
    value = int(text) if re.fullmatch(r"[0-9]+", text) else 0
    if not 0 < value <= spec["max"]:
        raise BigQueryConfigError(f"{spec['name']} must be a whole number from 1 to {spec['max']}, got {text!r}")
    return value


def settings_from_env(env: Mapping[str, str], log_dir: Path) -> BigQuerySettings | None:
    """The settings, or ``None`` when ``GCP_PROJECT_ID`` is not set (BigQuery is not used)."""
    project = env_text(env, "project")
    if project is None:
        return None
    dataset = env_text(env, "dataset") or DEFAULT_DATASET
    if not re.fullmatch(ENV["dataset"]["pattern"], dataset):
        raise BigQueryConfigError(f"BIGQUERY_DATASET {dataset!r} is not a dataset name: letters, digits "
                                  "and underscores only")
    endpoint = env_text(env, "api_endpoint")
    if endpoint is not None and not re.match(ENV["api_endpoint"]["pattern"], endpoint):
        raise BigQueryConfigError(f"BIGQUERY_API_ENDPOINT must be a URL such as http://127.0.0.1:9050, "
                                  f"got {endpoint!r}")
    return BigQuerySettings(
        project=project, dataset=dataset,
        batch_size=whole_number(env, "batch_size"),
        batch_timeout_s=whole_number(env, "batch_timeout_ms") / 1000,
        api_endpoint=endpoint.rstrip("/") if endpoint else None,
        dead_letter_file=log_dir / DEAD_LETTER_NAME)
