#!/usr/bin/env bash
# Runs the publish and the consume benchmark (ROUNDS interleaved rounds each, every row the
# median round), one after the other, and writes
# benchmarks/results.md: the date, the machine, the versions, and both tables.
#
#   benchmarks/run_all.sh                  # 1,000,000 messages per measurement, 3 rounds
#   COUNT=50000 ROUNDS=1 benchmarks/run_all.sh      # a quick check
#   UVLOOP=1 benchmarks/run_all.sh          # every client on uvloop (results-uvloop.md)
#
# Needs the broker on HOST:PORT (default 127.0.0.1:5552, guest/guest), our venv (.venv, from
# `make venv`) and the peers' venv (.benchvenv), created here on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-1000000}
ROUNDS=${ROUNDS:-3}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5552}
PY=.venv/bin/python
PEER_PY=.benchvenv/bin/python
UVLOOP=${UVLOOP:-}
OUT=benchmarks/results${UVLOOP:+-uvloop}.md

if [ ! -x "$PEER_PY" ]; then
    # The peers' top-level package `rstream` clashes with ours: they get a venv of their own.
    python3 -m venv .benchvenv
    .benchvenv/bin/pip install -q rstream==1.1.1 rbfly
fi
if [ -n "$UVLOOP" ]; then
    "$PY" -c "import uvloop" 2>/dev/null || .venv/bin/pip install -q uvloop
    "$PEER_PY" -I -c "import uvloop" 2>/dev/null || .benchvenv/bin/pip install -q uvloop
fi

version_of() {
    # -I: the working directory (with our own rstream.egg-info) must not be searched.
    "$PEER_PY" -I -c "import importlib.metadata as m; print(m.version('$1'))"
}

cpu() {
    local model family
    model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)
    family=$(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2- | xargs)
    echo "$model (family $family)"
}

event_loop() {
    if [ -n "$UVLOOP" ]; then
        echo "uvloop $("$PY" -c 'import uvloop; print(uvloop.__version__)') for every client"
    else
        echo "asyncio's default loop"
    fi
}

args=(--count "$COUNT" --rounds "$ROUNDS" --host "$HOST" --port "$PORT" ${UVLOOP:+--uvloop})
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
    echo "# Benchmark results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores, $(cpu), $(uname -sr)"
    echo "- Python: $("$PY" -c 'import platform; print(platform.python_version())')"
    echo "- broker: RabbitMQ $("$PY" benchmarks/raw_ceiling.py version --host "$HOST" --port "$PORT") on $HOST:$PORT"
    echo "- peers: rstream $(version_of rstream), rbfly $(version_of rbfly)"
    echo "- messages per measurement: $COUNT; $ROUNDS rounds, each row the median round"
    echo "- event loop: $(event_loop)"
    echo
} > "$tmp"

start=$SECONDS
"$PY" benchmarks/bench_publish.py "${args[@]}" >> "$tmp"
echo >> "$tmp"
"$PY" benchmarks/bench_consume.py "${args[@]}" >> "$tmp"
echo "Total run time: $((SECONDS - start)) s." >> "$tmp"

mv "$tmp" "$OUT"
trap - EXIT
echo "wrote $OUT" >&2
