#!/usr/bin/env bash
# Load comparison: SIPp calls through Parley and through Kamailio on 127.0.0.1, stepping the call rate.
#
#   bench/load/compare.sh            full run: rates 500 1000 2000 … 8000 calls/s, 10 s of calls per step
#   bench/load/compare.sh --quick    two low steps (100 and 200 calls/s, 3 s each): a CI-sized check
#
# For each proxy and step: calls made, failed, unexpected messages, retransmissions, wall time, mean call
# set-up time, the proxy's CPU (utime+stime of its processes from /proc/PID/stat, before and after the
# step) per 1000 calls, SIPp's CPU, UDP drops on the proxy's socket, memory. Then, per proxy, the highest
# rate with zero failed calls and zero unexpected messages, and the Parley/Kamailio ratios.
# bench/load/README.md explains the method, every column and the figures measured so far.
#
# Options (environment variables in brackets):
#   --quick              rates "100 200", 3 s per step, 1 s warm-up; exits 1 unless every step passes
#   --rates "R1 R2 …"    calls/s per step [RATES]
#   --seconds N          seconds of calls per step; calls per step = rate × N [STEP_SECONDS, 10]
#   --only parley|kamailio   run one proxy only
#   --duration MS        call length, the pause between ACK and BYE [CALL_MS, 0]
#   --warmup N           seconds of unjudged calls at the first rate before the steps [WARMUP_SECONDS, 3]
#   --keep               keep the work directory (SIPp CSVs and error logs, proxy logs, configs) after a
#                        --quick run too (a full run always keeps it and prints where)
# Environment:
#   PARLEY_CONFIG        Parley config (default examples/proxy.cfg if it exists, else examples/stateless.cfg);
#                        include_file is inlined, 127.0.0.1:5060 / sip:127.0.0.1:5080 / the httpd port
#                        are rewritten to free ports
#   PARLEY_EXTRA         config lines appended to Parley's config (later modparams win), e.g. to compare
#                        dialog persistence: 'modparam("dialog","db_mode",1) modparam("dialog","db_url","sqlite:///tmp/b.db")';
#                        @WORK@ in it becomes the work directory
#   PARLEY_SCENARIO      strict (uac-rr/uas-rr, default) or tolerant (uac-rr-tolerant/uas-rr-tolerant)
#   KAMAILIO_SCENARIO    tolerant (default: Kamailio reorders one call's messages, see README) or strict
#   KAMAILIO_DEFINES     space-separated -A defines for bench/load/kamailio-proxy.cfg, e.g. WITH_DIALOG
#   KAMAILIO_ARGS        tuning (default "-m 1024 -M 16 -x tlsf -X tlsf -n 4")
#   SIPP_UACS            number of SIPp caller processes sharing the rate (default 1)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1

rates=${RATES:-"500 1000 2000 3000 4000 5000 6000 7000 8000"}
seconds=${STEP_SECONDS:-10}
only=""
call_ms=${CALL_MS:-0}
keep=0
quick=0
parley_scenario=${PARLEY_SCENARIO:-strict}
kamailio_scenario=${KAMAILIO_SCENARIO:-tolerant}
kamailio_args=${KAMAILIO_ARGS:-"-m 1024 -M 16 -x tlsf -X tlsf -n 4"}
kamailio_defines=${KAMAILIO_DEFINES:-}
uacs=${SIPP_UACS:-1}
warmup=${WARMUP_SECONDS:-3}

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
# --quick sets defaults first, so the other options override it whatever their order.
for a in "$@"; do
  [ "$a" = --quick ] && { quick=1; rates="100 200"; seconds=3; warmup=${WARMUP_SECONDS:-1}; }
done
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) ;;
    --rates) rates=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --only) only=$2; shift ;;
    --duration) call_ms=$2; shift ;;
    --keep) keep=1 ;;
    --warmup) warmup=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
  esac
  shift
done
case "$only" in ""|parley|kamailio) ;; *) echo "compare.sh: --only parley|kamailio" >&2; exit 64 ;; esac
for s in "$parley_scenario" "$kamailio_scenario"; do
  case "$s" in strict|tolerant) ;; *) echo "compare.sh: scenario must be strict or tolerant, not '$s'" >&2; exit 64 ;; esac
