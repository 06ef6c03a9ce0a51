#!/usr/bin/env bash
# make scale-test (issue 15): runs docs/scaling.md's Slurm job array on a real single-node Slurm
# and checks that the sharded grid gives exactly what one process gives.
#
#  1. Finds a reachable Slurm (scontrol ping, an idle node) or installs slurm-wlm and munge and
#     starts munged, slurmctld and slurmd (the commands of docs/scaling.md, "A trial cluster").
#  2. Builds bin/mdgps (-tags openblas, as the Makefile does).
#  3. Runs the grid in one process: bin/mdgps reproduce GRID --out WORK/one/out.
#  4. Fills in scripts/slurm-array.sh — the script docs/scaling.md shows verbatim — with the array
#     size, the grid flags and the output directory (nothing else may differ) and submits it.
#     Once shard 1 is in the middle of a run, `scontrol requeue JOB_1` stops it (SIGTERM) and
#     puts that same array task back in the queue; it must resume its shard (the records written
#     before the stop must survive byte for byte, wall times included: not recomputed).
#  5. Submits the merge of docs/scaling.md as a job that waits for the array (afterok; it is
#     bin/mdgps reproduce without --shard: every run skipped, figures and success.md written),
#     waits for both (timeout), runs mdgps table and
#     compares with step 3: every run's config.json and iterations.jsonl, success.md, the
#     figures' SVG, `mdgps table` and `mdgps table --csv`. Only wall-clock data is ignored
#     (wall_seconds in the records, the "wall s" column of the tables). The interactive HTML
#     figures are not compared (go-echarts gives each chart a random element id), nor are the
#     checkpoints (not results; two identical one-process runs already differ there). The
#     first difference fails the test.
#  6. Stops the daemons it started, by PID (KEEP_SLURM=1 leaves them running).
#
# Environment: SCALE_WORK (work directory; default a new /tmp/mdgps-scale.*, kept on failure),
# SCALE_TIMEOUT (seconds to wait for the array, default 900), KEEP_SLURM=1, GO.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
GO="${GO:-go}"
SHARDS=3
ITER=3
GRID=(--era current --tasks obstacle,linear --seeds 0,1 --iterations "$ITER" --sstep-iterations 50)
REQUEUE_SHARD=1
TIMEOUT="${SCALE_TIMEOUT:-900}"
WORK="${SCALE_WORK:-$(mktemp -d /tmp/mdgps-scale.XXXXXX)}"
mkdir -p "$WORK"
HOST="$(hostname -s)"
CONF=/etc/slurm/slurm.conf
MARK="# written by mirrorgps scripts/scale-test.sh"
T0=$(date +%s)

log() { echo "scale-test [$(($(date +%s) - T0)) s]: $*" >&2; }
die() {
  echo "scale-test: FAIL: $*" >&2
  echo "scale-test: the work directory $WORK is kept" >&2
  exit 1
}

# ---------------------------------------------------------------- the cluster

STARTED=() # "name pid" of the daemons this script started
stop_started() {
  local i name pid
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    read -r name pid <<<"${STARTED[i]}"
    if [ "${KEEP_SLURM:-0}" = 1 ]; then
      log "leaving $name (pid $pid) running (KEEP_SLURM=1)"
      continue
    fi
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) still running after 10 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    else
      log "stopped $name (pid $pid)"
    fi
  done
  STARTED=()
}
JOB=""
MERGE=""
JOBS_DONE=""
cleanup() {
  # Jobs left behind (a failure or Ctrl-C before they finished) are cancelled, so that they do
  # not run later into a deleted work directory.
  local j
  [ -n "$JOBS_DONE" ] || for j in $JOB $MERGE; do
    if [ -n "$(squeue -h -j "$j" 2>/dev/null)" ]; then
      scancel "$j" 2>/dev/null && log "cancelled job $j"
    fi
  done
  stop_started
}
trap cleanup EXIT
trap 'exit 130' INT TERM

