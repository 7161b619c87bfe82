# syntax=docker/dockerfile:1
# Rare Studio dashboard (Next.js): built once here, served with `next start`. DASHBOARD_API_URL is
# read at request time, so one image serves every deployment. Build from the repository root:
#   docker build -f infra/docker/dashboard.Dockerfile -t rare-studio/dashboard:0.1.0 .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
ENV PNPM_HOME=/pnpm CI=true NEXT_TELEMETRY_DISABLED=1
RUN npm install -g pnpm@12.21.0
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY api/package.json api/
COPY client/package.json client/
COPY dashboard/package.json dashboard/
COPY db/package.json db/
COPY infra/package.json infra/
COPY test/package.json test/
COPY trainer/package.json trainer/
COPY trainer/protocol/package.json trainer/protocol/
# The build needs the dev dependencies (TypeScript, types); the runtime stage gets production ones only.
RUN pnpm install --frozen-lockfile --filter "@studio/dashboard..." --filter rare-studio --reporter=append-only
COPY tsconfig.base.json ./
COPY dashboard/ dashboard/
RUN pnpm --filter @studio/dashboard run build \
 && rm -rf node_modules dashboard/node_modules \
 && pnpm install --frozen-lockfile --prod --filter "@studio/dashboard..." --reporter=append-only

FROM ${NODE_IMAGE}
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000
COPY --from=build /app /app
USER 1000:1000
WORKDIR /app/dashboard
EXPOSE 3000
# `next start` listens on all interfaces, on $PORT. .next/cache must be writable (an emptyDir in the
# chart); nothing else is written.
ENTRYPOINT ["node_modules/.bin/next", "start"]
