"""The calls a run has made and the server has not acknowledged yet, in memory while the server answers.

`Run.log` is on the training loop's critical path, so it only appends a tuple to a deque (no lock, no
syscall). The sender takes calls from the head, one batch per flush interval. Order is kept by one rule: the
journal file, when it holds anything, holds only calls older than every call in memory. So:
- when a delivery fails, the sender moves the batch it was sending and then everything in memory to the file
  (under the lock) and switches to spilling: from then on each new call is also moved to the file by the thread
  that makes it, so what is logged during an outage survives the process being killed;
- as soon as a request goes through again, new calls stay in memory; the sender delivers the file first and
  memory only once the file is caught up. (Waiting for the file to be caught up before switching back would
  never end while the program logs faster than the backlog drains.) A call racing the switch reaches the file
  under the lock before it, or stays in memory after it.
"""

import math
import threading
import time
from collections import deque
from typing import Any, Deque, Dict, List, Tuple, Union

from ._journal import Journal
from ._wire import encode_value

# A log call in memory: (step, keys, values, wall time in seconds since the epoch). Other calls are dicts.
LogCall = Tuple[int, Tuple[str, ...], List[float], float]
Call = Union[LogCall, Dict[str, Any]]


def iso(t: float) -> str:
    """Seconds since the epoch as the server's DateTime: ISO-8601 UTC with milliseconds."""
    ms = int(t * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def finite(values: List[float]) -> List[Any]:
    """Values for JSON: NaN and the infinities as the MetricValue strings (contract/src/metric-value.ts)."""
    return [v if math.isfinite(v) else encode_value(v) for v in values]


def as_op(ref: str, call: Call) -> Dict[str, Any]:
    """A call as its journal line: a log call as columns of one step."""
    if isinstance(call, dict):
        return call
    step, keys, values, t = call
    n = len(keys)
    return {"op": "log", "run": ref, "k": list(keys), "s": [step] * n, "v": finite(values), "t": [iso(t)] * n}


class Outbox:
    def __init__(self, ref: str, journal: Journal):
        self.ref, self.journal = ref, journal
        self.queue: Deque[Call] = deque()  # append (any thread) and popleft (the sender) are atomic
        self.inflight: List[Call] = []  # taken by the sender, not acknowledged yet
        self.spilling = False  # new calls go to the file too (a delivery failed and the file is not caught up)
        self.closed = False  # finish() gave up and wrote everything to the file: nothing more goes anywhere
        self._lock = threading.Lock()

    def put(self, call: Call) -> None:
        self.queue.append(call)
        if self.spilling:
            self.spill()

    def spill(self) -> None:
        """While spilling: moves what is in memory to the file (the caller's own call included)."""
        with self._lock:
            if self.spilling and not self.closed:
                self._to_file([])

    def _to_file(self, first: List[Call]) -> None:
        calls = list(first)
        while self.queue:
            calls.append(self.queue.popleft())
        self.journal.append(as_op(self.ref, c) for c in calls)

    def go_offline(self) -> None:
        """A delivery failed: the batch in flight and everything behind it to the file, then keep spilling."""
        with self._lock:
            if self.closed:
                return
            self._to_file(self.inflight)
            self.inflight = []
            self.spilling = True

    def go_online(self) -> None:
        """A request went through: new calls stay in memory again. The file may still hold a backlog; the
        sender delivers it before anything in memory, and nothing newer reaches the file until the next
        failure (which appends behind the backlog), so the order holds."""
        if self.spilling:
            with self._lock:
                self.spilling = False

    def take(self, max_points: int, max_calls: int) -> List[Call]:
        """The next batch: up to max_calls consecutive log calls of up to max_points, or one other call."""
        with self._lock:
            batch: List[Call] = []
            points = 0
            while self.queue and len(batch) < max_calls:
                call = self.queue[0]
                if isinstance(call, dict):
                    if not batch:
                        batch.append(self.queue.popleft())
                    break
                if batch and points + len(call[1]) > max_points:
                    break
                points += len(call[1])
                batch.append(self.queue.popleft())
            self.inflight = batch
            return batch

    def ack(self) -> None:
        with self._lock:
            self.inflight = []

    def keep(self, timeout: float = -1) -> bool:
        """finish() gives up, or SIGTERM: everything not acknowledged to the file (the journal is then closed).
        False if the lock was not had within `timeout`."""
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            if not self.closed:
                self._to_file(self.inflight)
                self.inflight = []
                self.closed = True
        finally:
            self._lock.release()
        return True

    def pending(self) -> bool:
        with self._lock:  # take() moves calls from queue to inflight under it
            return bool(self.queue or self.inflight or self.journal.pending_bytes())
