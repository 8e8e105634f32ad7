# syntax=docker/dockerfile:1
# Switchyard image: control plane, demo LLM and the wasm filter module the control plane serves to
# Envoy Gateway (GET /filter/switchyard.wasm on the admin port).
#   docker build -t switchyard/controlplane:0.1.0 .
# The same image runs the demo backends (`switchyard demo-llm ...`, manifests/demo).

ARG NODE_IMAGE=node:20-bookworm-slim
# GPU image (manifests/overlays/gpu): --build-arg GPU=true adds the CUDA execution provider, with
# CUDA and cuDNN, from PyPI (about 2.6 GB more). The NVIDIA container runtime supplies the driver.
ARG GPU=false

# ---- build: dependencies, the wasm filter, type check, models ---------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Lockfile first so the dependency layer is cached across source edits.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The filter module; Envoy Gateway checks its sha256 against the EnvoyExtensionPolicy, so refuse to
# build an image whose module does not match the committed manifests.
RUN npx asc filter/main.ts --target release \
 && node scripts/k8s/update-wasm-sha.mjs --check
RUN npx tsc -p tsconfig.json --noEmit
# Classifier models (every encoder inference.model can name) are baked in at build time: pods then
# start without network access to a model hub, and a rollout cannot change models behind a fixed tag.
RUN SWITCHYARD_MODELS_DIR=/opt/switchyard/models node bin/switchyard.js models pull --all
# The GPU image's provider; its load check runs here too and tells a library that does not load
# (the build fails) from a build machine without a GPU (fine).
ARG GPU
RUN if [ "$GPU" = "true" ]; then \
      apt-get update && apt-get install -y --no-install-recommends python3-pip \
      && SWITCHYARD_MODELS_DIR=/opt/switchyard/models node bin/switchyard.js gpu install; \
    fi
# Runtime needs only production dependencies (tsx runs the TypeScript sources).
RUN npm prune --omit=dev --no-audit --no-fund \
 && rm -rf test docs scripts/k8s manifests .cache

# ---- runtime --------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    SWITCHYARD_MODELS_DIR=/opt/switchyard/models \
    SWITCHYARD_WASM=/app/build/switchyard.wasm
WORKDIR /app
# Owned by root and not writable by the runtime user: works with readOnlyRootFilesystem.
COPY --from=build /src /app
COPY --from=build /opt/switchyard/models /opt/switchyard/models
# Numeric user so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 10001:10001
EXPOSE 8080 8081 8000
ENTRYPOINT ["node", "/app/bin/switchyard.js"]
CMD ["controlplane", "--host=0.0.0.0", "--port=8080", "--admin-port=8081", "--config=/etc/switchyard/config.yaml"]
