# Everything a fresh machine needs: `make run` serves the API, `make test` runs the tests.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
TOOLS := .tools
POETRY := $(TOOLS)/bin/poetry

# Poetry's default index look-ups use a JSON API that some mirrors do not serve; point it at
# pip's own simple index (read from pip at run time, so no host name is written down here).
export POETRY_PYPI_MIRROR_URL ?= $(shell $(PYTHON) -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')
export POETRY_VIRTUALENVS_IN_PROJECT := true
# llama-cpp-python compiles llama.cpp on install; skip its multimodal library (mtmd/llava),
# which tunedd never loads (measured in docs/BENCHMARKS.md, "First install").
export CMAKE_ARGS ?= -DLLAVA_BUILD=OFF
export HAYSTACK_TELEMETRY_ENABLED := False

.PHONY: install run index test eval bench lint format records-demo sample-data pipelines clean

$(POETRY):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "poetry==2.5.1" "poetry-plugin-pypi-mirror==0.6.5"

.venv/.installed: $(POETRY) pyproject.toml poetry.lock
	$(POETRY) install --with embedded,dev --no-interaction
	touch $@

install: .venv/.installed

run: install
	$(POETRY) run tunedd serve --host $(HOST) --port $(PORT)

index: install
	$(POETRY) run tunedd index

test: install
	$(POETRY) run pytest

# Retrieval quality on the labelled questions over the five papers; fails under the recall
# gate or if the relevance gate refuses an answerable question.
CORPUS ?= ../shared/corpus/arxiv-ai-agents
MIN_PAGE_RECALL ?= 0.88
eval: install
	RAG_INDEX_DIR=.tunedd/eval RAG_LOCAL_CHAT_MODEL=smollm2-135m RAG_LOG_LEVEL=WARNING \
	  $(POETRY) run tunedd eval --data $(CORPUS) --min-page-recall $(MIN_PAGE_RECALL) \
	  --max-gate-refusals 0 --json .tunedd/eval/report.json

# Benchmarks (slow, not part of CI): see docs/BENCHMARKS.md and docs/EVALUATION.md.
bench: install
	$(POETRY) run python -m benchmarks.pipelines

lint: install
	$(POETRY) run flake8
	$(POETRY) run black --check .
	$(POETRY) run lint-imports

format: install
	$(POETRY) run black .

# Batch scoring demo: ingest the sample tweets, score them all, print the quality report.
RECORDS_DB ?= sqlite:///.tunedd/records.db
RECORDS_CHAT_MODEL ?= qwen2.5-1.5b
records-demo: install
	$(POETRY) run tunedd ingest data/records/sample_tweets.csv --db "$(RECORDS_DB)"
	RAG_LOCAL_CHAT_MODEL=$(RECORDS_CHAT_MODEL) RAG_LOG_LEVEL=WARNING \
	  $(POETRY) run tunedd worker --db "$(RECORDS_DB)"
	$(POETRY) run tunedd quality --db "$(RECORDS_DB)"

# The two Haystack graphs of the configured stack as YAML (pipelines/indexing.yml, chat.yml).
pipelines: install
	$(POETRY) run tunedd pipelines dump --out pipelines

sample-data: install
	$(POETRY) run python scripts/make_sample_pdfs.py
	$(POETRY) run python scripts/make_sample_records.py

clean:
	rm -rf .tunedd .pytest_cache
