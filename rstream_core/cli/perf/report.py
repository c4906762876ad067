"""What `rstream perf` prints: a line (or a JSON object) per second, a summary, a plot."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from rstream_core.cli.perf.histogram import Histogram
from rstream_core.cli.perf.stats import Interval
from rstream_core.errors import MissingDependencyError

PERCENTILES = (0.5, 0.95, 0.99)
MB = 1024 * 1024


def _ms(histogram: Histogram) -> dict[str, float]:
    p50, p95, p99 = histogram.percentiles(PERCENTILES)
    return {"p50": round(p50 / 1000, 3), "p95": round(p95 / 1000, 3),
            "p99": round(p99 / 1000, 3), "max": round(histogram.maximum / 1000, 3)}


@dataclass
class Second:
    """One reporting interval of the whole run (every worker added up)."""

    elapsed: float  # seconds since the start, at the end of this interval
    seconds: float  # its length
    counts: Interval

    def rate(self, count: int) -> int:
        return round(count / self.seconds) if self.seconds > 0 else 0

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "elapsed": round(self.elapsed, 3),
            "published": self.rate(c.published),
            "confirmed": self.rate(c.confirmed),
            "errored": self.rate(c.errored),
            "consumed": self.rate(c.consumed),
            "confirm_latency_ms": _ms(c.confirm_latency),
            "latency_ms": _ms(c.latency),
            "chunk_size": round(c.chunk_size, 1),
            "rss_mb": round(c.rss / MB, 1),
        }

    def line(self) -> str:
        c = self.counts
        return (
            f"{self.elapsed:5.0f} s  published {self.rate(c.published):>9,} msg/s, "
            f"confirmed {self.rate(c.confirmed):>9,} msg/s, "
            f"consumed {self.rate(c.consumed):>9,} msg/s, "
            f"confirm latency {_triple(c.confirm_latency)} ms, "
            f"latency {_triple(c.latency)} ms, "
            f"chunk size {c.chunk_size:,.0f}, RSS {c.rss / MB:,.0f} MB"
        )


def _triple(histogram: Histogram) -> str:
    """p50/p95/p99 in milliseconds."""
    return "/".join(f"{value / 1000:.1f}" for value in histogram.percentiles(PERCENTILES))


@dataclass
class Run:
    """Every second of a run, and the totals."""

    seconds: list[Second] = field(default_factory=list)
    total: Interval = field(default_factory=Interval)
    max_rss: int = 0
    producing_seconds: float | None = None  # --time, when producing stopped at that time

    def add(self, second: Second) -> None:
        self.seconds.append(second)
        self.total.add(second.counts)
        self.max_rss = max(self.max_rss, second.counts.rss)

    def _busy_seconds(self, name: str) -> float:
        """Until the last interval in which something was published (consumed)."""
        busy = [second.elapsed for second in self.seconds if getattr(second.counts, name)]
        return busy[-1] if busy else 0.0

    def summary(self, duration: float, settings: dict[str, Any]) -> dict[str, Any]:
        """Publish rates over the time spent producing, consume rates over the time until
        the last message came (not the wait for stragglers at the end)."""
        t = self.total
        producing = self.producing_seconds or self._busy_seconds("published")
        consuming = self._busy_seconds("consumed")

        def rate(count: int, seconds: float) -> int:
            return round(count / seconds) if seconds > 0 else 0

        return {
            "summary": {
                "duration_s": round(duration, 3),
                "settings": settings,
                "published": t.published,
                "confirmed": t.confirmed,
                "errored": t.errored,
                "consumed": t.consumed,
                "published_per_s": rate(t.published, producing),
                "confirmed_per_s": rate(t.confirmed, producing),
                "consumed_per_s": rate(t.consumed, consuming),
                "confirm_latency_ms": _ms(t.confirm_latency),
                "latency_ms": _ms(t.latency),
                "chunk_size": round(t.chunk_size, 1),
                "max_rss_mb": round(self.max_rss / MB, 1),
            }
        }


def summary_text(summary: dict[str, Any]) -> str:
    s = summary["summary"]
    cl, lat = s["confirm_latency_ms"], s["latency_ms"]
    return "\n".join([
        f"summary ({s['duration_s']:.1f} s, {s['settings']['event_loop']} event loop):",
        f"  published {s['published']:,} ({s['published_per_s']:,} msg/s), "
        f"confirmed {s['confirmed']:,} ({s['confirmed_per_s']:,} msg/s), "
        f"errored {s['errored']:,}",
        f"  consumed {s['consumed']:,} ({s['consumed_per_s']:,} msg/s), "
        f"chunk size {s['chunk_size']:,}",
        f"  confirm latency ms: p50 {cl['p50']}  p95 {cl['p95']}  p99 {cl['p99']}  "
        f"max {cl['max']}",
        f"  latency ms: p50 {lat['p50']}  p95 {lat['p95']}  p99 {lat['p99']}  max {lat['max']}",
        f"  max RSS {s['max_rss_mb']} MB",
    ])


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))


def check_plotting() -> None:
    """Before the run: --plot needs matplotlib (the rstream[perf] extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError("--plot", "matplotlib", "perf") from exc


def _ms_or_gap(histogram: Histogram, fraction: float) -> float:
    """A percentile in ms; NaN (a gap in the line) for a second without samples."""
    return histogram.percentile(fraction) / 1000 if histogram.total else math.nan


def plot(run: Run, path: str) -> None:
    """Rates (top) and latency percentiles (bottom) against time, into a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    elapsed = [second.elapsed for second in run.seconds]
    figure, (rates, latencies) = pyplot.subplots(2, 1, sharex=True, figsize=(10, 7))
    for name in ("published", "confirmed", "consumed"):
        rates.plot(elapsed, [s.rate(getattr(s.counts, name)) for s in run.seconds], label=name)
    rates.set_ylabel("messages per second")
    rates.legend()
    for fraction in PERCENTILES:
        label = f"p{round(fraction * 100)}"
        latencies.plot(elapsed, [_ms_or_gap(s.counts.latency, fraction) for s in run.seconds],
                       label=f"latency {label}")
        latencies.plot(elapsed, [_ms_or_gap(s.counts.confirm_latency, fraction)
                                 for s in run.seconds], "--", label=f"confirm {label}")
    latencies.set_ylabel("milliseconds")
    latencies.set_xlabel("seconds")
    latencies.legend(ncol=2)
    figure.suptitle("rstream perf")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
