#!/usr/bin/env bash
# HEALTHCHECK: GET /health on the server's port answers 200 (bash /dev/tcp: no curl in the image).
set -euo pipefail
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8185}"
printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 5 status <&3
[[ "$status" == *" 200"* ]]
