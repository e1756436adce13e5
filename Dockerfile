# DeskBridge as a container image.
#
#   docker build -t deskbridge .
#   docker run -d -p 3000:3000 -v deskbridge-data:/data --stop-timeout 20 -e PUBLIC_URL=https://bridge.example.com \
#     -e SLACK_SIGNING_SECRET=... -e SLACK_BOT_TOKEN=... deskbridge
#
# --stop-timeout: docker stop waits 10 s before SIGKILL by default, as long as the service's own bound on a shutdown
# (SHUTDOWN_TIMEOUT_MS, 10000): give it more than that bound.
# Secrets come from the environment (or the generated key file in /data) at run time; none is baked into the image.
# Podman keeps HEALTHCHECK only in the Docker image format: `podman build --format docker`.
# scripts/container-check.sh builds and runs this file with podman, on a machine without a container registry.

# Any image with Node 20 on Debian bookworm at /usr/local (the official one's layout): the check script passes a
# locally made one.
ARG BASE=node:20-bookworm-slim

# The build stage compiles better-sqlite3 against this Node; no compiler reaches the runtime image.
FROM ${BASE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The service runs through tsx (a dependency), so the runtime needs no dev dependency. better-sqlite3 is compiled from
# source against this image's Node headers (no prebuilt binary or headers downloaded from GitHub or nodejs.org).
# Behind a TLS-inspecting proxy, give npm the proxy's CA as a build secret (--secret id=npm_ca,src=ca.pem): it is
# mounted for this step only and stored in no layer.
RUN --mount=type=secret,id=npm_ca \
  if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi \
  && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm rebuild esbuild \
  && (cd node_modules/better-sqlite3 \
    && node "$(npm prefix -g)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js" rebuild --release \
      --nodedir=/usr/local \
    && mv build/Release/better_sqlite3.node /tmp/ \
    && rm -rf build deps src \
    && mkdir -p build/Release \
    && mv /tmp/better_sqlite3.node build/Release/) \
  && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"

FROM ${BASE}
# LOCAL_MODE=off: a container without chat credentials is a bare node (node protocol and CLI), not local mode, whose
# simulators and Playground would listen on the container's loopback and which allows private URLs.
ENV NODE_ENV=production \
  DESKBRIDGE_DATA_DIR=/data \
  PORT=3000 \
  HOST=0.0.0.0 \
  LOCAL_MODE=off
# A fixed uid, so a host directory mounted on /data can be given to it (`chown 10001:10001 dir`).
RUN groupadd --gid 10001 deskbridge \
  && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin deskbridge \
  && mkdir /data \
  && chown 10001:10001 /data \
  && chmod 0700 /data
WORKDIR /app
# The code stays root's: the service can write only its data dir (and /tmp, where tsx keeps its cache).
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY db ./db
COPY src ./src
COPY adapters ./adapters
# `docker exec <container> deskbridge ...` runs the CLI against the same data dir.
RUN ln -s /app/bin/deskbridge.mjs /usr/local/bin/deskbridge
USER 10001:10001
VOLUME /data
EXPOSE 3000
# Ready, not just alive: /readyz answers 200 once the database is migrated and the engine runs, 503 otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))"]
# Node itself is PID 1 (not npm), so SIGTERM reaches the service's shutdown handler.
CMD ["node", "--import", "tsx", "src/main.ts"]
