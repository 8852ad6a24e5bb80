#!/usr/bin/env bash
# Container test: builds demucs-separate:cpu on the local Debian base and checks, over loopback
# only (--network host), what docker/README.md promises:
#   /health within 60 s of `docker run`; an uploaded job and a URL job (loopback file server,
#   private URLs allowed by env) complete and their files download and decode; a second
#   /start.sh is a no-op; `docker stop` re-queues a running job, which completes after
#   `docker start`; /start.sh as Vast.ai's on-start command starts it detached, once, as uid
#   10001; a bad setting exits 2 with one line.
#   docker/test.sh           the CPU image
#   docker/test.sh gpu       the GPU image on the same base (CPU only here): the same job through
#                            the GPU jar, and the start time with pre-extracted natives vs the
#                            full jar extracting them
# Needs: a docker daemon (.ci/run starts `dockerd --bridge=none`), debootstrap, ffprobe, curl,
# python3; builds the jars with Maven when they are missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
flavour="${1:-cpu}"
[[ "$flavour" == cpu || "$flavour" == gpu ]] || { echo "usage: docker/test.sh [cpu|gpu]" >&2; exit 2; }
image="demucs-separate:$flavour"
name="demucs-test-$flavour-$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/demucs-docker-test.XXXXXX")"
files_pid=""
t0=$SECONDS

say() { echo "docker/test.sh: [$((SECONDS - t0)) s] $*" >&2; }
fail() { echo "docker/test.sh: FAIL: $*" >&2; docker logs --tail 30 "$name" >&2 2>/dev/null || true; exit 1; }
cleanup() {
    docker rm -f "$name" "$name-full" >/dev/null 2>&1 || true
    [[ -n "$files_pid" ]] && kill "$files_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d'"$1"')'; }

# --- inputs: the jars, the generated gain model, a WAV ---------------------------------------
bench=benchmarks/target/benchmarks.jar
[[ -f "$bench" ]] || mvn -q -B -DskipTests package -pl benchmarks -am
mkdir -p "$work/models" "$work/files"
java -cp "$bench" dev.demucs.benchmarks.GainModel "$work/models/m.onnx"
chmod -R a+rX "$work/models"
python3 - "$work/files/in.wav" <<'EOF'
import math, struct, sys, wave
rate, seconds = 44100, 12
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<hh", int(12000 * math.sin(2 * math.pi * 440 * i / rate)),
                                       int(12000 * math.sin(2 * math.pi * 660 * i / rate)))
                           for i in range(rate * seconds)))
EOF

# A loopback file server: /files/NAME serves a file; /stall/NAME sends the headers and the first
# KiB, then waits until /release is requested (a job that stays running).
fport="$(free_port)"
python3 - "$work/files" "$fport" <<'EOF' &
import http.server, os, sys, threading
root, port = sys.argv[1], int(sys.argv[2])
released = threading.Event()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/release":
            released.set(); self.send_response(204); self.end_headers(); return
        kind, _, name = self.path.lstrip("/").partition("/")
        body = open(os.path.join(root, os.path.basename(name)), "rb").read()
        self.send_response(200); self.send_header("Content-Type", "audio/wav")
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        try:
            if kind == "stall" and not released.is_set():
                self.wfile.write(body[:1024]); self.wfile.flush(); released.wait(300)
                self.wfile.write(body[1024:])
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped downloading (docker stop): expected
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
files_pid=$!

# --- the image -----------------------------------------------------------------------------------
say "docker/build.sh $flavour --local-base"
docker/build.sh "$flavour" --local-base
say "image size: $(( $(docker image inspect -f '{{.Size}}' "$image") / 1000000 )) MB"
# the image's MP3s come from the distribution's optimised libmp3lame (SystemLame), not FFmpeg's
mp3="$(docker run --rm --network none --entrypoint java "$image" -jar /opt/demucs/demucs-separate.jar --version \
    | grep '^MP3 encoder:' || true)"
[[ "$mp3" == *"from the system"* ]] || fail "the image does not encode MP3 with the system's libmp3lame: '$mp3'"
say "$mp3"

port="$(free_port)"
base="http://127.0.0.1:$port"
run_container() { # NAME [docker run options...]
    local n="$1"; shift
    docker run -d --name "$n" --network host -v "$work/models:/models:ro" \
        -e PORT="$port" -e DEMUCS_MODEL=/models/m.onnx -e DEMUCS_ALLOW_PRIVATE_URLS=1 \
        -e DEMUCS_SHUTDOWN_GRACE=1 "$@" "$image" >/dev/null
}
# seconds from now until /status says models_ready (fails after 120 s)
until_ready() {
    local start; start=$(date +%s.%N)
    for _ in $(seq 1 1200); do
        if curl -fsS "$base/status" 2>/dev/null | grep -q '"models_ready" *: *true'; then
            python3 -c "import time; print(f'{time.time() - $start:.1f}')"; return 0
        fi
        sleep 0.1
    done
    return 1
}
await_status() { # ID STATUS
    local s=""
    for _ in $(seq 1 600); do
        s="$(curl -fsS "$base/job/$1" | json '["status"]')"
        [[ "$s" == "$2" ]] && return 0
        [[ "$s" == failed ]] && fail "job $1 failed: $(curl -fsS "$base/job/$1")"
        sleep 0.2
    done
    fail "job $1 is '$s', not '$2', after 120 s"
}
check_results() { # ID: instrumental.mp3 and a stem download and decode to the input's length
    local id="$1" d
    curl -fsS -o "$work/$id.mp3" "$base/result/$id"
    curl -fsS -o "$work/$id.wav" "$base/result/$id/segment_000_vocals.wav"
    for f in "$work/$id.mp3" "$work/$id.wav"; do
        d="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")"
        python3 -c "import sys; sys.exit(0 if abs($d - 12) < 0.2 else 1)" || fail "$f lasts $d s, not 12 s"
    done
}