slurm_reachable() {
  command -v sbatch >/dev/null && command -v scontrol >/dev/null || return 1
  timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP' || return 1
  timeout 10 sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc|comp)'
}

# start_daemon NAME PIDFILE CMD...: starts a forking daemon and records the PID it writes.
start_daemon() {
  local name=$1 pidfile=$2 pid=""
  shift 2
  rm -f "$pidfile"
  "$@"
  for _ in $(seq 100); do
    [ -s "$pidfile" ] && pid=$(cat "$pidfile") && kill -0 "$pid" 2>/dev/null && break
    pid=""
    sleep 0.1
  done
  [ -n "$pid" ] || die "$name did not start (no live pid in $pidfile); see its log"
  STARTED+=("$name $pid")
  log "started $name (pid $pid)"
}

# pid_alive PIDFILE: the daemon of that pid file is running.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
  local mem
  # Declare the node's memory (else Slurm assumes 1 MB and rejects --mem), a little below
  # what the kernel reports so that slurmd never finds less than declared.
  mem=$(awk '/MemTotal/ {printf "%d", $2 / 1024 * 0.95}' /proc/meminfo)
  mkdir -p /etc/slurm
  cat >"$CONF" <<EOF
$MARK (docs/scaling.md): a single-node trial cluster
ClusterName=mdgps-trial
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
# A requeued job may start again after cred_expire seconds (default 120).
AuthInfo=cred_expire=30
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$HOST CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=trial Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
}

start_slurm() {
  # The array script asks 2 CPUs and 4 GB per task.
  [ "$(nproc)" -ge 2 ] || die "the array script asks 2 CPUs per task; this machine has $(nproc)"
  [ "$(awk '/MemTotal/ {print int($2 / 1024 * 0.95)}' /proc/meminfo)" -ge 4096 ] ||
    die "the array script asks 4 GB per task; this machine has less than 4.3 GB"
  if ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    log "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -q >/dev/null
    apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends slurm-wlm munge >/dev/null
  fi
  # munge: a key (the package usually makes one), its run directory, and munged as user munge.
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge
  chown munge:munge /run/munge
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    start_daemon munged /run/munge/munged.pid runuser -u munge -- /usr/sbin/munged
  fi
  if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    die "$CONF exists (not written by this script) but no Slurm is reachable; start that cluster, or move the file away to let this script write a trial one"
  fi
  write_conf
  mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  if ! timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; then
    pid_alive /run/slurmctld.pid && die "slurmctld (pid $(cat /run/slurmctld.pid)) runs but does not answer scontrol ping"
    start_daemon slurmctld /run/slurmctld.pid slurmctld
  fi
  if ! pid_alive /run/slurmd.pid; then
    start_daemon slurmd /run/slurmd.pid slurmd
  fi
  local state=""
  for i in $(seq 60); do
    state=$(sinfo -h -n "$HOST" -o '%t' 2>/dev/null || true)
    case "$state" in
    idle | mix | alloc | comp) return 0 ;;
    down | drain | drng) scontrol update NodeName="$HOST" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 1
  done
  die "node $HOST is '$state' after 60 s; see /var/log/slurm/slurmd.log and slurmctld.log"
}

if slurm_reachable; then
  log "using the Slurm that is running ($(scontrol ping | head -1))"
else
  [ "$(id -u)" -eq 0 ] || die "no reachable Slurm, and starting one needs root"
  start_slurm
  log "Slurm is up: $(sinfo -h -o '%P %D %t %c CPUs %m MB' | head -1)"
fi

# ---------------------------------------------------------------- the binary and the reference

scripts/install-deps.sh
command -v jq >/dev/null || scripts/install-deps.sh jq
mkdir -p bin
"$GO" build -tags openblas -o bin/mdgps ./cmd/mdgps
MDGPS="$REPO/bin/mdgps"
log "built bin/mdgps; grid: ${GRID[*]}, $SHARDS shards; work directory $WORK"

