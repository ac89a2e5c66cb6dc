"""`runboard.init()` and the Run it returns: what a training script calls."""

import atexit
import math
import operator
import os
import platform
import re
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Mapping
from typing import Any, Dict, Iterable, Iterator, Optional, Set

from . import _settings
from ._journal import Journal
from ._outbox import Outbox
from ._sender import Sender
from ._transport import ApiError, GraphQL
from ._wire import to_float

MAX_STEP = 2**31 - 1
_KEY = re.compile(r"^[^\x00-\x1f\x7f]{1,250}$")
_ERROR_CHARS = 10_000  # the server keeps this much of an error message

_active: Optional["Run"] = None
_hooks_installed = False
_hooks_lock = threading.Lock()


class Summary(Mapping):
    """The latest value logged for each key (read-only: log a value with run.log to store it)."""

    def __init__(self) -> None:
        self._values: Dict[str, float] = {}

    def __getitem__(self, key: str) -> float:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __setitem__(self, key: str, value: Any) -> None:
        raise TypeError("run.summary is read-only: it shows the last value of each key; store one with run.log()")

    def __repr__(self) -> str:
        return f"Summary({self._values!r})"


def _journal_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.environ.get("RUNBOARD_JOURNAL_DIR") or os.path.join(base, "runboard", "journal")


