#!/usr/bin/env bash
# /start.sh: starts the demucs-separate REST job service (the template's on-start script).
#
#   /start.sh --foreground   run the server in this process (the image's ENTRYPOINT + CMD);
#                            SIGTERM/SIGINT are forwarded so running jobs are re-queued
#   /start.sh                start it in the background and return once it listens
#                            (Vast.ai's on-start command in the SSH/Jupyter runtypes)
# A second run while the server runs does nothing (exit 0). The server answers /health at once;
# the model is resolved (downloaded and converted on the first start, from the cache afterwards)
# in the background, and /status says models_ready when it is loaded.
#
# Environment (defaults in brackets):
#   PORT [8185]                    TCP port
#   DEMUCS_MODEL [htdemucs]        a registry name, or a model file (.onnx, bag .json, .th)
#   DEMUCS_MODELS [/models-cache]  model cache: a persistent volume makes later starts instant
#   DATA_DIR [/workspace/results]  jobs, results and server.log
#   DEMUCS_API_TOKEN               bearer token required by the API; unset = no authentication
#   DEMUCS_DEVICE [auto]           auto, cpu, cuda or cuda:N
#   DEMUCS_DEVICES                 one worker per listed GPU, e.g. 0,1 (overrides DEMUCS_WORKERS)
#   DEMUCS_WORKERS [1]             jobs separated at once
#   DEMUCS_BATCH                   chunks per model run on a dynamic-batch model
#   DEMUCS_ALLOW_PRIVATE_URLS [0]  1 = accept input_url on loopback/private addresses
#   DEMUCS_OFFLINE [0]             1 = never download a model
#   DEMUCS_SHUTDOWN_GRACE [8]      seconds a running job may finish on SIGTERM before it is
#                                  re-queued (keep it below `docker stop -t`, 10 s by default)
#   DEMUCS_JAVA_OPTS               JVM options, e.g. -Xmx8g
#   DEMUCS_JAR, DEMUCS_NATIVE_DIR  set by the image: the jar and the pre-extracted ONNX Runtime natives
set -uo pipefail

PORT="${PORT:-8185}"
DEMUCS_MODELS="${DEMUCS_MODELS:-/models-cache}"
DATA_DIR="${DATA_DIR:-/workspace/results}"
DEMUCS_DEVICE="${DEMUCS_DEVICE:-auto}"
DEMUCS_WORKERS="${DEMUCS_WORKERS:-1}"
DEMUCS_SHUTDOWN_GRACE="${DEMUCS_SHUTDOWN_GRACE:-8}"
DEMUCS_JAR="${DEMUCS_JAR:-/opt/demucs/demucs-separate.jar}"
DEMUCS_NATIVE_DIR="${DEMUCS_NATIVE_DIR:-/opt/demucs/onnxruntime-native}"
LOCK=/tmp/demucs-start.lock
RUN_AS=demucs
export PORT DEMUCS_MODELS DATA_DIR

bad() { echo "start.sh: bad configuration: $*" >&2; exit 2; }
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

foreground=0
case "${1:-}" in
    --foreground) foreground=1 ;;
    "") ;;
    *) bad "unknown argument '$1' (use --foreground or nothing)" ;;
esac

# Every check before anything starts: one line naming the variable and the reason.
is_uint "$PORT" && (( PORT >= 1 && PORT <= 65535 )) || bad "PORT must be a TCP port 1-65535, got '$PORT'"
is_uint "$DEMUCS_WORKERS" && (( DEMUCS_WORKERS >= 1 )) || bad "DEMUCS_WORKERS must be a number >= 1, got '$DEMUCS_WORKERS'"
[[ "$DEMUCS_DEVICE" =~ ^(auto|cpu|cuda|cuda:[0-9]+)$ ]] || bad "DEMUCS_DEVICE must be auto, cpu, cuda or cuda:N, got '$DEMUCS_DEVICE'"
[[ -z "${DEMUCS_DEVICES:-}" || "$DEMUCS_DEVICES" =~ ^[0-9]+(,[0-9]+)*$ ]] \
    || bad "DEMUCS_DEVICES must be GPU numbers separated by commas (e.g. 0,1), got '$DEMUCS_DEVICES'"
[[ -z "${DEMUCS_BATCH:-}" ]] || { is_uint "$DEMUCS_BATCH" && (( DEMUCS_BATCH >= 1 )); } \
    || bad "DEMUCS_BATCH must be a number >= 1, got '$DEMUCS_BATCH'"
[[ "$DEMUCS_SHUTDOWN_GRACE" =~ ^[0-9]+(\.[0-9]+)?$ ]] || bad "DEMUCS_SHUTDOWN_GRACE must be seconds >= 0, got '$DEMUCS_SHUTDOWN_GRACE'"
for flag in DEMUCS_ALLOW_PRIVATE_URLS DEMUCS_OFFLINE; do
    [[ "${!flag:-0}" =~ ^[01]$ ]] || bad "$flag must be 0 or 1, got '${!flag}'"