# The merge and the reference are called identically (same arguments, relative --out), so that
# success.md, which quotes its command, compares byte for byte.
rm -rf "$WORK/one" "$WORK/array"
mkdir -p "$WORK/one" "$WORK/array/logs"
log "one process: mdgps reproduce ${GRID[*]} --out out --quiet"
(cd "$WORK/one" && "$MDGPS" reproduce "${GRID[@]}" --out out --quiet >reproduce.log 2>&1) ||
  die "the one-process reproduce failed: $(tail -5 "$WORK/one/reproduce.log")"

# ---------------------------------------------------------------- the array

# Fill in the template: the array size, the grid flags, the output directory.
TEMPLATE=scripts/slurm-array.sh
SCRIPT="$WORK/array/grid.sh"
grep -qxF '#SBATCH --array=0-7' "$TEMPLATE" && grep -q '^SHARDS=8 ' "$TEMPLATE" &&
  grep -q '^GRID=(' "$TEMPLATE" && grep -q '^OUT=' "$TEMPLATE" ||
  die "$TEMPLATE lost one of the lines this test fills in (#SBATCH --array=0-7, SHARDS=8, GRID=(, OUT=)"
sed -e "s|^#SBATCH --array=0-7\$|#SBATCH --array=0-$((SHARDS - 1))|" \
  -e "s|^SHARDS=8 |SHARDS=$SHARDS |" \
  -e "s|^GRID=([^)]*) |GRID=(${GRID[*]}) |" \
  -e "s|^OUT=\"[^\"]*\" |OUT=\"$WORK/array/out\" |" "$TEMPLATE" >"$SCRIPT"
changed=$(diff "$TEMPLATE" "$SCRIPT" | grep -c '^>' || true)
[ "$changed" = 4 ] || die "filling in $TEMPLATE changed $changed lines, want 4: $(diff "$TEMPLATE" "$SCRIPT")"
# The docs show the template verbatim.
awk '/^```sh slurm-array.sh$/ {on = 1; next} on && /^```$/ {exit} on' docs/scaling.md | cmp -s - "$TEMPLATE" ||
  die "docs/scaling.md does not show $TEMPLATE verbatim (in its \`\`\`sh slurm-array.sh block)"

JOB=$(sbatch --parsable --output="$WORK/array/logs/slurm-%A_%a.out" "$SCRIPT")
JOB=${JOB%%;*}
log "submitted array job $JOB (sbatch $SCRIPT, from $REPO)"
# The merge, as docs/scaling.md submits it: a job that starts once every array task has ended
# well (afterok), also the requeued one. It runs in WORK/array with the reference's arguments.
MERGE=$(sbatch --parsable --dependency="afterok:$JOB" --kill-on-invalid-dep=yes --job-name=mdgps-merge \
  --chdir="$WORK/array" --output="$WORK/array/merge.log" \
  --wrap "$(printf '%q ' "$MDGPS" reproduce "${GRID[@]}" --out out --quiet)")
MERGE=${MERGE%%;*}
log "submitted the merge as job $MERGE (--dependency=afterok:$JOB)"

# The runs of the shard to interrupt, in its order.
mapfile -t MINE < <("$MDGPS" reproduce "${GRID[@]}" --out "$WORK/dry" --shard "$REQUEUE_SHARD/$SHARDS" --dry-run |
  sed -n 's|.* to run in .*/\(runs/[^/]*\)$|out/\1|p')
