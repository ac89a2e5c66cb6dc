"""The background thread that delivers a run's calls: once per flush interval it takes what `Run.log` put in
memory and sends the consecutive points as one `logMetrics(columns:)`; it backs off on network errors, HTTP
429/5xx and DATABASE_UNAVAILABLE (writing the undelivered calls to the journal, which it delivers first when
the server is back), and heartbeats while the program is quiet (a run that says nothing for the server's
heartbeat timeout is marked CRASHED). Between flushes it sleeps on an Event: it takes the GIL a few times a
second, for the time it takes to build and encode one request."""

import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ._outbox import Call, Outbox, finite, iso
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
        outbox: Outbox,
        flush_interval: float = 0.2,
        heartbeat_interval: float = 15.0,
        warn: Callable[[str], None] = _warn,
    ):
        super().__init__(name="runboard-sender", daemon=True)
        self.gql, self.outbox, self.journal = gql, outbox, outbox.journal
        self.flush_interval, self.heartbeat_interval = flush_interval, heartbeat_interval
        self.warn = warn
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

    def wait_delivered(self, timeout: float, until_failure: bool = False) -> bool:
        """Waits until every call made so far is delivered (True), or the timeout passes, or (with
        until_failure) a delivery attempt fails or a createRun is refused (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            failures = self.failures
            while self.outbox.pending():
                if until_failure and (self.failures > failures or self.rejected):
                    return False
                left = deadline - time.monotonic()
                if left <= 0 or not self.is_alive():
                    return False
                self._cond.wait(min(left, 0.5))
            return True

    def stop(self) -> None:
        """Delivers what is there without waiting for the flush interval, then ends the thread."""
        self._stop_requested.set()

    # --- the thread -------------------------------------------------------------------------------

    def run(self) -> None:
        backoff = BACKOFF_FIRST
        while not self.outbox.closed:
            # read before draining: finish() puts its last call BEFORE it asks to stop, so a stop seen here
            # means that call is in what this drain delivers
            stopping = self._stop_requested.is_set()
            try:
                self._drain()
            except TransportError as e:
                self._failed(str(e))
                # a stop request does not cut the backoff short: finish() bounds its own wait
                time.sleep(min(e.retry_after or backoff, BACKOFF_MAX))
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            except Exception as e:  # a bug must not kill delivery silently, nor lose the calls in flight
                if not self.outbox.closed:
                    self.warn(f"sender error: {e!r}")
                    self.outbox.go_offline()
                time.sleep(BACKOFF_MAX)
                continue
            backoff = BACKOFF_FIRST
            self._went(True, "")
            if stopping:
                return
            # sleep until the next flush (or finish()); heartbeat when nothing was sent for a while
            self._stop_requested.wait(self.flush_interval)
            if not self.outbox.queue and time.monotonic() - self._last_contact >= self.heartbeat_interval:
                self._heartbeat()

    def _failed(self, why: str) -> None:
        self.outbox.go_offline()  # before anyone learns of the failure: init() returns on it
        self._went(False, why)
        with self._cond:
            self.failures += 1
            self._cond.notify_all()

    def _went(self, online: bool, why: str) -> None:
        if online != self.online:
            self.warn(
                "server reachable again, journal replayed"
                if online
                else f"server unreachable ({why}); journaling to {self.journal.path}"
            )
        self.online = online

    def _delivered(self) -> None:
        self.outbox.go_online()
        self._went(True, "")
        self._last_contact = time.monotonic()
        with self._cond:
            self._cond.notify_all()

    def _drain(self) -> None:
        """The file first (it only holds calls older than those in memory), then the calls in memory now: one
        flush. Calls made meanwhile wait for the next one, so a program logging all the time still gets
        batches of one flush interval, not a request after every call."""
        while self.journal.pending_bytes():
            self._drain_file()
        left = len(self.outbox.queue)
        while left > 0:
            batch = self.outbox.take(MAX_BATCH_POINTS, left)
            if not batch:
                return
            left -= len(batch)
            self._deliver_calls(batch)
            self.outbox.ack()
            self._delivered()

    def _drain_file(self) -> None:
        end = self.journal.offset + self.journal.pending_bytes()  # complete lines: _size moves after a write
        entries = self.journal.read()
        if not entries:  # only the torn last line of a process killed mid-write: it never completes
            self.journal.commit(end)
            return
        i = 0
        while i < len(entries):
            n = self._group(entries, i)
            self._deliver([op for _, op in entries[i : i + n]])
            self.journal.commit(entries[i + n - 1][0])
            self._delivered()
            i += n

    @staticmethod
    def _group(entries: List[Tuple[int, Dict[str, Any]]], i: int) -> int:
        """How many journal entries from i go as one request: consecutive log calls of one run."""
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

    def _deliver_calls(self, batch: List[Call]) -> None:
        """A batch from memory: one non-log call, or log calls turned into columns here, off the training thread."""
        if isinstance(batch[0], dict):
            self._deliver(batch)  # type: ignore[arg-type]
            return
        keys: List[str] = []
        steps: List[int] = []
        values: List[Any] = []
        times: List[str] = []
        last_ms, last_s, stamp, prefix = -1, -1, "", ""
        for step, ks, vs, t in batch:  # type: ignore[misc]
            ms = int(t * 1000)
            if ms != last_ms:  # calls within one millisecond share the string, within one second the prefix
                if ms // 1000 != last_s:
                    last_s = ms // 1000
                    prefix = iso(t)[:-5]
                last_ms, stamp = ms, "%s.%03dZ" % (prefix, ms % 1000)
            n = len(ks)
            keys.extend(ks)
            values.extend(vs)
            if n == 1:
                steps.append(step)
                times.append(stamp)
            else:
                steps.extend([step] * n)
                times.extend([stamp] * n)
        self._send_log(self.outbox.ref, keys, steps, values, times)

    def _send_log(self, ref: str, keys: List[str], steps: List[int], values: List[Any], times: List[str]) -> None:
        if ref in self.rejected:
            return
        run_id = self.run_id(ref)
        if run_id is None:
            return  # unreachable: a create precedes every other call of its run
        cols = {"keys": keys, "steps": steps, "values": values, "wallTimes": times}
        try:
            try:
                self.gql.request(LOG, {"id": run_id, "c": cols})
            except ValueError:  # a NaN or an infinity (JSON has none): the rare case pays for the scan
                cols["values"] = finite(values)
                self.gql.request(LOG, {"id": run_id, "c": cols})
        except ApiError as e:
            self.warn(f"server refused log ({len(keys)} points): {e}; dropped")

    def _deliver(self, ops: List[Dict[str, Any]]) -> None:
        """Journal-format calls: one create/start/finish, or consecutive log calls of one run."""
        op = ops[0]
        if op.get("op") == "noop":
            return
        ref = op.get("ref") or op.get("run", "")
        if ref in self.rejected:
            return  # its run was never created: nothing about it can be delivered
        if op["op"] == "log":
            keys = [k for o in ops for k in o["k"]]
            steps = [s for o in ops for s in o["s"]]
            self._send_log(ref, keys, steps, [v for o in ops for v in o["v"]], [t for o in ops for t in o["t"]])
            return
        run_id = self.run_id(ref)
        try:
            if op["op"] == "create":
                if run_id is not None:
                    return  # created before a crash that kept the cursor from moving: never twice
                run = self.gql.request(CREATE, {"input": op["input"]})["createRun"]
                self._names[ref] = run["name"]
                self.journal.resolve(ref, run["id"])
            elif run_id is None:
                return  # unreachable: a create precedes every other call of its run in the journal
            elif op["op"] == "start":
                run = self.gql.request(START, {"id": run_id, "s": op.get("systemInfo") or {}})["startRun"]
                self._names[ref] = run["name"]
            elif op["op"] == "finish":
                variables = {"id": run_id, "status": op["status"], "code": op.get("exitCode"), "error": op.get("error")}
                self.gql.request(FINISH, variables)
        except ApiError as e:
            if op["op"] in ("create", "start"):  # the run cannot take metrics: its other calls are dropped
                self.rejected[ref] = e
                with self._cond:
                    self._cond.notify_all()
            self.warn(f"server refused {op['op']}: {e}; dropped")

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
