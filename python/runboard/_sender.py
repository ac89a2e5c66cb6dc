"""The background thread that delivers the journal: batches consecutive points into one
`logMetrics(columns:)`, backs off on network errors, HTTP 429/5xx and DATABASE_UNAVAILABLE, and heartbeats
while the program is quiet (a run that says nothing for the server's heartbeat timeout is marked CRASHED)."""

import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._journal import Journal
from ._transport import ApiError, GraphQL, TransportError

MAX_BATCH_POINTS = 50_000
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 10.0

CREATE = "mutation($input: CreateRunInput!) { createRun(input: $input) { id name } }"
START = "mutation($id: ID!, $s: JSON) { startRun(id: $id, systemInfo: $s) { id name status } }"
LOG = "mutation($id: ID!, $c: MetricColumnsInput!) { logMetrics(runId: $id, columns: $c) { accepted } }"
FINISH = (
    "mutation($id: ID!, $status: FinalRunStatus!, $code: Int, $error: String) "
    "{ finishRun(id: $id, status: $status, exitCode: $code, error: $error) { id status } }"
)
HEARTBEAT = "mutation($id: ID!) { heartbeat(runId: $id) { status cancelRequested } }"


def _warn(msg: str) -> None:
    print(f"runboard: {msg}", file=sys.stderr, flush=True)