rm -rf "$WORK/dry"
[ ${#MINE[@]} -gt 0 ] || die "shard $REQUEUE_SHARD/$SHARDS has no runs to interrupt"

task_state() { squeue -h -j "${JOB}_$1" -o '%T' 2>/dev/null | head -1; }
records() { [ -f "$1/iterations.jsonl" ] && wc -l <"$1/iterations.jsonl" || echo 0; }

# Interrupt shard REQUEUE_SHARD in the middle of a run (1..ITER-1 iterations recorded) and
# requeue it. A stop that happened to leave the run finished is tried again on a later run.
deadline=$(($(date +%s) + TIMEOUT))
interrupted=""
requeues=0
while [ -z "$interrupted" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || die "shard $REQUEUE_SHARD never seen mid-run within ${TIMEOUT} s (state $(task_state $REQUEUE_SHARD))"
  if [ "$(task_state $REQUEUE_SHARD)" = RUNNING ]; then
    for d in "${MINE[@]}"; do
      n=$(records "$WORK/array/$d")
      [ "$n" -ge 1 ] && [ "$n" -lt "$ITER" ] || continue
      scontrol requeue "${JOB}_$REQUEUE_SHARD"
      requeues=$((requeues + 1))
      log "requeued ${JOB}_$REQUEUE_SHARD while $d had $n of $ITER iterations"
      # PENDING once every process of the task has exited (COMPLETING until then).
      for _ in $(seq 600); do
        [ "$(task_state $REQUEUE_SHARD)" = PENDING ] && break
        sleep 0.1
      done
      n=$(records "$WORK/array/$d")
      if [ "$n" -lt "$ITER" ]; then
        interrupted="$d with $n of $ITER iterations recorded"
        interrupted_dir=$d
        interrupted_n=$n
        cp "$WORK/array/$d/iterations.jsonl" "$WORK/array/interrupted.jsonl"
      else
        log "$d finished before the task stopped; interrupting again later"
        [ "$requeues" -lt 3 ] || die "three requeues never left a run unfinished"
      fi
      break
    done
  fi
  sleep 0.05
done
log "interrupted shard $REQUEUE_SHARD: $interrupted; it is now $(task_state $REQUEUE_SHARD)"

while [ -n "$(squeue -h -j "$JOB,$MERGE" 2>/dev/null)" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || die "the array and the merge did not finish within ${TIMEOUT} s: $(squeue -r -j "$JOB,$MERGE" -o '%i %T %r' | tr '\n' ';'); logs in $WORK/array"
  sleep 2
done
JOBS_DONE=1 # nothing left to cancel (and no squeue once the controller is stopped)
# Every task completed with status 0; the interrupted one ran again.
tasks=$(scontrol -o show job "$JOB" 2>/dev/null) || die "scontrol show job $JOB: the job record is gone"
for i in $(seq 0 $((SHARDS - 1))); do
  line=$(grep -E "ArrayTaskId=$i( |$)" <<<"$tasks") || die "task ${JOB}_$i not in scontrol show job"
  grep -q 'JobState=COMPLETED' <<<"$line" && grep -q 'ExitCode=0:0' <<<"$line" ||
    die "task ${JOB}_$i: $(grep -oE 'JobState=[^ ]+|ExitCode=[^ ]+|Reason=[^ ]+' <<<"$line" | tr '\n' ' '); log $WORK/array/logs/slurm-${JOB}_$i.out"
  restarts=$(grep -oE 'Restarts=[0-9]+' <<<"$line" | cut -d= -f2)
  want=0
  [ "$i" = "$REQUEUE_SHARD" ] && want=$requeues
  [ "$restarts" = "$want" ] || die "task ${JOB}_$i restarted $restarts times, want $want"
done
log "array $JOB: $SHARDS tasks COMPLETED with exit code 0; task $REQUEUE_SHARD restarted $requeues time(s)"

# Resumed, not started afresh: the records written before the stop are still there byte for
# byte, wall_seconds included (a recomputed iteration would have another wall time).
head -n "$interrupted_n" "$WORK/array/$interrupted_dir/iterations.jsonl" | cmp -s - "$WORK/array/interrupted.jsonl" ||
  die "$interrupted_dir: the $interrupted_n iterations recorded before the requeue were rewritten; the task did not resume the run"

# ---------------------------------------------------------------- the merge and the comparison

line=$(scontrol -o show job "$MERGE" 2>/dev/null) || die "scontrol show job $MERGE: the merge's job record is gone"
grep -q 'JobState=COMPLETED' <<<"$line" && grep -q 'ExitCode=0:0' <<<"$line" ||
  die "the merge job $MERGE: $(grep -oE 'JobState=[^ ]+|ExitCode=[^ ]+|Reason=[^ ]+' <<<"$line" | tr '\n' ' '); $(tail -5 "$WORK/array/merge.log" 2>/dev/null)"
nruns=$(find "$WORK/one/out/runs" -mindepth 1 -maxdepth 1 -type d | wc -l)
skipped=$(grep -c 'finished, skipped' "$WORK/array/merge.log" || true)
[ "$skipped" = "$nruns" ] || die "the merge skipped $skipped runs as finished, want all $nruns: $(cat "$WORK/array/merge.log")"
for w in one array; do
  "$MDGPS" table "$WORK/$w/out/runs" >"$WORK/$w/table.md"
  "$MDGPS" table --csv "$WORK/$w/out/runs" >"$WORK/$w/table.csv"
done

# no_wall: blanks the "wall s" column of every markdown table.
no_wall() {
  awk -F'|' -v OFS='|' '
    !/^\|/ { col = 0; print; next }
    col == 0 { for (i = 2; i < NF; i++) if ($i ~ /^ *wall s *$/) col = i }
    col > 0 { $col = " - " }
    { print }' "$1"
}
# flat: one "path=value" line per leaf of a JSON Lines file, without wall_seconds.
flat() {
  jq -r 'input_line_number as $n | del(.wall_seconds) | paths(scalars) as $p
    | "line \($n): \($p | map(tostring) | join("."))=\(getpath($p))"' "$1"
}
# same WHAT REF ARRAY: fails naming the first difference (the first line only in REF, "<", and
# the first only in ARRAY, ">").
same() {
  local first
  first=$(diff <(cat "$2") <(cat "$3") | awk '/^</ && l == "" {l = $0} /^>/ && r == "" {r = $0}
    END {if (l != "") print l; if (r != "") print r}')
  [ -z "$first" ] || die "$1 differs between one process and the array; first difference:
$first"
}

compared=0
for d in "$WORK/one/out/runs"/*/; do
  r=$(basename "$d")
  a="$WORK/array/out/runs/$r"
  [ -d "$a" ] || die "run $r is missing from the array's output"
  same "runs/$r/config.json" "$d/config.json" "$a/config.json"
  same "runs/$r/iterations.jsonl (wall_seconds ignored)" <(flat "$d/iterations.jsonl") <(flat "$a/iterations.jsonl")
  compared=$((compared + 1))
done
extra=$(comm -13 <(ls "$WORK/one/out/runs") <(ls "$WORK/array/out/runs") | head -1)
[ -z "$extra" ] || die "the array wrote run $extra, which one process did not"
same "success.md (wall s column ignored)" <(no_wall "$WORK/one/out/success.md") <(no_wall "$WORK/array/out/success.md")
same "mdgps table (wall s column ignored)" <(no_wall "$WORK/one/table.md") <(no_wall "$WORK/array/table.md")
same "mdgps table --csv" "$WORK/one/table.csv" "$WORK/array/table.csv"
svgs=0
for f in "$WORK/one/out/figures"/*.svg; do
  same "figures/$(basename "$f")" "$f" "$WORK/array/out/figures/$(basename "$f")"
  svgs=$((svgs + 1))
done
stop_started
log "PASS in $(($(date +%s) - T0)) s: $compared runs (config.json, iterations.jsonl), success.md, $svgs SVG figures, mdgps table and --csv identical to one process; shard $REQUEUE_SHARD interrupted ($interrupted), requeued, resumed"
[ -n "${SCALE_WORK:-}" ] || rm -rf "$WORK"
