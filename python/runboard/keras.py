"""`RunboardCallback`: log a Keras `model.fit()` with one added line.

    model.fit(x, y, epochs=10, callbacks=[runboard.keras.RunboardCallback()])

Works with tf.keras (2.x) and Keras 3 without importing either: Keras calls callbacks by duck typing, and the
private hooks tf.keras 2's CallbackList asks for (`_implements_*_batch_hooks`, `_supports_tf_logs`) are here.
`on_train_begin` records the optimizer's settings (`optimizer.get_config()`), the model summary and fit's
params in the run's systemInfo under "keras"; `on_epoch_end` logs `logs` (loss, accuracy, val_*) at step=epoch.
"""

import json
import math
from typing import Any, Dict, List, Optional

from . import _run


def _jsonable(v: Any) -> Any:
    """Optimizer configs hold numpy scalars, tensors and schedules: keep what JSON can say, stringify the rest."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    try:
        f = float(v)  # numpy scalars, 0-d tensors, tf.Variable
        return f if math.isfinite(f) else str(f)
    except (TypeError, ValueError):
        pass
    try:
        json.dumps(v)
        return v
    except (TypeError, ValueError):
        return str(v)


def _summary_text(model: Any) -> Optional[str]:
    lines: List[str] = []
    try:
        # Keras 3 calls print_fn(line, line_break=...); tf.keras 2 calls print_fn(line)
        model.summary(print_fn=lambda line, *a, **k: lines.append(str(line)))
    except Exception:  # an unbuilt model cannot summarise itself; that must not stop training
        return None
    return "\n".join(lines)


def _default(method: Any) -> Any:
    method._is_default = True
    return method


class RunboardCallback:
    def __init__(self, run: "Optional[_run.Run]" = None, **init_kwargs: Any):
        """`run`: the run to log to; default the active run (runboard.init()), or one started with
        `init_kwargs` (experiment=..., config=...) when training begins and none is active."""
        self._run = run
        self._init_kwargs = init_kwargs
        self.model: Any = None
        self.params: Dict[str, Any] = {}
        self._supports_tf_logs = False  # tf.keras 2: hand us plain-number logs

    # --- what Keras calls to wire the callback up ---

    def set_model(self, model: Any) -> None:
        self.model = model

    def set_params(self, params: Dict[str, Any]) -> None:
        self.params = params

    def _implements_train_batch_hooks(self) -> bool:
        return False

    def _implements_test_batch_hooks(self) -> bool:
        return False

    def _implements_predict_batch_hooks(self) -> bool:
        return False

    @property
    def run(self) -> "_run.Run":
        if self._run is None or self._run.finished:
            self._run = _run.active_run() or _run.init(**self._init_kwargs)
        return self._run

    # --- the hooks that record something ---

    def on_train_begin(self, logs: Optional[Dict[str, Any]] = None) -> None:
        info: Dict[str, Any] = {"params": _jsonable(self.params)}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "get_config"):
            info["optimizer"] = _jsonable(optimizer.get_config())
        summary = _summary_text(self.model) if self.model is not None else None
        if summary is not None:
            info["summary"] = summary
        self.run.set_system_info({"keras": info})

    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        numbers = {}
        for k, v in (logs or {}).items():
            try:
                numbers[k] = float(v)
            except (TypeError, ValueError):
                continue  # Keras puts the odd non-number in logs; only numbers are metrics
        if numbers:
            self.run.log(numbers, step=epoch)

    # --- the rest of the Callback interface: nothing to do. Marked the way Keras marks its own defaults
    # (`_is_default`), so Keras 3 still dispatches batches asynchronously with this callback in the list. ---

    @_default
    def on_train_end(self, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_epoch_begin(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_batch_begin(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_train_batch_begin(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_train_batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_test_begin(self, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_test_end(self, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_test_batch_begin(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_test_batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_predict_begin(self, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_predict_end(self, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_predict_batch_begin(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
    @_default
    def on_predict_batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None: ...
