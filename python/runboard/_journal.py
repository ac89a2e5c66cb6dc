"""The on-disk journal of tracking calls the server has not acknowledged: an append-only JSON-lines file plus a
cursor file saying how far the server has acknowledged it.

While the server answers, calls never touch the disk: `Run.log` puts them in memory (`_outbox.Outbox`) and the
sender delivers them from there. When a delivery fails (server unreachable, 429/5xx, DATABASE_UNAVAILABLE) the
sender writes every undelivered call here, and until the file is caught up each new call is appended as it is
made, so what the program logs during an outage survives the program being killed. When `finish()` gives up on
an unreachable server, what is left is written here too. The sender delivers this file (oldest first) before
anything newer in memory and moves the cursor (atomic rename); a journal left by a dead process is replayed with
`python -m runboard replay FILE`. Re-delivery after a crash between delivery and cursor update is safe:
logMetrics rewrites the same (run, key, step) rows, startRun and finishRun repeat as no-ops.
"""

import fcntl
import json
import os
import threading
import time
from typing import Any, Dict, Iterable, List, Optional, Tuple

CURSOR_SECONDS = 1.0  # rewrite the cursor file at most this often while a backlog drains
READ_BYTES = 4 << 20  # read the backlog in chunks of this size


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
        self._ids_saved = True  # whether the cursor file on disk has every id (a spilled call may need one)
        self._saved_at = 0.0
        self._size = os.fstat(self._file.fileno()).st_size  # the file's length: this process is its only writer
        self.closed = False
        try:
            with open(self.cursor_path, encoding="utf-8") as f:
                state = json.load(f)
            self.offset, self.ids = int(state["offset"]), dict(state.get("ids", {}))
        except (OSError, ValueError, KeyError):
            pass

    def append(self, ops: Iterable[Dict[str, Any]]) -> None:
        """Appends calls in one write (into the page cache, no fsync: it survives the process being killed)."""
        data = b"".join((json.dumps(op, separators=(",", ":"), allow_nan=False) + "\n").encode() for op in ops)
        if not data:
            return
        with self._lock:
            if self.closed:  # finish() gave up and closed it; the sender may still be in a request
                raise JournalBusy(f"{self.path} is closed")
            if not self._ids_saved:  # a replay of these lines must know the runs created from memory
                self._save()
            self._file.write(data)
            self._file.flush()
            self._size += len(data)  # counted, not tell()

    def pending_bytes(self) -> int:
        return self._size - self.offset

    def read(self) -> List[Tuple[int, Dict[str, Any]]]:
        """Undelivered calls from the cursor on, each with the file offset just past it. A torn last line (a
        process killed mid-write) is not returned until it is complete, and never if it stays torn."""
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
        delivered twice, which logMetrics/startRun/finishRun absorb. A caught-up file is emptied (its cursor
        saved as 0 first), so the next outage starts from a small file."""
        with self._lock:
            if self.closed:  # finish() gave up meanwhile; the cursor it saved is the one to keep
                return
            self.offset = offset
            if offset == self._size:
                self._save(0)
                self._file.truncate(0)
                self._size = self.offset = 0
            elif not self._ids_saved or time.monotonic() - self._saved_at >= CURSOR_SECONDS:
                self._save()

    def resolve(self, local_id: str, run_id: str) -> None:
        """A createRun was delivered. createRun is not idempotent: a replay must know the run exists, so the id
        is saved before any later call of that run reaches the file."""
        with self._lock:
            self.ids[local_id] = run_id
            self._ids_saved = False

    def _save(self, offset: Optional[int] = None) -> None:
        """Writes the cursor file; the caller holds the lock."""
        state = {"offset": self.offset if offset is None else offset, "ids": self.ids}
        _atomic_write(self.cursor_path, json.dumps(state))
        self._saved_at = time.monotonic()
        self._ids_saved = True

    def close(self, remove: bool) -> None:
        with self._lock:
            if self.closed:
                return
            self.closed = True
            if not remove:
                self._save()
            self._file.close()
        if remove:
            for p in (self.path, self.cursor_path):
                try:
                    os.remove(p)
                except FileNotFoundError:
                    pass
