#!/usr/bin/env bash
# Runs a libFuzzer target for a fixed number of inputs, starting from its committed corpus
# (read-only: new inputs go to a scratch directory). Fails on any crash, leak or UBSan report.
set -eu
target=$1 corpus=$2 runs=${3:-20000}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
"$target" -runs="$runs" -seed=1 -max_len=600 -print_final_stats=1 "$scratch" "$corpus"
