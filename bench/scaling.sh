#!/usr/bin/env bash
# The measurements of docs/scaling.md: tgdp bench at 1 and 2 threads (one process) and at 2 MPI
# ranks x 1 thread, one JSON object per line. Run on an otherwise idle machine:
#   bash bench/scaling.sh build/tgdp [min-seconds-per-workload] > scaling.jsonl
set -eu
T="${1:-build/tgdp}"
MIN="${2:-3}"
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2) load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$T" bench --threads 1 --min-time "$MIN" --json
"$T" bench --threads 2 --min-time "$MIN" --json
if "$T" version | grep -q "mpi: yes" && command -v mpirun >/dev/null; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
  mpirun -np 2 --oversubscribe "$T" bench --threads 1 --min-time "$MIN" --json \
    --workloads eps_train_4096,eps_train_256,eps_train_64,g_alg3_4096,g_alg4_4096
fi
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
