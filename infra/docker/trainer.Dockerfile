# syntax=docker/dockerfile:1
# Rare Studio trainer: the TypeScript service (Node 20, tsx) and the Python engine with its pinned
# virtualenv baked in (trainer/engine/requirements*.lock), on NVIDIA's CUDA runtime image. PyTorch's
# wheels bring their own CUDA libraries; the node needs an NVIDIA driver and device plugin (or the
# GPU operator). Build from the repository root:
#   docker build -f infra/docker/trainer.Dockerfile -t rare-studio/trainer:0.1.0 .
ARG NODE_IMAGE=node:20-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:13.0.0-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS node-build
ENV PNPM_HOME=/pnpm CI=true
RUN npm install -g pnpm@12.21.0 tsx@4.23.15
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
RUN pnpm install --frozen-lockfile --prod --filter "@studio/trainer..." --reporter=append-only \
 && cp -r /usr/local/lib/node_modules/tsx node_modules/tsx
COPY tsconfig.base.json ./
COPY db/ db/
# src, protocol (the engine's event and job schemas) and engine (the Python package)
COPY trainer/ trainer/

FROM ${CUDA_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
# The distribution's Python 3 (3.12 on Ubuntu 24.04), with its security updates: not pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The engine's virtualenv, exactly as ./studio builds it (infra/src/engine-env.service.ts).
COPY trainer/engine/requirements.lock trainer/engine/requirements-nodeps.lock /opt/engine-locks/
RUN python3 -m venv /opt/engine-venv \
 && /opt/engine-venv/bin/pip install --no-cache-dir --disable-pip-version-check -r /opt/engine-locks/requirements.lock \
 && /opt/engine-venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps -r /opt/engine-locks/requirements-nodeps.lock
COPY --from=node-build /usr/local/bin/node /usr/local/bin/node
COPY --from=node-build /app /app
ENV NODE_ENV=production \
    ENGINE_PYTHON=/opt/engine-venv/bin/python \
    ENGINE_DIR=/app/trainer/engine \
    TRAINER_WORK_DIR=/work \
    STUDIO_CACHE_DIR=/cache \
    HF_HOME=/cache/huggingface \
    HOME=/tmp
# uid 1000 (the base image's `ubuntu` user); nothing in /app or /opt is writable by it.
USER 1000:1000
WORKDIR /app/trainer
# /tmp, /work (job scratch) and /cache (models) are volumes in the chart; the root filesystem is read-only.
# tsx as a loader in the one node process (PID 1 gets SIGTERM itself: the graceful stop in src/main.ts).
ENTRYPOINT ["node", "--import", "/app/node_modules/tsx/dist/loader.mjs", "src/main.ts"]
