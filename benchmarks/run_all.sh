#!/usr/bin/env bash
# The former name of benchmarks/compare.
exec "$(dirname "$0")/compare" "$@"
