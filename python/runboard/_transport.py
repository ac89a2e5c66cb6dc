"""GraphQL over HTTP with urllib. Separates "the server cannot be reached or is overloaded" (TransportError:
journal and retry later) from "the server said no" (ApiError: retrying the same call cannot help)."""

import http.client
import json
import socket
import threading
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit

# Codes that mean "try again later", whatever the HTTP status they came with.
RETRYABLE_CODES = {"DATABASE_UNAVAILABLE"}


class TransportError(Exception):
    def __init__(self, message: str, retry_after: Optional[float] = None):
        super().__init__(message)
        self.retry_after = retry_after


class ApiError(Exception):
    def __init__(self, message: str, code: Optional[str] = None):
        super().__init__(f"{code or 'ERROR'}: {message}")
        self.code = code


def _retry_after(headers: Any) -> Optional[float]:
    try:
        return float(headers.get("Retry-After")) if headers and headers.get("Retry-After") else None
    except ValueError:
        return None


class GraphQL:
    """One keep-alive connection (a new TCP connection per request would cost the sender thread, the server and
    the training loop's CPU); plain urllib when an HTTP proxy applies to the URL."""

    def __init__(self, url: str, key: Optional[str] = None, timeout: float = 15.0):
        self.url = url
        self.timeout = timeout
        self._headers = {"content-type": "application/json", "accept": "application/json"}
        if key:
            self._headers["authorization"] = f"Bearer {key}"
        parts = urlsplit(url)
        self._https, self._host, self._path = parts.scheme == "https", parts.netloc, parts.path or "/"
        proxied = urllib.request.getproxies().get(parts.scheme)
        self._via_proxy = bool(proxied) and not urllib.request.proxy_bypass(parts.hostname or "")
        self._conn: Optional[http.client.HTTPConnection] = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never shows the key
        return f"GraphQL({self.url!r})"

    def _post(self, body: bytes) -> Tuple[int, bytes, Any]:
        if self._via_proxy:
            req = urllib.request.Request(self.url, data=body, headers=self._headers, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    return res.status, res.read(), res.headers
            except urllib.error.HTTPError as e:
                return e.code, e.read(), e.headers
        with self._lock:
            for attempt in (0, 1):
                fresh = self._conn is None
                if fresh:
                    cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
                    self._conn = cls(self._host, timeout=self.timeout)
                try:
                    self._conn.request("POST", self._path, body, self._headers)
                    res = self._conn.getresponse()
                    raw = res.read()
                    if res.will_close:
                        self._conn.close()
                        self._conn = None
                    return res.status, raw, res.headers
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    self._conn.close()
                    self._conn = None
                    if fresh or attempt:
                        raise
                    # the server closed an idle keep-alive connection: once more on a new one
                except BaseException:
                    self._conn.close()
                    self._conn = None
                    raise
        raise AssertionError("unreachable")

    def request(self, query: str, variables: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        # allow_nan=False: a NaN that slipped past the MetricValue encoding must fail here, not as bad JSON
        body = json.dumps({"query": query, "variables": variables or {}}, allow_nan=False).encode()
        try:
            status, raw, headers = self._post(body)
        except (urllib.error.URLError, http.client.HTTPException, socket.timeout, OSError) as e:
            raise TransportError(f"cannot reach {self.url}: {getattr(e, 'reason', e)}") from None
        if status >= 500 or status == 429:
            raise TransportError(f"{self.url} answered HTTP {status}", _retry_after(headers))
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise ApiError(f"HTTP {status} without JSON: {raw[:200]!r}") from None
        errors = parsed.get("errors") if isinstance(parsed, dict) else None
        if errors:
            first = errors[0]
            code = (first.get("extensions") or {}).get("code")
            if code in RETRYABLE_CODES:
                raise TransportError(f"{code}: {first.get('message')}", _retry_after(headers))
            raise ApiError(first.get("message", "error"), code)
        if not isinstance(parsed, dict) or parsed.get("data") is None:
            raise ApiError(f"HTTP {status} without data")
        return parsed["data"]
