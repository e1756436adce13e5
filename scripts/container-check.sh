#!/usr/bin/env bash
# Builds the Dockerfile with podman and runs the image the way an operator would, on a machine with no container
# registry (only Debian's mirror and the npm registry):
#   1. a Node 20 base image made here (or BASE_IMAGE=docker.io/library/node:20-bookworm-slim, pulled, where a
#      registry is reachable): Debian bookworm from debootstrap plus this machine's Node 20 (binary, npm and
#      headers), laid out like the official node:20-bookworm-slim (/usr/local), kept as localhost/deskbridge-base:node20;
#   2. podman build of the Dockerfile on it (npm ci and apt-get inside reach their registries through --network host;
#      a CA bundle in NODE_EXTRA_CA_CERTS, for a TLS-inspecting proxy, goes to npm as the npm_ca build secret);
#   3. a run with a host directory as /data: /healthz answers, PID 1 is not root, the database and key file are written
#      in the volume, the image's HEALTHCHECK (/readyz) passes, and SIGTERM ends it with exit code 0 in time;
#   4. one JSON line with the timings.
# Root, podman and debootstrap (apt-get install -y podman debootstrap). Removes its container and image at the end
# (KEEP_IMAGE=1 keeps the image); keeps the base image and podman's layer cache, which make the next run warm.
# On a host whose cgroups crun refuses (hybrid v1+v2, as in some VMs) it runs podman with Debian's runc, unpacked into
# its cache directory rather than installed, through a containers.conf of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=${BASE_IMAGE:-localhost/deskbridge-base:node20}
IMAGE=${IMAGE:-localhost/deskbridge:test}
HOST_PORT=${HOST_PORT:-38080}
STOP_LIMIT_S=${STOP_LIMIT_S:-30}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
NPM_CA=${NPM_CA:-${NODE_EXTRA_CA_CERTS:-}}
CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/deskbridge-container-check
NAME="deskbridge-check-$$"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
fail() {
  echo "container-check: FAILED: $*" >&2
  if podman container exists "$NAME" 2>/dev/null; then
    echo "container-check: the container's log:" >&2
    podman logs --tail 40 "$NAME" >&2 || true
  fi
  exit 1
}
step() { echo "container-check: $*" >&2; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap, and the data dir is given to uid 10001)"
# What the check needs comes from Debian's packages, installed here when missing (a fresh machine has none of them).
missing=()
for tool in podman debootstrap curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  step "installing ${missing[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
    fail "apt-get install ${missing[*]} failed"
fi
command -v node >/dev/null || fail "node is not installed"

