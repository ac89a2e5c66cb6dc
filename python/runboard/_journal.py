"""Write-ahead journal of tracking calls: an append-only JSON-lines file plus a cursor file saying how far
the server has acknowledged it.

`Run.log` appends one line and returns (a write into the page cache: microseconds, never the network), so a
point is durable once `log` returns: a killed process, a dead server or a lost response cannot lose it. The
sender thread reads the file from the cursor, delivers in order, and moves the cursor (atomic rename). While
the server is unreachable the lines simply accumulate and are replayed in order when it is back; a journal
left by a dead process is replayed with `python -m runboard replay FILE`. Re-delivery after a crash between
delivery and cursor update is safe: logMetrics rewrites the same (run, key, step) rows, startRun and finishRun
repeat as no-ops.
"""

import fcntl
import json
import os
import threading
import time
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple

COMPACT_BYTES = 4 << 20  # truncate a fully delivered file once it is this large
CURSOR_SECONDS = 1.0  # rewrite the cursor file at most this often while a backlog drains
READ_BYTES = 4 << 20  # read the backlog in chunks of this size
# calls kept in memory for the sender; beyond that it reads them back from the file
MAX_QUEUED = int(os.environ.get("RUNBOARD_JOURNAL_QUEUE", "100000"))


class JournalBusy(Exception):
    """Another live process holds the journal."""


def _atomic_write(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


class Journal:
    def __init__(self, path: str):
        self.path = path
        self.cursor_path = f"{path}.cursor"
        os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
        # 0600: the journal holds the run's config, which may be private
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._file = os.fdopen(fd, "ab")
        try:  # one writer/deliverer per journal: a replay must not race the live process that owns it
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            raise JournalBusy(f"{path} is in use by a running process") from None
        self._lock = threading.Lock()
        self.offset = 0  # bytes of the file the server has acknowledged
        self.ids: Dict[str, str] = {}  # local placeholder -> server run id, for runs created while offline
        self._saved_at = 0.0
        self._compacted = 0  # bytes dropped by compaction, so positions stay monotonic
        self._size = os.fstat(self._file.fileno()).st_size  # the file's length: this process is its only writer
        try:
            with open(self.cursor_path, encoding="utf-8") as f:
                state = json.load(f)
            self.offset, self.ids = int(state["offset"]), dict(state.get("ids", {}))
        except (OSError, ValueError, KeyError):
            pass
        # While the server keeps up, the sender takes calls from memory instead of parsing the file back: the
        # queue then holds exactly the undelivered calls (file end offset, call). After a long outage (or with
        # a journal left by another process) it reads the file until it has caught up.
        self._queue: Deque[Tuple[int, Dict[str, Any]]] = deque()
        self._in_memory = self._size <= self.offset

    def append(self, op: Dict[str, Any]) -> int:
        """Appends one call; returns its end position (compare with `delivered`)."""
        line = (json.dumps(op, separators=(",", ":"), allow_nan=False) + "\n").encode()
        with self._lock:
            self._file.write(line)
            self._file.flush()  # into the OS: survives the process being killed
            self._size += len(line)  # counted, not tell(): one syscall per call is enough
            if self._in_memory:
                self._queue.append((self._size, op))
                if len(self._queue) > MAX_QUEUED:  # a long outage: leave the backlog to the file
                    self._queue.clear()
                    self._in_memory = False
            return self._compacted + self._size

    @property
    def delivered(self) -> int:
        return self._compacted + self.offset

    def pending_bytes(self) -> int:
        return self._size - self.offset

    def read(self) -> List[Tuple[int, Dict[str, Any]]]:
        """Undelivered calls from the cursor on, each with the file offset just past it. A torn last line (a
        process killed mid-write) is not returned until it is complete, and never if it stays torn."""
        with self._lock:
            if self._in_memory:
                return list(self._queue)
        out: List[Tuple[int, Dict[str, Any]]] = []
        try:
            f = open(self.path, "rb")
        except FileNotFoundError:  # removed by a finished run
            return out
        with f:
            f.seek(self.offset)
            buf = f.read(READ_BYTES)
            while buf and b"\n" not in buf:  # one line longer than a chunk
                more = f.read(READ_BYTES)
                if not more:
                    break
                buf += more
        pos = self.offset
        for line in buf.split(b"\n")[:-1]:
            pos += len(line) + 1
            if line.strip():
                try:
                    out.append((pos, json.loads(line)))
                except ValueError:
                    continue  # unreadable line: skipping it keeps the rest deliverable
        return out

    def commit(self, offset: int) -> None:
        """The server acknowledged everything before `offset`. The cursor file is rewritten at most every
        CURSOR_SECONDS (a rename costs milliseconds on a busy disk): after a crash, at most that much is
        delivered twice, which logMetrics/startRun/finishRun absorb. Once everything is delivered it is saved
        at once, before `offset` moves: whoever sees the new position (finish() removing the files) must not
        race the write."""
        now = time.monotonic()
        if offset == self._size or now - self._saved_at >= CURSOR_SECONDS:
            self._save(offset)
        with self._lock:
            self.offset = offset
            while self._queue and self._queue[0][0] <= offset:
                self._queue.popleft()
            if not self._in_memory and self._size == offset:  # caught up: back to the queue
                self._in_memory = True
            if offset >= COMPACT_BYTES and self._size == offset:
                self._file.truncate(0)
                self._size = 0
                self._save(0)
                self._compacted += self.offset
                self.offset = 0

    def resolve(self, local_id: str, run_id: str) -> None:
        """A createRun was delivered; saved with the commit that follows (createRun is not idempotent: a replay
        must know the run exists)."""
        self.ids[local_id] = run_id
        self._saved_at = 0.0

    def _save(self, offset: Optional[int] = None) -> None:
        state = {"offset": self.offset if offset is None else offset, "ids": self.ids}
        _atomic_write(self.cursor_path, json.dumps(state))
        self._saved_at = time.monotonic()

    def close(self, remove: bool) -> None:
        if not remove:
            self._save()
        self._file.close()
        if remove:
            for p in (self.path, self.cursor_path):
                try:
                    os.remove(p)
                except FileNotFoundError:
                    pass