class Sender(threading.Thread):
    def __init__(
        self,
        gql: GraphQL,
        journal: Journal,
        flush_interval: float = 0.2,
        heartbeat_interval: float = 15.0,
        warn: Callable[[str], None] = _warn,
    ):
        super().__init__(name="runboard-sender", daemon=True)
        self.gql, self.journal = gql, journal
        self.flush_interval, self.heartbeat_interval = flush_interval, heartbeat_interval
        self.warn = warn
        self.wake = threading.Event()
        self._stop_requested = threading.Event()
        self._cond = threading.Condition()
        self.online = True
        self.failures = 0  # delivery attempts that hit a transport error
        self.rejected: Dict[str, ApiError] = {}  # run ref -> why its createRun was refused
        self.cancel_requested = False
        self.heartbeat_ref: Optional[str] = None  # the run to keep alive while nothing else is sent
        self._names: Dict[str, str] = {}
        self._last_contact = time.monotonic()

    # --- called from the training thread -------------------------------------------------------------

    def run_id(self, ref: str) -> Optional[str]:
        return ref if not ref.startswith("local:") else self.journal.ids.get(ref)

    def run_name(self, ref: str) -> Optional[str]:
        return self._names.get(ref)

    def wait_delivered(self, position: int, timeout: float, until_failure: bool = False) -> bool:
        """Waits until the journal is delivered up to `position` (True), or the timeout passes, or (with
        until_failure) a delivery attempt fails or a createRun is refused (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            failures = self.failures
            while self.journal.delivered < position:
                if until_failure and (self.failures > failures or self.rejected):
                    return False
                left = deadline - time.monotonic()
                if left <= 0 or not self.is_alive():
                    return False
                self._cond.wait(min(left, 0.5))
            return True

    def stop(self) -> None:
        self._stop_requested.set()
        self.wake.set()

    # --- the thread -------------------------------------------------------------------------------

    def run(self) -> None:
        backoff = BACKOFF_FIRST
        while True:
            # read before draining: finish() appends its last call BEFORE it asks to stop, so a stop seen
            # here means that call is in the file this drain reads
            stopping = self._stop_requested.is_set()
            self.wake.clear()  # before reading: a log() after the read sets it again
            try:
                self._drain()
            except TransportError as e:
                self._went(False, str(e))
                with self._cond:
                    self.failures += 1
                    self._cond.notify_all()
                # a stop request does not cut the backoff short: finish() bounds its own wait
                time.sleep(min(e.retry_after or backoff, BACKOFF_MAX))
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            except Exception as e:  # a bug must not kill delivery silently
                self.warn(f"sender error: {e!r}")
                time.sleep(BACKOFF_MAX)
                continue
            backoff = BACKOFF_FIRST
            self._went(True, "")
            if stopping:
                return
            if not self.wake.wait(self.heartbeat_interval):
                self._heartbeat()
            elif not self._stop_requested.is_set():
                self._stop_requested.wait(self.flush_interval)  # let points pile up into one request

    def _went(self, online: bool, why: str) -> None:
        if online != self.online:
            self.warn(
                "server reachable again, journal replayed"
                if online
                else f"server unreachable ({why}); journaling to {self.journal.path}"
            )
        self.online = online

    def _drain(self) -> None:
        while True:
            entries = self.journal.read()
            if not entries:
                return
            i = 0
            while i < len(entries):
                n = self._group(entries, i)
                self._deliver([op for _, op in entries[i : i + n]])
                self._last_contact = time.monotonic()
                self.journal.commit(entries[i + n - 1][0])
                with self._cond:
                    self._cond.notify_all()
                i += n

    @staticmethod
    def _group(entries: List[Tuple[int, Dict[str, Any]]], i: int) -> int:
        """How many entries from i go as one request: consecutive log calls of one run."""
        first = entries[i][1]
        if first.get("op") != "log":
            return 1
        n, points = 0, 0
        for _, op in entries[i:]:
            if op.get("op") != "log" or op.get("run") != first.get("run"):
                break
            if n and points + len(op["k"]) > MAX_BATCH_POINTS:
                break
            points += len(op["k"])
            n += 1
        return n

    def _deliver(self, ops: List[Dict[str, Any]]) -> None:
        op = ops[0]
        if op.get("op") == "noop":
            return
        ref = op.get("ref") or op.get("run", "")
        if ref in self.rejected:
            return  # its run was never created: nothing about it can be delivered
        run_id = self.run_id(ref)
        try:
            if op["op"] == "create":
                run = self.gql.request(CREATE, {"input": op["input"]})["createRun"]
                self._names[ref] = run["name"]
                self.journal.resolve(ref, run["id"])
            elif run_id is None:
                return  # unreachable: a create precedes every other call of its run in the journal
            elif op["op"] == "start":
                run = self.gql.request(START, {"id": run_id, "s": op.get("systemInfo") or {}})["startRun"]
                self._names[ref] = run["name"]
            elif op["op"] == "log":
                cols = {
                    "keys": [k for o in ops for k in o["k"]],
                    "steps": [s for o in ops for s in o["s"]],
                    "values": [v for o in ops for v in o["v"]],
                    "wallTimes": [t for o in ops for t in o["t"]],
                }
                self.gql.request(LOG, {"id": run_id, "c": cols})
            elif op["op"] == "finish":
                variables = {"id": run_id, "status": op["status"], "code": op.get("exitCode"), "error": op.get("error")}
                self.gql.request(FINISH, variables)
        except ApiError as e:
            if op["op"] in ("create", "start"):  # the run cannot take metrics: its other calls are dropped
                self.rejected[ref] = e
                with self._cond:
                    self._cond.notify_all()
            points = sum(len(o.get("k", ())) for o in ops)
            self.warn(f"server refused {op['op']}{f' ({points} points)' if points else ''}: {e}; dropped")

    def _heartbeat(self) -> None:
        """Keeps a quiet run from being marked CRASHED and learns whether someone asked to stop it."""
        run_id = self.run_id(self.heartbeat_ref) if self.heartbeat_ref else None
        if not run_id:
            return
        try:
            run = self.gql.request(HEARTBEAT, {"id": run_id})["heartbeat"]
        except (TransportError, ApiError):
            return
        if (run.get("status") == "CANCELED" or run.get("cancelRequested")) and not self.cancel_requested:
            self.cancel_requested = True
            self.warn("the run was canceled on the server (run.cancel_requested is True)")
