"""One timed run's figures, whatever drove it (wrk or the in-process thread pool)."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Run:
    requests: int
    seconds: float
    rps: float
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    errors: int  # non-2xx answers, timeouts and socket errors (wrk), exceptions (in process)
    error_detail: dict[str, int] | None = None
    settle_s: float = 0.0  # how long the system then took to finish what was still in flight

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest-rank percentile of an ascending list (as wrk reports them)."""
    if not ordered:
        return None
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarise(latencies_s: list[float], elapsed_s: float, errors: int) -> Run:
    ordered = sorted(x * 1000 for x in latencies_s)
    return Run(requests=len(ordered), seconds=elapsed_s, rps=len(ordered) / elapsed_s if elapsed_s else 0.0,
               p50_ms=percentile(ordered, 50), p90_ms=percentile(ordered, 90), p99_ms=percentile(ordered, 99),
               max_ms=ordered[-1] if ordered else None, errors=errors)
