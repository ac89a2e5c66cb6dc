"""Runboard's Python client: log a training run in one line, read runs back as DataFrames.

    import runboard
    with runboard.init(experiment="fashion-mnist", config={"lr": 1e-3}) as run:
        for epoch in range(3):
            run.log({"loss": loss, "acc": acc}, step=epoch)

Standard library only. See docs/python.md.
"""

from ._run import Run, Summary, active_run, init
from ._settings import SettingsError
from ._transport import ApiError, TransportError
from .api import Api, ApiRun

__version__ = "0.1.0"
__all__ = ["init", "Run", "Summary", "active_run", "Api", "ApiRun", "ApiError", "TransportError", "SettingsError"]
