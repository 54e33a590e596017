# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the full dependency set.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci's postinstall applies these small patches to dependencies (see README, Development).
COPY .patches ./.patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY gen ./gen
COPY test ./test
# The server (tsc) and the web console (esbuild, into dist/console).
RUN npm run build && npm prune --omit=dev

# Runtime stage: only production dependencies and the compiled server.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=8080 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/gen ./dist/gen
COPY --from=build /app/dist/console ./dist/console
COPY --from=build /app/gen/openapi ./gen/openapi
RUN mkdir -p /data && chown node:node /data
USER node
# API keys: the first start writes an admin key to /data/admin.key (docker exec … cat
# /data/admin.key); deployments give their own with WILDCAT_ADMIN_KEY or WILDCAT_ADMIN_KEY_FILE
# (a mounted secret). /healthz needs no key.
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