done
if [[ -n "${DEMUCS_MODEL:-}" ]]; then
    if [[ "$DEMUCS_MODEL" == */* || "$DEMUCS_MODEL" =~ \.(onnx|json|th)$ ]]; then
        [[ -f "$DEMUCS_MODEL" && -r "$DEMUCS_MODEL" ]] || bad "DEMUCS_MODEL=$DEMUCS_MODEL: no such readable file"
    elif [[ ! "$DEMUCS_MODEL" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]]; then
        bad "DEMUCS_MODEL must be a model name or a file, got '$DEMUCS_MODEL'"
    fi
fi
[[ -f "$DEMUCS_JAR" ]] || bad "DEMUCS_JAR=$DEMUCS_JAR: no such file"
command -v java >/dev/null || bad "no java on PATH"

# Already running? The server process holds a lock on $LOCK for its whole life.
running() {
    [[ -e "$LOCK" ]] || return 1
    ! flock -n "$LOCK" true 2>/dev/null
}
if running; then
    echo "start.sh: the server is already running (port $PORT, log $DATA_DIR/server.log); nothing to do"
    exit 0
fi

# As root (the image's default, Vast.ai's on-start): make the folders the server writes ours,
# then continue as the unprivileged user.
if [[ "$(id -u)" == 0 ]] && id "$RUN_AS" >/dev/null 2>&1; then
    mkdir -p "$DATA_DIR" "$DEMUCS_MODELS" || bad "cannot create $DATA_DIR or $DEMUCS_MODELS"
    chown "$RUN_AS:" "$DATA_DIR" "$DEMUCS_MODELS" || bad "cannot give $DATA_DIR and $DEMUCS_MODELS to $RUN_AS"
    : >>"$LOCK" && chmod 0644 "$LOCK"
    export HOME="$(getent passwd "$RUN_AS" | cut -d: -f6)"
    exec setpriv --reuid="$RUN_AS" --regid="$RUN_AS" --init-groups -- "$0" "$@"
fi
mkdir -p "$DATA_DIR" "$DEMUCS_MODELS" 2>/dev/null && [[ -w "$DATA_DIR" && -w "$DEMUCS_MODELS" ]] \
    || bad "DATA_DIR=$DATA_DIR and DEMUCS_MODELS=$DEMUCS_MODELS must be writable by $(id -un)"
LOG="$DATA_DIR/server.log"

if (( ! foreground )); then
    # Background: a detached foreground instance; return once it listens (or say why it stopped).
    offset=$(( $( [[ -f "$LOG" ]] && stat -c %s "$LOG" || echo 0 ) ))
    setsid "$0" --foreground </dev/null >/dev/null 2>&1 &
    child=$!
    for _ in $(seq 1 240); do
        if tail -c +$((offset + 1)) "$LOG" 2>/dev/null | grep -m1 "listening on"; then
            exit 0
        fi
        if ! kill -0 "$child" 2>/dev/null; then
            tail -c +$((offset + 1)) "$LOG" 2>/dev/null | tail -n 1 >&2
            echo "start.sh: the server stopped at once (log: $LOG)" >&2
            exit 1
        fi
        sleep 0.5
    done
    echo "start.sh: the server did not listen within 120 s (log: $LOG)" >&2
    exit 1
fi

[[ -e "$LOCK" ]] || : >>"$LOCK" || bad "cannot create the lock file $LOCK"
exec 9<"$LOCK"
if ! flock -n 9; then
    echo "start.sh: the server is already running (port $PORT); nothing to do"
    exit 0
fi

args=(serve --port "$PORT" --data-dir "$DATA_DIR" --device "$DEMUCS_DEVICE"
      --shutdown-grace "$DEMUCS_SHUTDOWN_GRACE")
[[ -n "${DEMUCS_MODEL:-}" ]] && args+=(--model "$DEMUCS_MODEL")
if [[ -n "${DEMUCS_DEVICES:-}" ]]; then
    args+=(--devices "$DEMUCS_DEVICES")
else
    args+=(--workers "$DEMUCS_WORKERS")
fi
[[ -n "${DEMUCS_BATCH:-}" ]] && args+=(--batch "$DEMUCS_BATCH")
[[ "${DEMUCS_ALLOW_PRIVATE_URLS:-0}" == 1 ]] && args+=(--allow-private-urls)
[[ "${DEMUCS_OFFLINE:-0}" == 1 ]] && args+=(--offline)
jvm=()
[[ -d "$DEMUCS_NATIVE_DIR" ]] && jvm+=("-Donnxruntime.native.path=$DEMUCS_NATIVE_DIR")

echo "start.sh: $(date -u +%FT%TZ) starting the server on port $PORT (model ${DEMUCS_MODEL:-default}," \
     "cache $DEMUCS_MODELS, data $DATA_DIR, device $DEMUCS_DEVICE)" | tee -a "$LOG"
# shellcheck disable=SC2086
java ${DEMUCS_JAVA_OPTS:-} "${jvm[@]}" -jar "$DEMUCS_JAR" "${args[@]}" > >(tee -a "$LOG") 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null' TERM INT HUP
wait "$pid"
rc=$?
while kill -0 "$pid" 2>/dev/null; do
    wait "$pid"
    rc=$?
done
echo "start.sh: $(date -u +%FT%TZ) the server exited with status $rc" | tee -a "$LOG"
exit "$rc"
