"""Where the server is and which key to use: from the environment an agent sets, or from arguments.
Keys never come from the command line (every user of the machine can read argv, /proc/<pid>/cmdline)."""

import json
import os
import stat
from typing import Any, Dict, Optional
from urllib.parse import urlsplit, urlunsplit

DEFAULT_API = "http://127.0.0.1:4000/graphql"


class SettingsError(Exception):
    """The environment or arguments are unusable (bad key file, unreadable config)."""


def graphql_url(url: Optional[str] = None) -> str:
    """The GraphQL endpoint: the argument, RUNBOARD_API, RUNBOARD_SERVER (what agents set today), or the default.
    A base URL (http://host:4000) gets /graphql appended."""
    u = url or os.environ.get("RUNBOARD_API") or os.environ.get("RUNBOARD_SERVER") or DEFAULT_API
    parts = urlsplit(u)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"runboard: server URL must be http(s)://host[:port][/graphql], got {u!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/graphql"):
        path = f"{path}/graphql"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def read_key_file(path: str) -> str:
    """A key file must be private: a group- or world-readable file leaks the key to other users."""
    try:
        st = os.stat(path)
    except OSError as e:
        raise SettingsError(f"runboard: RUNBOARD_API_KEY_FILE {path}: {e.strerror}") from None
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SettingsError(
            f"runboard: RUNBOARD_API_KEY_FILE {path} is accessible by group/others "
            f"(mode {stat.S_IMODE(st.st_mode):o}); run `chmod 600 {path}`"
        )
    with open(path, encoding="utf-8") as f:
        key = f.read().strip()
    if not key:
        raise SettingsError(f"runboard: RUNBOARD_API_KEY_FILE {path} is empty")
    return key


def api_key(key: Optional[str] = None) -> Optional[str]:
    """The argument, else RUNBOARD_API_KEY, else the file RUNBOARD_API_KEY_FILE names; None without any."""
    if key:
        return key
    if os.environ.get("RUNBOARD_API_KEY"):
        return os.environ["RUNBOARD_API_KEY"]
    path = os.environ.get("RUNBOARD_API_KEY_FILE")
    return read_key_file(path) if path else None


def launched_run() -> Optional[Dict[str, Any]]:
    """When an agent launched this process: the run id and the run's config (RUNBOARD_CONFIG, a JSON file)."""
    run_id = os.environ.get("RUNBOARD_RUN_ID")
    if not run_id:
        return None
    config: Dict[str, Any] = {}
    path = os.environ.get("RUNBOARD_CONFIG")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                config = json.load(f)
        except (OSError, ValueError) as e:
            raise SettingsError(f"runboard: RUNBOARD_CONFIG {path}: {e}") from None
        if not isinstance(config, dict):
            raise SettingsError(f"runboard: RUNBOARD_CONFIG {path} must hold a JSON object")
    return {"id": run_id, "config": config}