def _system_info() -> Dict[str, Any]:
    return {
        "host": socket.gethostname(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pid": os.getpid(),
        "client": "runboard-python",
    }


class Run:
    """One training run. Create it with `runboard.init()`."""

    def __init__(
        self,
        *,
        sender: Sender,
        ref: str,
        config: Dict[str, Any],
        name: Optional[str],
        finish_timeout: float,
    ):
        self._sender, self._ref = sender, ref
        self._outbox, self._journal = sender.outbox, sender.journal
        self._queue = sender.outbox.queue
        self._known_keys: Set[str] = set()  # names already checked: each is validated once
        self.config: Dict[str, Any] = config
        self._name = name
        self.summary = Summary()
        self._step = 0
        self._finish_timeout = finish_timeout
        self._finished = False
        self._lock = threading.Lock()

    @property
    def id(self) -> Optional[str]:
        """The server's run id; None while a run created offline has not reached the server yet."""
        return self._sender.run_id(self._ref)

    @property
    def name(self) -> Optional[str]:
        return self._sender.run_name(self._ref) or self._name

    @property
    def journal_path(self) -> str:
        return self._journal.path

    @property
    def online(self) -> bool:
        """Whether the last delivery attempt reached the server."""
        return self._sender.online

    @property
    def cancel_requested(self) -> bool:
        """True once the server says someone canceled the run (checked while the run is quiet)."""
        return self._sender.cancel_requested

    @property
    def finished(self) -> bool:
        return self._finished

    def __repr__(self) -> str:
        return f"<runboard.Run {self.name or ''} id={self.id}>"

    def log(self, data: Mapping, step: Optional[int] = None) -> None:
        """Records numbers for one step. Returns at once: the call goes into memory (no I/O, no lock) and a
        background thread sends it with the others of its flush interval. Without `step`, the step after the
        previous call's is used (0 first)."""
        if self._finished:
            raise RuntimeError("runboard: log() after finish()")
        if type(data) is not dict and not isinstance(data, Mapping):
            raise TypeError(f"runboard: log() takes a dict of numbers, got {type(data).__name__}")
        if step is None:
            step = self._step
        elif type(step) is not int:
            step = operator.index(step)
        if not 0 <= step <= MAX_STEP:
            raise ValueError(f"runboard: step must be within 0..{MAX_STEP}, got {step}")
        keys = tuple(data)
        values = list(data.values())
        for k in keys:
            if k not in self._known_keys:
                self._check_key(k)
        for i, v in enumerate(values):
            if type(v) is not float:  # ints, bools, numpy scalars, 0-d tensors; strings and None refused
                values[i] = to_float(keys[i], v)
        self._step = step + 1
        if not keys:
            return
        self._queue.append((step, keys, values, time.time()))
        if self._outbox.spilling:  # the server is unreachable: the call goes to the journal on disk at once
            self._outbox.spill()
        self.summary._values.update(zip(keys, values))

    def _check_key(self, k: Any) -> None:
        if not isinstance(k, str) or not _KEY.match(k):
            raise ValueError(f"runboard: metric name must be 1..250 characters without control characters: {k!r}")
        self._known_keys.add(k)

    def set_system_info(self, info: Dict[str, Any]) -> None:
        """Merges `info` into the run's systemInfo (startRun merges; repeating it on a RUNNING run is allowed)."""
        self._outbox.put({"op": "start", "run": self._ref, "systemInfo": info})

    def finish(self, exit_code: int = 0, *, status: str = "FINISHED", error: Optional[str] = None) -> bool:
        """Ends the run and waits (up to finish_timeout) until the server has everything. Returns True when it
        has; otherwise the journal stays on disk and the message says how to replay it. Idempotent."""
        with self._lock:
            if self._finished:
                return True
            self._finished = True
        op: Dict[str, Any] = {"op": "finish", "run": self._ref, "status": status, "exitCode": exit_code}
        if error:
            op["error"] = error[-_ERROR_CHARS:]
        self._outbox.put(op)
        self._sender.heartbeat_ref = None
        self._sender.stop()
        done = self._sender.wait_delivered(self._finish_timeout)
        global _active
        if _active is self:
            _active = None
        if done:
            self._sender.join(5)  # it stops after delivering the last call
            self._journal.close(remove=True)
        else:
            self._outbox.keep()  # what the server has not acknowledged, to the journal on disk
            self._sender.warn(
                f"server still unreachable; {self._journal.pending_bytes()} bytes of calls kept in {self._journal.path}. "
                f"Deliver later with: python -m runboard replay {self._journal.path}"
            )
            self._journal.close(remove=False)
        return done

    def fail(self, error: str, exit_code: int = 1) -> bool:
        """Ends the run FAILED with `error` (e.g. a traceback)."""
        return self.finish(exit_code, status="FAILED", error=error)

    def _fail_with(self, exc_type: Any, exc: BaseException, tb: Any) -> None:
        if isinstance(exc, SystemExit):
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if code == 0:
                self.finish(0)
                return
            self.fail(f"SystemExit: {exc.code}", code)
            return
        self.fail("".join(traceback.format_exception(exc_type, exc, tb)))

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> bool:
        if exc is None:
            self.finish()
        else:
            self._fail_with(exc_type, exc, tb)
        return False


def _install_hooks() -> None:
    """Once per process: an unhandled exception fails the active run; a normal exit finishes it."""
    global _hooks_installed
    with _hooks_lock:
        if _hooks_installed:
            return
        _hooks_installed = True
    previous = sys.excepthook

    def excepthook(exc_type: Any, exc: BaseException, tb: Any) -> None:
        run = _active
        if run is not None and not run.finished:
            try:
                run._fail_with(exc_type, exc, tb)
            except Exception as e:  # reporting must never hide the original error
                print(f"runboard: could not mark the run FAILED: {e}", file=sys.stderr)
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    atexit.register(_finish_at_exit)
    # SIGTERM (an agent's cancel, `kill`) ends Python without atexit: keep what memory holds on disk first.
    # Only where nobody chose a handler, and only from the main thread (signal.signal's own rule).
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _keep_on_sigterm)


def _keep_on_sigterm(signum: int, frame: Any) -> None:
    """Writes the active run's undelivered calls to its journal, then dies of SIGTERM as before."""
    run = _active
    if run is not None and not run.finished:
        # bounded: this thread may have been interrupted holding the lock (then the calls are on disk already,
        # it only takes it while spilling during an outage)
        if run._outbox.keep(timeout=1.0):
            run._journal.close(remove=False)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _finish_at_exit() -> None:
    run = _active
    if run is not None and not run.finished:
        run.finish()


