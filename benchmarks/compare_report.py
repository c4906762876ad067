"""The chart and the ratios of a benchmarks/compare run, from the rows the benchmarks wrote
with --results-json.

    .venv/bin/python benchmarks/compare_report.py ROWS.jsonl... --png benchmarks/compare.png

Every scenario is one of our modes; each other client's row names the mode of ours it is
compared with (its `baseline`), and when a client has several rows for one scenario (rbfly's
flush sizes) its fastest counts. Prints, and returns as markdown, one line per scenario with
our rate and our ratio to each other client.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from pathlib import Path

from common import OURS, Result

CLIENTS = [OURS, "rstream 1.1.1", "rbfly", "raw asyncio socket"]


def load(paths: list[str]) -> list[Result]:
    rows = []
    for path in paths:
        rows += [Result.from_json(line) for line in Path(path).read_text().splitlines() if line]
    return [row for row in rows if not row.error]


def by_scenario(rows: list[Result]) -> dict[str, dict[str, float]]:
    """scenario (our mode) -> client -> msg/s, in the order our rows came."""
    table: dict[str, dict[str, float]] = defaultdict(dict)
    for row in rows:
        if row.client == OURS:
            table[scenario(row.mode)][OURS] = row.rate
    for row in rows:
        if row.client != OURS and scenario(row.baseline) in table:
            rates = table[scenario(row.baseline)]
            rates[row.client] = max(rates.get(row.client, 0.0), row.rate)
    return dict(table)


def scenario(mode: str) -> str:
    """Our mode, said as publish or consume (the publish modes are the ones that send)."""
    return f"publish {mode}" if "send" in mode else f"consume {mode}"


def ratio_lines(table: dict[str, dict[str, float]]) -> list[str]:
    lines = ["| scenario | ours msg/s | ours vs rstream 1.1.1 | ours vs rbfly | "
             "ours vs the raw ceiling |", "| --- | ---: | ---: | ---: | ---: |"]
    for scenario, rates in table.items():
        ours = rates[OURS]
        cells = [f"{ours / rates[c]:.2f}x" if rates.get(c) else "-" for c in CLIENTS[1:]]
        lines.append(f"| {scenario} | {ours:,.0f} | {' | '.join(cells)} |")
    return lines


def chart(table: dict[str, dict[str, float]], path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    scenarios = list(table)
    height = 0.8 / len(CLIENTS)
    figure, axes = pyplot.subplots(figsize=(11, 0.55 * len(scenarios) * len(CLIENTS) / 2 + 2))
    for number, client in enumerate(CLIENTS):
        rates = [table[s].get(client, math.nan) for s in scenarios]
        positions = [i + number * height for i in range(len(scenarios))]
        axes.barh(positions, rates, height=height, label=client)
    axes.set_yticks([i + 0.4 - height / 2 for i in range(len(scenarios))], scenarios)
    axes.invert_yaxis()
    axes.set_xscale("log")
    axes.set_xlabel("messages per second (log scale)")
    axes.set_title(title)
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rows", nargs="+", help="JSON lines written with --results-json")
    p.add_argument("--png", required=True)
    p.add_argument("--title", default="Publish and consume, 1 machine, one run")
    a = p.parse_args()
    table = by_scenario(load(a.rows))
    chart(table, a.png, a.title)
    print("\n".join(ratio_lines(table)))


if __name__ == "__main__":
    main()
