# syntax=docker/dockerfile:1

# --- builder: resolve the locked main dependencies into a self-contained venv ---------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build

# Poetry is only needed here, to turn poetry.lock into a requirements file; it never reaches
# the runtime image. poetry.lock is written by Poetry 2.x (lock-version 2.1).
RUN pip install --no-cache-dir "poetry>=2.0,<3" "poetry-plugin-export>=1.8"

COPY pyproject.toml poetry.lock README.md ./

# Only the main group: the `embedded` group (ONNX runtime, llama.cpp, bundled GGUF weights)
# and the `dev` group are not wanted in the production image, which talks to Weaviate + Ollama.
RUN poetry export --only main --without-hashes -f requirements.txt -o requirements.txt

RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

COPY tunedd_api ./tunedd_api
# --no-deps: every dependency is already pinned in from the lock file above.
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps .

# --- runtime ------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    RAG_BACKEND=production \
    RAG_DATA_DIR=/app/data

RUN groupadd --system --gid 10001 tunedd \
    && useradd --system --uid 10001 --gid tunedd --home-dir /app --shell /usr/sbin/nologin tunedd

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
RUN mkdir -p /app/data /app/uploads && chown -R tunedd:tunedd /app

EXPOSE 8000

# Liveness only (slim has no curl); docker-compose.yml checks /readyz instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

USER tunedd

# `tunedd serve` refuses a non-loopback address unless API keys are required (compose sets
# RAG_ADMIN_KEY) or RAG_ALLOW_UNAUTHENTICATED=true says the network is trusted.
CMD ["tunedd", "serve", "--host", "0.0.0.0", "--port", "8000"]
