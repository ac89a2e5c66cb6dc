"""The MetricValue wire format (contract/src/metric-value.ts): a JSON number when finite, otherwise one of
the strings "NaN", "Infinity", "-Infinity" (GraphQL's Float, and JSON itself, cannot carry them)."""

import math
from datetime import datetime, timezone
from typing import Any, Union

Wire = Union[float, int, str]


def encode_value(v: float) -> Wire:
    if math.isfinite(v):
        return v
    if math.isnan(v):
        return "NaN"
    return "Infinity" if v > 0 else "-Infinity"


def decode_value(v: Any) -> Any:
    """Wire value (or None) back to a float; None stays None (absent)."""
    if v is None:
        return None
    if isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}.get(v, math.nan)
    return float(v)


def to_float(name: str, v: Any) -> float:
    """A loggable number from anything numeric (int, float, bool, numpy scalars, 0-d tensors)."""
    if isinstance(v, (str, bytes)) or v is None:
        raise TypeError(f"runboard: metric {name!r} must be a number, got {type(v).__name__}")
    try:
        return float(v)
    except (TypeError, ValueError) as e:
        raise TypeError(f"runboard: metric {name!r} must be a number, got {type(v).__name__}: {e}") from None


def iso_now() -> str:
    """Wall time as the server's DateTime: ISO-8601 UTC with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