done

log() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------------
apt_updated=0
need() { # need COMMAND PACKAGE (as test.sh does)
  command -v "$1" >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ "$apt_updated" -eq 0 ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  log "compare.sh: installing $2 (for $1)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
}
need sipp sip-tester
[ "$only" = parley ] || need kamailio kamailio

# --- bookkeeping: everything started is stopped by pid on exit ----------------------------------------
work=$(mktemp -d /tmp/parley-compare.XXXXXX)
started=()
failed_run=0
cleanup() {
  local pid f
  for f in "$work"/*/uac*.pid; do # the timeout(1) wrapping each SIPp caller: it passes TERM on to SIPp
    [ -f "$f" ] && started+=("$(cat "$f")")
  done
  for pid in "${started[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${started[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  if [ "$keep" -eq 1 ] || [ "$failed_run" -eq 1 ] || [ "$quick" -eq 0 ]; then
    log "compare.sh: work files kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- ports: free for UDP and TCP, on any address, IPv4 and IPv6 (two sockets sharing a UDP port with
# SO_REUSEADDR would corrupt a run) --------------------------------------------------------------------
taken_ports=" "
port_in_use() { # port_in_use PORT
  local hex
  hex=$(printf '%04X' "$1")
  cat /proc/net/udp /proc/net/tcp /proc/net/udp6 /proc/net/tcp6 2>/dev/null | awk -v h="$hex" 'NR>1 { split($2, a, ":"); if (a[2] == h) f=1 } END { exit !f }'
}
free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    case "$taken_ports" in *" $p "*) continue ;; esac
    port_in_use "$p" && continue
    taken_ports="$taken_ports$p "
    echo "$p"
    return 0
  done
  log "compare.sh: no free port found"; exit 1
}
wait_bound() { # wait_bound PORT SECONDS: until something listens on udp PORT
  for _ in $(seq $(( $2 * 10 ))); do port_in_use "$1" && return 0; sleep 0.1; done
  return 1
}
udp_drops() { # udp_drops PORT: drops counted on the UDP socket(s) bound to PORT
  local hex
  hex=$(printf '%04X' "$1")
  cat /proc/net/udp /proc/net/udp6 2>/dev/null | awk -v h="$hex" 'NR>1 { split($2, a, ":"); if (a[2] == h) d += $NF } END { print d+0 }'
}

# --- /proc accounting ------------------------------------------------------------------------------
clk=$(getconf CLK_TCK)
tree_pids() { # tree_pids PID: the process and its direct children (Kamailio forks its workers from main)
  echo "$1"
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v m="$1" '{ pid = $1; sub(/^.*\) /, ""); if ($2 == m) print pid }'
}
ticks() { # ticks PID…: utime+stime summed
  local pid t=0 v
  for pid in "$@"; do
    v=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null) || v=0
    t=$(( t + ${v:-0} ))
  done
  echo "$t"
}
mem_kb() { # mem_kb PID…: one process: its VmHWM (peak RSS); several: the sum of their PSS now
  if [ $# -eq 1 ]; then
    awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
  else
    local pid t=0 v
    for pid in "$@"; do
      v=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null) || v=0
      t=$(( t + ${v:-0} ))
    done
    echo "$t"
  fi
}
times_cpu() { # the children line of bash's `times` ("0m1.234s 0m0.567s") → seconds
  tail -1 "$1" 2>/dev/null | awk '{ s=0; for (i=1; i<=2; i++) { split($i, a, "m"); sub(/s/, "", a[2]); s += a[1]*60 + a[2] } print s }'
}
csv_last() { # csv_last FILE COLUMN-NAME: the value in SIPp's -trace_stat CSV, last line
  awk -F';' -v c="$2" 'NR==1 { for (i=1; i<=NF; i++) if ($i == c) col=i; next } { last=$0 } END { if (!col || last == "") { print ""; exit } split(last, v, ";"); print v[col] }' "$1" 2>/dev/null
}
hms_ms() { # 00:00:00:001234 → milliseconds
  awk -v t="$1" 'BEGIN { n = split(t, a, ":"); if (n < 4) { print ""; exit } printf "%.1f", ((a[1]*60 + a[2])*60 + a[3])*1000 + a[4]/1000 }'
}
now() { date +%s.%N; }
fcalc() { awk "BEGIN { printf \"$1\", $2 }"; }

# --- Parley ----------------------------------------------------------------------------------------
parley_dll="$root/src/Parley.Server/bin/Release/net10.0/parley.dll"
parley_source="" parley_kind=""
if [ -n "${PARLEY_CONFIG:-}" ]; then
  parley_source=$PARLEY_CONFIG; parley_kind="PARLEY_CONFIG"
elif [ -f examples/proxy.cfg ]; then
  parley_source=examples/proxy.cfg; parley_kind="stateful (t_relay)"
else
  parley_source=examples/stateless.cfg; parley_kind="STATELESS: examples/proxy.cfg does not exist yet"
fi

flatten() { # flatten FILE: the config with include_file/import_file inlined (paths relative to the includer)
  local file=$1 dir line inc
  dir=$(dirname "$file")
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^[[:space:]]*(include_file|import_file)[[:space:]]+\"([^\"]+)\" ]]; then
      inc=${BASH_REMATCH[2]}
      [[ $inc = /* ]] || inc="$dir/$inc"
      flatten "$inc"
    else
      printf '%s\n' "$line"
    fi
  done < "$file"
}

# --- one proxy: start, step the rate, stop ---------------------------------------------------------
proxy_pid=0
uas_port=0
proxy_port=0

start_parley() {
  local cfg="$work/parley.cfg" mi_port
  mi_port=$(free_port)
  flatten "$parley_source" | sed -E \
    -e "s/127\.0\.0\.1:5060/127.0.0.1:$proxy_port/g" \
    -e "s#sip:127\.0\.0\.1:5080#sip:127.0.0.1:$uas_port#g" \
    -e "s/(\"httpd\"[[:space:]]*,[[:space:]]*\"port\"[[:space:]]*,[[:space:]]*)[0-9]+/\1$mi_port/" > "$cfg"
  [ -n "${PARLEY_EXTRA:-}" ] && printf '%s\n' "${PARLEY_EXTRA//@WORK@/$work}" >> "$cfg"
  if ! grep -q "127.0.0.1:$proxy_port" "$cfg" || ! grep -q "sip:127.0.0.1:$uas_port" "$cfg"; then
    log "compare.sh: $parley_source must listen on 127.0.0.1:5060 and send to sip:127.0.0.1:5080 (rewritten to free ports)"
    return 1
  fi
  # .NET's tiered JIT waits until no new method has been called for 100 ms before it optimises hot code; a proxy started
  # under full load keeps meeting new methods for seconds, runs unoptimised code meanwhile, falls behind and drowns in
  # retransmissions (the cold-start failures in bench/load/README.md). 0 promotes hot methods at once; the steady state is
  # the same. The deployment advice in README.md sets it too (as Kamailio is started with its tuning flags).
  DOTNET_TC_CallCountingDelayMs=${DOTNET_TC_CallCountingDelayMs-0} dotnet "$parley_dll" -f "$cfg" > "$work/parley.log" 2>&1 &
  proxy_pid=$!
  started+=("$proxy_pid")
  for _ in $(seq 600); do
    grep -q "Parley ready" "$work/parley.log" && return 0
    kill -0 "$proxy_pid" 2>/dev/null || break
    sleep 0.1
  done
  log "compare.sh: parley did not start:"; tail -20 "$work/parley.log" >&2
  return 1
}

start_kamailio() {
  local cfg="$work/kamailio.cfg" d defs=()
  sed -e "s/127\.0\.0\.1:5060/127.0.0.1:$proxy_port/g" -e "s#sip:127\.0\.0\.1:5080#sip:127.0.0.1:$uas_port#g" \
    "$here/kamailio-proxy.cfg" > "$cfg"
  for d in $kamailio_defines; do defs+=(-A "$d"); done
  mkdir -p "$work/kamailio-run"
  # shellcheck disable=SC2086 # KAMAILIO_ARGS is a list of options
  kamailio -f "$cfg" -DD -E -Y "$work/kamailio-run" $kamailio_args "${defs[@]}" > "$work/kamailio.log" 2>&1 &
  proxy_pid=$!
  started+=("$proxy_pid")
  if wait_bound "$proxy_port" 30 && sleep 1 && kill -0 "$proxy_pid" 2>/dev/null; then
    return 0
  fi
  log "compare.sh: kamailio did not start:"; tail -20 "$work/kamailio.log" >&2
  return 1
}

stop_proxy() {
  kill -0 "$proxy_pid" 2>/dev/null || return 0
  kill -TERM "$proxy_pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$proxy_pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$proxy_pid" 2>/dev/null
}

# run_step NAME RATE SCENARIO-SUFFIX SECONDS [LABEL] → one table row on stdout; sets step_* globals
run_step() {
  local name=$1 rate=$2 suffix=$3 seconds=$4 label=${5:-}
  local calls=$(( rate * seconds )) dir="$work/$name-$rate$label" i
  mkdir -p "$dir"
  local per_rate=$(( (rate + uacs - 1) / uacs )) per_calls=$(( (calls + uacs - 1) / uacs ))
  calls=$(( per_calls * uacs ))
  local limit=$(( per_rate * 10 + 1000 ))
  local bound=$(( seconds * 3 + 40 ))

  # The callee, fresh for each step so its counters are the step's.
  sipp -sf "$here/scenarios/uas-rr$suffix.xml" -i 127.0.0.1 -p "$uas_port" -buff_size 4194304 \
    -recv_timeout 10000 -nostdin -trace_stat -stf "$dir/uas.csv" -fd 1 -trace_err -error_file "$dir/uas-errors.log" \
    > "$dir/uas.out" 2>&1 &
  local uas_pid=$!
  started+=("$uas_pid")
  wait_bound "$uas_port" 10 || { log "compare.sh: the SIPp callee did not bind port $uas_port"; return 1; }

  local pids
  mapfile -t pids < <(tree_pids "$proxy_pid")
  local p0 u0 d0 t0
  p0=$(ticks "${pids[@]}"); u0=$(ticks "$uas_pid"); d0=$(udp_drops "$proxy_port"); t0=$(now)

  local jobs=() uac_ports=()
  for i in $(seq "$uacs"); do
    local up
    up=$(free_port); uac_ports+=("$up")
    (
      timeout "$bound" sipp "127.0.0.1:$proxy_port" -sf "$here/scenarios/uac-rr$suffix.xml" -i 127.0.0.1 -p "$up" \
        -m "$per_calls" -r "$per_rate" -l "$limit" -d "$call_ms" -buff_size 4194304 -recv_timeout 10000 \
        -timeout "$(( bound - 5 ))s" -nostdin -cid_str "%u-%p-$rate-$i-$$@%s" \
        -trace_stat -stf "$dir/uac$i.csv" -fd 1 -trace_err -error_file "$dir/uac$i-errors.log" > "$dir/uac$i.out" 2>&1 &
      local tp=$!
      echo "$tp" > "$dir/uac$i.pid"
      wait "$tp"
      echo $? > "$dir/uac$i.rc"
      times > "$dir/uac$i.times"
    ) &
    jobs+=("$!")
    started+=("$!")
  done
  for i in "${jobs[@]}"; do wait "$i"; done
  local t1 p1 u1 d1
  t1=$(now); p1=$(ticks "${pids[@]}"); u1=$(ticks "$uas_pid"); d1=$(udp_drops "$proxy_port")
  local mem
  mem=$(mem_kb "${pids[@]}")

  # The callee ends once its last calls have waited out their timewait (SIGUSR1: quit when calls end).
  kill -USR1 "$uas_pid" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$uas_pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$uas_pid" 2>/dev/null && { kill -TERM "$uas_pid"; sleep 0.5; kill -KILL "$uas_pid" 2>/dev/null; }
  wait "$uas_pid" 2>/dev/null

  # Sum the callers' counters.
  local ok=0 failed=0 unexpected=0 retrans=0 created=0 uac_cpu=0 setup_sum=0 setup_n=0 v f
  for i in $(seq "$uacs"); do
    f="$dir/uac$i.csv"
    v=$(csv_last "$f" "SuccessfulCall(C)"); ok=$(( ok + ${v:-0} ))
    v=$(csv_last "$f" "FailedCall(C)"); failed=$(( failed + ${v:-0} ))
    v=$(csv_last "$f" "FailedUnexpectedMessage(C)"); unexpected=$(( unexpected + ${v:-0} ))
    v=$(csv_last "$f" "Retransmissions(C)"); retrans=$(( retrans + ${v:-0} ))
    v=$(csv_last "$f" "TotalCallCreated"); created=$(( created + ${v:-0} ))
    v=$(times_cpu "$dir/uac$i.times"); uac_cpu=$(fcalc "%.3f" "$uac_cpu + ${v:-0}")
    v=$(hms_ms "$(csv_last "$f" "ResponseTime1(C)")")
    [ -n "$v" ] && { setup_sum=$(fcalc "%.3f" "$setup_sum + $v"); setup_n=$(( setup_n + 1 )); }
    if [ "$(cat "$dir/uac$i.rc" 2>/dev/null)" = 124 ]; then failed=$(( failed + 1 )); log "compare.sh: a SIPp caller hit the $bound s bound"; fi
  done
  local uas_ok uas_failed uas_unexpected
  uas_ok=$(csv_last "$dir/uas.csv" "SuccessfulCall(C)"); uas_failed=$(csv_last "$dir/uas.csv" "FailedCall(C)")
  uas_unexpected=$(csv_last "$dir/uas.csv" "FailedUnexpectedMessage(C)")
  uas_ok=${uas_ok:-0}; uas_failed=${uas_failed:-0}; uas_unexpected=${uas_unexpected:-0}
  v=$(csv_last "$dir/uas.csv" "Retransmissions(C)"); retrans=$(( retrans + ${v:-0} ))

  local wall cpu cpu_pct cpu_k uac_pct uas_pct setup drops
  wall=$(fcalc "%.2f" "$t1 - $t0")
  cpu=$(fcalc "%.3f" "($p1 - $p0) / $clk")
  cpu_pct=$(fcalc "%.0f" "100 * $cpu / $wall")
  cpu_k=$(fcalc "%.3f" "$cpu * 1000 / ($ok > 0 ? $ok : 1)")
  uac_pct=$(fcalc "%.0f" "100 * $uac_cpu / $wall")
  uas_pct=$(fcalc "%.0f" "100 * ($u1 - $u0) / $clk / $wall")
  setup=$([ "$setup_n" -gt 0 ] && fcalc "%.1f" "$setup_sum / $setup_n" || echo "-")
  drops=$(( d1 - d0 ))

  # Clean: every call made and answered, nothing failed or unexpected on either side, on time.
  local result="pass" late
  late=$(fcalc "%d" "($wall > $seconds * 1.2 + 3)")
  if [ "$failed" -gt 0 ] || [ "$uas_failed" -gt 0 ] || [ "$unexpected" -gt 0 ] || [ "$uas_unexpected" -gt 0 ]; then
    result="FAIL"
  elif [ "$ok" -ne "$calls" ] || [ "$uas_ok" -ne "$calls" ] || [ "$created" -ne "$calls" ]; then
    result="FAIL(incomplete)"
  elif [ "$late" -eq 1 ]; then
    result="FAIL(late)"
  fi
  [ -n "$label" ] && result="$label ($result, not judged)"
  step_result=$result step_cpu_k=$cpu_k step_mem=$mem step_unexpected=$(( unexpected + uas_unexpected ))
  step_failed=$(( failed + uas_failed )) step_retrans=$retrans
  printf '%7s %7s %7s %6s %5s/%-5s %7s %6s %8s %6s %9s %5s %5s %6s %7s %5s  %s\n' \
    "$rate" "$calls" "$ok" "$failed/$uas_failed" "$unexpected" "$uas_unexpected" "$retrans" "$wall" "$setup" \
    "$cpu_pct" "$cpu_k" "$uac_pct" "$uas_pct" "$drops" "$(( mem / 1024 ))" "$(cut -d' ' -f1 /proc/loadavg)" "$result"
  if [ "$uac_pct" -gt $(( 85 * 1 )) ] && [ "$uacs" -eq 1 ]; then
    log "  note: the SIPp caller used ${uac_pct}% of a core: it may be the bottleneck (try SIPP_UACS=2)"
  fi
  [ "$result" = pass ]
}

# Results per proxy: best rate, its CPU per 1000 calls, peak memory; per-rate CPU for the ratios.
declare -A best cpu_at_best peak_mem pass_at cpu_at note
run_proxy() { # run_proxy parley|kamailio LABEL
  local name=$1 label=$2 suffix="" scenario
  scenario=$([ "$name" = parley ] && echo "$parley_scenario" || echo "$kamailio_scenario")
  [ "$scenario" = tolerant ] && suffix="-tolerant"
  proxy_port=$(free_port); uas_port=$(free_port)
  echo
  echo "== $label"
  echo "   proxy udp:127.0.0.1:$proxy_port → SIPp callee 127.0.0.1:$uas_port; scenario uac-rr$suffix.xml → uas-rr$suffix.xml ($scenario), $uacs caller(s), ${seconds} s of calls per step, call length ${call_ms} ms"
  if ! "start_$name"; then failed_run=1; return 1; fi
  local pids base
  mapfile -t pids < <(tree_pids "$proxy_pid")
  base=$(mem_kb "${pids[@]}")
  echo "   pid $proxy_pid ($(( ${#pids[@]} )) process(es)), memory at start $(( base / 1024 )) MB"
  printf '%7s %7s %7s %6s %11s %7s %6s %8s %6s %9s %5s %5s %6s %7s %5s  %s\n' \
    "rate/s" "calls" "ok" "failed" "unexpected" "retrans" "wall_s" "setup_ms" "proxy%" "cpu_s/1k" "uac%" "uas%" "drops" "mem_MB" "load" "result"
  best[$name]="" cpu_at_best[$name]="-" peak_mem[$name]=$base note[$name]=""
  local rate
  # JIT tiering, pools, first allocations: a short run at the first rate before anything is judged.
  [ "$warmup" -gt 0 ] && run_step "$name" "${rates%% *}" "$suffix" "$warmup" warm-up
  for rate in $rates; do
    if ! kill -0 "$proxy_pid" 2>/dev/null; then
      echo "   the proxy died; its log: $work/$name.log"; failed_run=1; break
    fi
    run_step "$name" "$rate" "$suffix" "$seconds"
    local ok=$?
    [ "$step_mem" -gt "${peak_mem[$name]}" ] && peak_mem[$name]=$step_mem
    cpu_at[$name,$rate]=$step_cpu_k
    if [ $ok -eq 0 ]; then
      best[$name]=$rate cpu_at_best[$name]=$step_cpu_k pass_at[$name,$rate]=1
    else
      [ "$quick" -eq 1 ] && failed_run=1 # low rates must pass: --quick is a check
      if [ "$step_retrans" -gt 0 ]; then
        note[$name]="stopped at $rate calls/s with $step_retrans retransmissions: replies took over 500 ms (past the knee)"
      elif [ "$step_unexpected" -gt 0 ] && [ "$step_unexpected" -ge "$step_failed" ]; then
        note[$name]="stopped at $rate calls/s on out-of-order messages only (no retransmission): the proxy reorders a call's messages; KAMAILIO_SCENARIO/PARLEY_SCENARIO=tolerant measures its capacity regardless"
      fi
      break
    fi
  done
  # A single process' peak RSS is its VmHWM; a multi-process proxy's is the sum of its PSS after each step.
  if [ "${#pids[@]}" -eq 1 ]; then
    peak_mem[$name]=$(mem_kb "$proxy_pid")
  fi
  stop_proxy
}

# --- run ---------------------------------------------------------------------------------------------
started_at=$(date +%s)
echo "compare.sh: $(nproc) CPU(s), $(uname -r), $(sipp -v 2>/dev/null | grep -o 'SIPp v[0-9.]*' | head -1)"
echo "compare.sh: rates [$rates] calls/s, $seconds s per step, ${warmup} s warm-up"
load=$(cut -d' ' -f1 /proc/loadavg)
echo "compare.sh: load average $load before the run"
if [ "$(fcalc "%d" "($load > 1.0)")" -eq 1 ]; then
  echo "compare.sh: WARNING: the machine is busy (load $load on $(nproc) CPUs): other work shares the CPU, figures are not comparable with a quiet run"
fi
if [ "$only" != kamailio ]; then
  echo "compare.sh: Parley config: $parley_source ($parley_kind)"
  log "compare.sh: building Parley (Release)…"
  if ! dotnet build src/Parley.Server -c Release -nologo -clp:ErrorsOnly -v q > "$work/build.log" 2>&1; then
    cat "$work/build.log" >&2; failed_run=1; exit 1
  fi
  [ -f "$parley_dll" ] || { log "compare.sh: $parley_dll missing after the build"; exit 1; }
  run_proxy parley "Parley $(git describe --always --dirty 2>/dev/null) — $parley_source ($parley_kind)"
fi
if [ "$only" != parley ]; then
  echo "compare.sh: $(kamailio -v 2>/dev/null | head -1), args: $kamailio_args${kamailio_defines:+, defines: $kamailio_defines}"
  run_proxy kamailio "Kamailio — bench/load/kamailio-proxy.cfg ($kamailio_args${kamailio_defines:+ -A $kamailio_defines})"
fi

mb() { fcalc "%.0f" "$1 / 1024"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a / b; else printf "-" }'; }
echo
echo "== Summary (took $(( $(date +%s) - started_at )) s)"
printf '%-52s %14s %14s %16s\n' "" "Parley" "Kamailio" "Parley/Kamailio"
pb=${best[parley]:-}; kb=${best[kamailio]:-}
printf '%-52s %14s %14s %16s\n' "highest clean rate (calls/s)" "${pb:--}" "${kb:--}" "$(ratio "${pb:-0}" "${kb:-0}")"
printf '%-52s %14s %14s %16s\n' "CPU s per 1000 calls at that rate" "${cpu_at_best[parley]:--}" "${cpu_at_best[kamailio]:--}" \
  "$(ratio "${cpu_at_best[parley]:-0}" "${cpu_at_best[kamailio]:-0}")"
# The fair CPU comparison is at one rate: the highest both passed.
common=""
for rate in $rates; do
  [ -n "${pass_at[parley,$rate]:-}" ] && [ -n "${pass_at[kamailio,$rate]:-}" ] && common=$rate
done
if [ -n "$common" ]; then
  printf '%-52s %14s %14s %16s\n' "CPU s per 1000 calls at $common calls/s (both clean)" "${cpu_at[parley,$common]}" \
    "${cpu_at[kamailio,$common]}" "$(ratio "${cpu_at[parley,$common]}" "${cpu_at[kamailio,$common]}")"
fi
printf '%-52s %14s %14s %16s\n' "peak memory (MB)" "$([ -n "${peak_mem[parley]:-}" ] && mb "${peak_mem[parley]}" || echo -)" \
  "$([ -n "${peak_mem[kamailio]:-}" ] && mb "${peak_mem[kamailio]}" || echo -)" "$(ratio "${peak_mem[parley]:-0}" "${peak_mem[kamailio]:-0}")"
for n in parley kamailio; do
  [ -n "${note[$n]:-}" ] && echo "note: $n ${note[$n]}"
done
echo "Parley config: $parley_source ($parley_kind); Kamailio scenario: $kamailio_scenario, Parley scenario: $parley_scenario."
echo "peak memory: Parley's VmHWM; Kamailio's the largest sum of its processes' PSS after a step (its shared memory counted once)."
if [ "$quick" -eq 1 ] && [ "$failed_run" -eq 1 ]; then
  echo "compare.sh --quick: FAILED (a low-rate step failed or a proxy did not start)"
  exit 1
fi
exit 0
