# The README's two commands: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-pythons test-cluster cluster fuzz fuzz-ci lint typecheck unit integration broker venv clean

$(STAMP): pyproject.toml setup.py rstream_core/_speedups.c rstream_core/protocol/_speedups.c \
		plugins/codec_amqp/_speedups.c \
		plugins/codec_amqp/_message.c
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[all,test]"
	touch $(STAMP)

venv: $(STAMP)

broker:
	scripts/broker start

lint: venv
	$(BIN)/ruff check .

# mypy cannot follow setuptools' editable finder for the renamed plugins package, so it
# reads plugins/ through a link named like the installed package.
typecheck: venv
	mkdir -p .mypy_path && ln -sfn ../plugins .mypy_path/rstream_plugins
	MYPYPATH=.mypy_path $(BIN)/mypy -p rstream -p rstream_core -p rstream_plugins

# The unit tests of what has C speed-ups run twice: with them, then on the pure-Python paths.
test: venv broker lint typecheck
	$(BIN)/pytest -q
	RSTREAM_NO_EXTENSIONS=1 $(BIN)/pytest -q tests/unit/codecs tests/unit/protocol tests/unit/core \
		tests/unit/test_fuzz_corpus.py

# The same suite on the other supported Pythons (pyenv's, as on every machine of ours), each
# in its own venv (.venv-3.12, .venv-3.13); the C extensions build beside each other.
PYTHONS ?= 3.12 3.13
PYENV_VERSIONS := $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions

test-pythons: broker
	set -e; for version in $(PYTHONS); do \
		python=$$(ls -d $(PYENV_VERSIONS)/$$version.*/bin/python3 | sort -V | tail -1); \
		test -x "$$python" || { echo "no Python $$version under $(PYENV_VERSIONS)"; exit 1; }; \
		venv=.venv-$$version; \
		test -x $$venv/bin/python || $$python -m venv $$venv; \
		$$venv/bin/pip install -q --upgrade pip; \
		$$venv/bin/pip install -q -e ".[all,test]"; \
		echo "== Python $$version"; \
		$$venv/bin/pytest -q; \
		RSTREAM_NO_EXTENSIONS=1 $$venv/bin/pytest -q tests/unit/codecs tests/unit/protocol tests/unit/core \
			tests/unit/test_fuzz_corpus.py; \
	done

# The fault suite on a three-node cluster behind HAProxy (scripts/broker cluster), beside the
# single broker; the figures of each fault go to $(FAULT_RESULTS) (scripts/fault_table.py
# prints the README's table from it).
FAULT_RESULTS ?= /tmp/rstream-fault-results.jsonl

cluster:
	scripts/broker cluster start

test-cluster: venv cluster
	RSTREAM_FAULT_RESULTS=$(FAULT_RESULTS) $(BIN)/pytest -q tests/cluster

# Coverage-guided fuzzing (atheris) of the frame reader, the chunk parser, the sub-entry
# decompressors and the AMQP decoder, FUZZ_SECONDS per target, with the C extensions and
# without; new inputs land in tests/fuzz/corpus, crashes in tests/fuzz/crashes. CI runs
# fuzz-ci, the same with a small budget.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := frames chunk decompress amqp

fuzz: venv
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/pip install -q "atheris>=2.3"
	set -e; for target in $(FUZZ_TARGETS); do \
		for pure in "" 1; do \
			echo "== fuzz $$target$${pure:+ (pure Python)}, $(FUZZ_SECONDS) s"; \
			log=tests/fuzz/crashes/last-$$target.log; mkdir -p tests/fuzz/crashes; \
			RSTREAM_NO_EXTENSIONS=$$pure $(BIN)/python tests/fuzz/run.py $$target \
				-max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 > $$log 2>&1 \
				|| { tail -40 $$log; exit 1; }; \
			grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb)" $$log; \
		done; \
	done

fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=15

demo: venv broker
	$(BIN)/rstream --host 127.0.0.1 perf --time 10 --plot perf-demo.png

clean:
	rm -rf $(VENV) .venv-3.* .mypy_path .mypy_cache .pytest_cache
