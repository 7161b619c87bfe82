# syntax=docker/dockerfile:1
# Rare Studio API (also the image of the chart's migration Job, which runs db/src/migrate.cli.ts).
# Runs the TypeScript sources with tsx, as `./studio up` does. Build from the repository root:
#   docker build -f infra/docker/api.Dockerfile -t rare-studio/api:0.1.0 .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV PNPM_HOME=/pnpm CI=true
RUN npm install -g pnpm@12.21.0 tsx@4.23.15
WORKDIR /app
# Every workspace manifest, so the frozen lockfile matches; only the API's dependency graph is installed.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY api/package.json api/
COPY client/package.json client/
COPY dashboard/package.json dashboard/
COPY db/package.json db/
COPY infra/package.json infra/
COPY test/package.json test/
COPY trainer/package.json trainer/
COPY trainer/protocol/package.json trainer/protocol/
RUN pnpm install --frozen-lockfile --prod --filter "@studio/api..." --reporter=append-only \
 && cp -r /usr/local/lib/node_modules/tsx node_modules/tsx
COPY tsconfig.base.json ./
COPY db/ db/
COPY trainer/protocol/ trainer/protocol/
COPY api/ api/

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=4000 \
    EVAL_MODELS_DIR=/models/eval/clip-vit-b32-dino-vits16
COPY --from=build /app /app
# tsx (the version of the root package.json, with its own dependencies) lives in /app/node_modules, where
# the evaluator's worker thread resolves it too (api/src/evaluation/evaluator.ts). It caches in /tmp (an
# emptyDir in the chart, so the root filesystem stays read-only). uid 1000 is the base image's `node`
# user; nothing in /app is writable by it.
USER 1000:1000
WORKDIR /app/api
EXPOSE 4000
# tsx as a loader in the one node process (PID 1 gets SIGTERM itself: the graceful stop in src/main.ts).
ENTRYPOINT ["node", "--import", "/app/node_modules/tsx/dist/loader.mjs", "src/main.ts"]