def _flush_interval(value: Optional[float]) -> float:
    raw = value if value is not None else os.environ.get("RUNBOARD_FLUSH_SECONDS", "0.2")
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = math.nan
    if not 0 < seconds <= 60:  # NaN fails too
        raise ValueError(f"runboard: flush_interval / RUNBOARD_FLUSH_SECONDS must be 0 < seconds <= 60, got {raw!r}")
    return seconds


def init(
    experiment: Optional[str] = None,
    config: Optional[Dict[str, Any]] = None,
    name: Optional[str] = None,
    tags: Optional[Iterable[str]] = None,
    *,
    notes: str = "",
    url: Optional[str] = None,
    api_key: Optional[str] = None,
    journal_dir: Optional[str] = None,
    init_timeout: float = 10.0,
    finish_timeout: Optional[float] = None,
    flush_interval: Optional[float] = None,
) -> Run:
    """Starts a run (or, under an agent, attaches to the run it launched) and returns it.

    Under an agent (RUNBOARD_RUN_ID set) the run already exists: `experiment`, `name` and `tags` are the
    launch's, and `run.config` is `config` updated with the launch's config (RUNBOARD_CONFIG), so a sweep's
    values override the script's defaults. The server URL comes from `url`, RUNBOARD_API or RUNBOARD_SERVER;
    the key from `api_key`, RUNBOARD_API_KEY or the 0600 file RUNBOARD_API_KEY_FILE names. `flush_interval`
    (or RUNBOARD_FLUSH_SECONDS; default 0.2) is how long the sender lets points pile up between requests: longer
    means fewer, bigger requests (less work for a server on the training machine), and later live points.
    """
    global _active
    flush = _flush_interval(flush_interval)  # before anything is started: bad input fails at the call
    if _active is not None and not _active.finished:
        _active.finish()
    gql = GraphQL(_settings.graphql_url(url), _settings.api_key(api_key))
    launched = _settings.launched_run()
    if launched is None and not experiment:
        raise ValueError("runboard.init() needs experiment=... (unless an agent launched this process)")
    config = dict(config or {})
    local = f"local:{uuid.uuid4()}"
    journal = Journal(os.path.join(journal_dir or _journal_dir(), f"{local[6:]}.jsonl"))
    outbox = Outbox(local, journal)
    sender = Sender(gql, outbox, flush_interval=flush)
    if finish_timeout is None:
        finish_timeout = float(os.environ.get("RUNBOARD_FINISH_TIMEOUT", "30"))
    info = _system_info()
    if launched:
        ref = outbox.ref = launched["id"]
        config.update(launched["config"])
    else:
        ref = local
        create = {"experimentName": experiment, "config": config, "tags": list(tags or []), "notes": notes}
        if name:
            create["name"] = name
        outbox.put({"op": "create", "ref": ref, "input": {**create, "systemInfo": info}})
    outbox.put({"op": "start", "run": ref, "systemInfo": info})
    sender.heartbeat_ref = ref
    run = Run(sender=sender, ref=ref, config=config, name=name, finish_timeout=finish_timeout)
    sender.start()
    # One delivery attempt while the caller waits: a refused key or config fails here, loudly; an unreachable
    # server does not (the run is journaled and created when the server is back).
    sender.wait_delivered(init_timeout, until_failure=True)
    if ref in sender.rejected:
        sender.stop()
        outbox.closed = True  # nothing of a refused run is kept
        journal.close(remove=True)
        raise sender.rejected[ref]
    _active = run
    _install_hooks()
    return run


def active_run() -> Optional[Run]:
    return _active


__all__ = ["init", "Run", "Summary", "ApiError", "active_run"]
