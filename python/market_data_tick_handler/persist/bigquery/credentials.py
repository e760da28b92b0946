"""Which Google Cloud credentials the processor uses, found as the declared policy says (the
engine's core/src/persist/credentials.ts follows the same file), and the client built on them."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .policy import GCLOUD
from .settings import BigQueryConfigError, BigQuerySettings, env_text

HINT = ("set GOOGLE_APPLICATION_CREDENTIALS to a service account key file (JSON) or run "
        "`gcloud auth application-default login`; or unset GCP_PROJECT_ID to keep candles "
        "in the local store")


def gcloud_credentials_file(env: Mapping[str, str], platform: str = sys.platform,
                            home: Path | None = None) -> Path:
    """Where ``gcloud auth application-default login`` writes its credentials."""
    config_dir = env.get(GCLOUD["config_dir_env"], "").strip()
    if config_dir:
        folder = Path(config_dir)
    elif platform == "win32" and env.get("APPDATA", "").strip():
        folder = Path(env["APPDATA"].strip()) / GCLOUD["windows_config_dir"][1]
    else:
        folder = (home or Path.home()).joinpath(*GCLOUD["config_dir"][1:])
    file_name: str = GCLOUD["file"]
    return folder / file_name


def check_key_file(key_file: str) -> None:
    """A key file must be readable JSON with a ``type`` (what Google's loaders need)."""
    try:
        parsed = json.loads(Path(key_file).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BigQueryConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={key_file}: no such file; {HINT}") from None
    except (OSError, ValueError) as exc:
        raise BigQueryConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={key_file} is not a readable JSON key "
                                  f"file ({exc}); {HINT}") from None
    if not isinstance(parsed, dict) or "type" not in parsed:
        raise BigQueryConfigError(f"GOOGLE_APPLICATION_CREDENTIALS={key_file} is JSON but not a Google "
                                  f"credentials file (no \"type\" field); {HINT}")


def make_client(settings: BigQuerySettings, env: Mapping[str, str] = os.environ) -> Any:
    """The official client: anonymous against ``api_endpoint``, else default credentials."""
    from google.cloud import bigquery

    if settings.api_endpoint is not None:
        from google.auth.credentials import AnonymousCredentials

        return bigquery.Client(project=settings.project, credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # google-auth leaves it unannotated
                               client_options={"api_endpoint": settings.api_endpoint})
    key_file = env_text(env, "key_file")
    if key_file is not None:
        check_key_file(key_file)
    elif not gcloud_credentials_file(env).is_file():
        raise BigQueryConfigError(f"GCP_PROJECT_ID is set but there are no Google Cloud credentials: {HINT}")
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    try:
        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/bigquery"])
    except DefaultCredentialsError as exc:
        raise BigQueryConfigError(f"cannot load Google Cloud credentials ({exc}); {HINT}") from None
    return bigquery.Client(project=settings.project, credentials=credentials)
