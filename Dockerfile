FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COACH_DB=/data/coach.db
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
# Same install step as the README, without the test extra.
RUN python -m venv /app/.venv && /app/.venv/bin/pip install -q --no-cache-dir . \
    && useradd --create-home --uid 10001 coach && mkdir -p /data && chown coach /data
USER coach
VOLUME ["/data"]
EXPOSE 8443
# every channel whose settings are given (TELEGRAM_BOT_TOKEN, WHATSAPP_*), on one port and one database
CMD ["/app/.venv/bin/umkm-coach", "serve"]
