# syntax=docker/dockerfile:1
# One image for every role: ROLE=all (default), api or worker.

# The Node.js line production runs: the current Active LTS. CI (.ci/run) runs the tests on this
# major and on the oldest version package.json's engines allows.
ARG NODE_IMAGE=node:26-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workers ./workers
COPY webhooks ./webhooks
COPY roles ./roles
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json slack-manifest.yaml node-options.env ./
USER node
EXPOSE 3000
# /healthz answers while the process is alive; /readyz adds Redis, workers and the upstream token.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# V8 heap sizing (NODE_OPTIONS) comes from node-options.env, as for `npm start`; a NODE_OPTIONS
# given to the container replaces it.
CMD ["node", "--env-file=node-options.env", "dist/roles/main.js"]
