# Portcullis in a container: docker build -t portcullis . && docker run -p 4590:4590 -v portcullis-data:/data portcullis
# (docs/deploy.md: settings, PostgreSQL, the master key). Two stages: the first builds the package
# exactly as `npm pack` ships it and installs it as users do (--omit=dev); the second holds only
# that install, Node.js and a non-root user.
FROM node:22-bookworm-slim AS build
# better-sqlite3 builds from source when no prebuilt binary can be fetched.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm pack --silent --pack-destination /tmp && mv /tmp/portcullis-*.tgz /tmp/portcullis.tgz
WORKDIR /app
# The install approves better-sqlite3's install script (npm 11's allowScripts), and only that one.
RUN echo '{"private":true,"allowScripts":{"better-sqlite3":true}}' > package.json \
  && npm install --omit=dev --no-audit --no-fund /tmp/portcullis.tgz

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORTCULLIS_HOST=0.0.0.0 \
    PORTCULLIS_PORT=4590 \
    PORTCULLIS_DATA_DIR=/data
RUN groupadd --system portcullis \
  && useradd --system --gid portcullis --home-dir /data --shell /usr/sbin/nologin portcullis \
  && mkdir /data && chown portcullis:portcullis /data && chmod 700 /data
COPY --from=build /app /app
USER portcullis
VOLUME /data
EXPOSE 4590
HEALTHCHECK --interval=30s --timeout=5s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORTCULLIS_PORT}/_portcullis/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/node_modules/portcullis/dist/cli/main.js"]
CMD ["serve"]