say "docker run $image (port $port)"
start=$(date +%s.%N)
run_container "$name"
for _ in $(seq 1 600); do
    curl -fsS "$base/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "$base/health" | grep -q '"status" *: *"ok"' || fail "/health did not answer within 60 s"
health_s="$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")"
ready_s="$(until_ready)" || fail "models_ready did not become true"
say "/health after $health_s s, models_ready after $(python3 -c "print(f'{$health_s + $ready_s:.1f}')") s"
# (logs read whole before grep -q: a grep that stops at its match would make docker logs die of
# SIGPIPE mid-output, and pipefail turn that into a failure)
logs="$(docker logs "$name" 2>&1)"
grep -qi cuda <<<"$logs" && [[ "$flavour" == cpu ]] && fail "the CPU image printed something about CUDA"

say "an uploaded job and a URL job"
up="$(curl -fsS -H "Content-Type: audio/wav" --data-binary @"$work/files/in.wav" "$base/job" | json '["job_id"]')"
url="$(curl -fsS -H "Content-Type: application/json" -d "{\"input_url\": \"http://127.0.0.1:$fport/files/in.wav\"}" "$base/job" | json '["job_id"]')"
await_status "$up" completed
await_status "$url" completed
check_results "$up"
check_results "$url"
if [[ "$flavour" == gpu ]]; then
    # auto really tried CUDA through the pre-extracted provider (no CUDA 12 on this base) and says why
    fallback="$(curl -fsS "$base/status" | json '.get("device_fallback", "")')"
    [[ "$fallback" == *"libonnxruntime_providers_cuda.so"*"cannot open shared object file"* ]] \
        || fail "the GPU image's fallback reason is not a missing CUDA library: $fallback"
    say "device auto on the GPU image without CUDA: $fallback"
fi

say "a second /start.sh is a no-op"
second="$(docker exec "$name" /start.sh)" || fail "a second /start.sh failed"
grep -q "already running" <<<"$second" || fail "a second /start.sh said: $second"
(( $(docker top "$name" -eo pid,args | grep -c "[d]emucs-separate.jar") == 1 )) || fail "not exactly one server after a second /start.sh"
docker exec "$name" grep -q "listening on" /workspace/results/server.log || fail "no server.log under the data dir"

say "docker stop re-queues a running job; docker start completes it"
held="$(curl -fsS -H "Content-Type: application/json" -d "{\"input_url\": \"http://127.0.0.1:$fport/stall/in.wav\"}" "$base/job" | json '["job_id"]')"
await_status "$held" running
docker stop -t 30 "$name" >/dev/null
docker cp "$name:/workspace/results/jobs/$held/job.json" "$work/held.json"
[[ "$(json '["status"]' <"$work/held.json")" == pending && "$(json '["interruptions"]' <"$work/held.json")" == 1 ]] \
    || fail "after docker stop the running job is not re-queued: $(cat "$work/held.json")"
logs="$(docker logs "$name" 2>&1)"
grep -q "the server exited with status" <<<"$logs" || fail "start.sh did not see the server stop"
curl -fsS "http://127.0.0.1:$fport/release" >/dev/null
docker start "$name" >/dev/null
until_ready >/dev/null || fail "the restarted container did not load the model"
await_status "$held" completed
check_results "$held"
docker rm -f "$name" >/dev/null

say "Vast.ai's on-start flow: /start.sh in a running container starts the server detached, once"
docker run -d --name "$name" --network host -v "$work/models:/models:ro" -e PORT="$port" \
    -e DEMUCS_MODEL=/models/m.onnx --entrypoint sleep "$image" infinity >/dev/null
docker exec "$name" /start.sh | grep -q "listening on" || fail "/start.sh in the background did not report the server listening"
curl -fsS "$base/health" >/dev/null || fail "/health after a background /start.sh"
docker exec "$name" /start.sh | grep -q "already running" || fail "a second background /start.sh was not a no-op"
[[ "$(docker top "$name" -eo pid,user,args | awk '/[d]emucs-separate.jar/ {print $2}')" == 10001 ]] \
    || fail "the server does not run as the unprivileged user (uid 10001)"
docker rm -f "$name" >/dev/null

say "bad configuration: one line, exit 2"
set +e
bad="$(docker run --rm --network host -e PORT=http "$image" 2>&1)"
rc=$?
set -e
[[ $rc == 2 && "$(wc -l <<<"$bad")" == 1 && "$bad" == *"PORT must be"* ]] || fail "bad PORT: exit $rc, said: $bad"

if [[ "$flavour" == gpu ]]; then
    # The same GPU jar with its natives inside, extracted to the temp dir at start (no native path).
    jar="${DEMUCS_JAR:-demucs-cli/target/demucs-separate.jar}"
    run_container "$name-full" -v "$root/$jar:/opt/full.jar:ro" -e DEMUCS_JAR=/opt/full.jar -e DEMUCS_NATIVE_DIR=/none
    name="$name-full"
    full_s="$(until_ready)" || fail "the full GPU jar did not load the model"
    say "docker run to models_ready through the GPU jar: pre-extracted natives $(python3 -c "print(f'{$health_s + $ready_s:.1f}')") s, the full jar extracting them $full_s s"
fi
say "all checks passed in $((SECONDS - t0)) s"
