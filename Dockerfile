# syntax=docker/dockerfile:1.7
# snapgate: policy-checked GitOps reconciler for Lightsail disk snapshots.

# OPA for users' own Rego directories (the built-in policy needs no opa at run time).
FROM openpolicyagent/opa:1.22.3-static AS opa

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY policies ./policies
RUN npm ci --no-audit --no-fund && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin snapgate
WORKDIR /opt/snapgate
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/policies/bundle ./policies/bundle
COPY examples ./examples
COPY --from=opa /opa /usr/local/bin/opa
RUN ln -s /opt/snapgate/dist/cli/bin.js /usr/local/bin/snapgate
USER snapgate
ENV SNAPGATE_STATE_DIR=/home/snapgate/state NODE_ENV=production
VOLUME ["/home/snapgate/state"]
EXPOSE 8080
# Only meaningful for `serve`; other commands exit before the first check.
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["snapgate"]
CMD ["--help"]