work=$(mktemp -d /tmp/deskbridge-container-check.XXXXXX)
cleanup() {
  podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  [ "${KEEP_IMAGE:-0}" = 1 ] || podman rmi -f "$IMAGE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

started=$(now)

# 1. The base image: kept from an earlier run, pulled, or made here.
base_made=false
base_s=0
if ! podman image exists "$BASE_IMAGE" && [[ $BASE_IMAGE != localhost/* ]]; then
  # Where a registry is reachable (BASE_IMAGE=docker.io/library/node:20-bookworm-slim), the real base.
  step "pulling $BASE_IMAGE"
  base_started=$(now)
  podman pull -q "$BASE_IMAGE" >"$work/pull.log" 2>&1 || fail "podman pull $BASE_IMAGE failed: $(tail -3 "$work/pull.log")"
  base_s=$(since "$base_started")
elif ! podman image exists "$BASE_IMAGE"; then
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install -y debootstrap)"
  node_bin=$(readlink -f "$(command -v node)")
  [ "$(node -p 'process.versions.node.split(".")[0]')" = 20 ] || fail "the host's node is $(node --version), not Node 20"
  node_prefix=$(dirname "$(dirname "$node_bin")")
  npm_dir=$(npm root -g)/npm
  headers=$node_prefix/include/node
  [ -f "$headers/node_api.h" ] || fail "no Node headers at $headers (better-sqlite3 compiles against them)"
  [ -f "$npm_dir/bin/npm-cli.js" ] || fail "no npm at $npm_dir"
  step "making $BASE_IMAGE: debootstrap bookworm + Node $(node --version) from $node_bin"
  base_started=$(now)
  rootfs=$work/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -5 "$work/debootstrap.log")"
  # The official image's layout: node, npm and the headers under /usr/local.
  install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  cp -a "$npm_dir" "$rootfs/usr/local/lib/node_modules/npm"
  cp -a "$headers" "$rootfs/usr/local/include/node"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # Slim, as the official image is: no docs, manuals, locales or package lists.
  rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  env -u NODE_EXTRA_CA_CERTS chroot "$rootfs" /usr/local/bin/node -e 'process.exit(0)' || fail "the host's node does not run on bookworm's libraries"
  tar -C "$rootfs" -c . | podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  base_made=true
  base_s=$(since "$base_started")
  step "base image made in ${base_s} s"
fi

# Can podman run a container here? If crun refuses this host's cgroups, use runc (and limits the host allows).
runs() { podman run --rm "$BASE_IMAGE" true >"$work/probe.log" 2>&1; }
if ! runs; then
  grep -q -E 'hybrid mode|setrlimit' "$work/probe.log" || fail "podman cannot run a container: $(cat "$work/probe.log")"
  runc_bin=$(command -v runc || true)
  if [ -z "$runc_bin" ]; then
    runc_bin=$CACHE_DIR/runc/usr/sbin/runc
    if [ ! -x "$runc_bin" ]; then
      step "crun refuses this host's cgroups: unpacking Debian's runc into $CACHE_DIR (not installed)"
      mkdir -p "$CACHE_DIR/runc"
      (cd "$work" && apt-get download runc >"$work/runc.log" 2>&1) ||
        fail "apt-get download runc failed: $(tail -3 "$work/runc.log")"
      dpkg-deb -x "$work"/runc_*.deb "$CACHE_DIR/runc"
    fi
  fi
  # Podman asks for more open files and processes than this host lets conmon give: ask for what it has.
  cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[engine]
runtime = "runc"
[engine.runtimes]
runc = ["$runc_bin"]
EOF
  export CONTAINERS_CONF=$work/containers.conf
  runs || fail "podman cannot run a container, with runc either: $(cat "$work/probe.log")"
  step "running podman with runc ($runc_bin): crun refused this host's cgroups"
fi

# 2. The build (Docker format: OCI images drop HEALTHCHECK).
step "podman build -t $IMAGE (base $BASE_IMAGE)"
build_started=$(now)
secret=()
if [ -n "$NPM_CA" ]; then
  [ -r "$NPM_CA" ] || fail "NPM_CA / NODE_EXTRA_CA_CERTS names $NPM_CA, which cannot be read"
  secret=(--secret "id=npm_ca,src=$NPM_CA")
  step "npm in the build trusts $NPM_CA as well (build secret npm_ca; stored in no layer)"
fi
podman build --format docker --network host "${secret[@]}" --build-arg "BASE=$BASE_IMAGE" -t "$IMAGE" . \
  >"$work/build.log" 2>&1 ||
  fail "podman build failed: $(tail -20 "$work/build.log")"
build_s=$(since "$build_started")
image_mb=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%d", $1 / 1048576 }')
step "built in ${build_s} s (${image_mb} MB)"

healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
case $healthcheck in *"/readyz"*) ;; *) fail "the image has no HEALTHCHECK on /readyz: $healthcheck" ;; esac

# 3. A run as an operator would start it: a host directory as the data volume, given to the image's uid.
data=$work/data
mkdir -p "$data"
chown 10001:10001 "$data"
run_started=$(now)
# No chat credentials here: the image's LOCAL_MODE=off makes it a bare node rather than local mode.
podman run -d --name "$NAME" -p "127.0.0.1:$HOST_PORT:3000" -v "$data:/data" \
  -e PUBLIC_URL="http://127.0.0.1:$HOST_PORT" "$IMAGE" >"$work/run.log" 2>&1 ||
  fail "podman run failed: $(cat "$work/run.log")"
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:$HOST_PORT/healthz" 2>/dev/null && break
  [ "$(podman inspect --format '{{.State.Running}}' "$NAME")" = true ] || fail "the container stopped before /healthz answered"
  sleep 0.5
done
health=$(curl -fsS "http://127.0.0.1:$HOST_PORT/healthz") || fail "/healthz did not answer within 60 s"
[ "$health" = '{"status":"ok"}' ] || fail "/healthz answered $health"
if podman logs "$NAME" 2>&1 | grep -q 'LOCAL MODE'; then fail "the image started local mode without chat credentials"; fi
ready_s=$(since "$run_started")
step "/healthz answered after ${ready_s} s"

pid1=$(podman exec "$NAME" cat /proc/1/status /proc/1/cmdline | tr '\0' ' ')
pid1_uid=$(awk '/^Uid:/ { print $2; exit }' <<<"$pid1")
[ "$pid1_uid" = 10001 ] || fail "PID 1 runs as uid $pid1_uid, not 10001"
case $pid1 in *"node --import tsx src/main.ts"*) ;; *) fail "PID 1 is not the service: $pid1" ;; esac

[ -s "$data/deskbridge.db" ] || fail "no database in the data volume: $(ls -la "$data")"
[ "$(stat -c %u "$data/deskbridge.db")" = 10001 ] || fail "the database is not owned by uid 10001"
[ "$(stat -c %a "$data/secret.key")" = 600 ] || fail "the generated key file is not mode 0600: $(ls -la "$data")"

health_started=$(now)
healthy=false
for _ in $(seq 1 30); do
  if podman healthcheck run "$NAME" >"$work/healthcheck.log" 2>&1; then
    healthy=true
    break
  fi
  sleep 1
done
[ "$healthy" = true ] ||
  fail "the image's HEALTHCHECK (/readyz) did not pass within 30 s; /readyz answers: $(curl -sS -w ' (%{http_code})' "http://127.0.0.1:$HOST_PORT/readyz" || true)"
healthcheck_s=$(since "$health_started")
step "HEALTHCHECK passed"
# The same command against a port nothing listens on must fail: a check that cannot fail proves nothing.
mapfile -t check_cmd < <(node -e 'const t = JSON.parse(process.argv[1]); if (t[0] !== "CMD") process.exit(1); for (const a of t.slice(1)) console.log(a)' "$(podman image inspect --format '{{json .Config.Healthcheck.Test}}' "$IMAGE")")
[ "${#check_cmd[@]}" -gt 0 ] || fail "the HEALTHCHECK is not in exec form"
if podman exec -e PORT=9 "$NAME" "${check_cmd[@]}" >/dev/null 2>&1; then fail "the HEALTHCHECK passes with nothing listening"; fi

stop_started=$(now)
podman kill --signal TERM "$NAME" >/dev/null 2>&1
exit_code=$(timeout "$STOP_LIMIT_S" podman wait "$NAME" 2>/dev/null) || fail "still running ${STOP_LIMIT_S} s after SIGTERM"
stop_s=$(since "$stop_started")
[ "$exit_code" = 0 ] || fail "exit code $exit_code after SIGTERM (0 is a clean stop)"
podman logs "$NAME" 2>&1 | grep -q '"signal":"SIGTERM"' || fail "the log does not show the SIGTERM shutdown"
step "stopped cleanly ${stop_s} s after SIGTERM"

cleanup_started=$(now)
cleanup
trap - EXIT
cleanup_s=$(since "$cleanup_started")

# 4. The figures.
printf '{"check":"container","ok":true,"base_image":"%s","base_made":%s,"base_s":%s,"build_s":%s,"image_mb":%s,"healthz_s":%s,"healthcheck_s":%s,"stop_s":%s,"cleanup_s":%s,"total_s":%s}\n' \
  "$BASE_IMAGE" "$base_made" "$base_s" "$build_s" "$image_mb" "$ready_s" "$healthcheck_s" "$stop_s" "$cleanup_s" \
  "$(since "$started")"
