# The bot as a container: `docker compose up -d` (see compose.yaml and the README, "Run it as a
# service"). Two stages: the first installs the locked dependencies and the bot into a virtual
# environment; the second is a slim runtime holding only that environment, run as a non-root user.
# The database and its key live on the /data volume; settings come from the environment (.env).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/bot
# Dependencies first, from the lock file with hashes, so a code change reuses this layer.
COPY requirements/run.lock requirements/run.lock
RUN /opt/bot/bin/pip install --require-hashes --no-deps -r requirements/run.lock
COPY pyproject.toml README.md ./
COPY bot bot
COPY cogs cogs
COPY data data
# The wheel carries the content files (data/*.toml, *.json) and the migrations.
RUN /opt/bot/bin/pip install --no-deps . && /opt/bot/bin/python -m bot --help >/dev/null

FROM python:3.11-slim
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /data --no-create-home bot \
    && mkdir /data && chown bot:bot /data && chmod 0700 /data
COPY --from=build /opt/bot /opt/bot
ENV PATH=/opt/bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_PATH=/data/support.db
USER bot
WORKDIR /data
VOLUME ["/data"]
# SIGTERM closes the database cleanly (see bot/__main__.py, run_bot); compose allows 30 s.
STOPSIGNAL SIGTERM
# `health` reads the heartbeat the running bot rewrites every 30 s beside its database.
HEALTHCHECK --interval=60s --timeout=10s --start-period=90s --retries=3 \
    CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot"]
