# The README's two commands: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-pythons lint typecheck unit integration broker venv clean

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
	RSTREAM_NO_EXTENSIONS=1 $(BIN)/pytest -q tests/unit/codecs tests/unit/protocol tests/unit/core

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
		RSTREAM_NO_EXTENSIONS=1 $$venv/bin/pytest -q tests/unit/codecs tests/unit/protocol tests/unit/core; \
	done

demo: venv broker
	$(BIN)/rstream perf --duration 10

clean:
	rm -rf $(VENV) .venv-3.* .mypy_path .mypy_cache .pytest_cache
