# Two commands do all set-up on a fresh machine:
#   make train   -> venv + install + Fashion-MNIST (apt, when root) + train LeNet-5
#   make test    -> venv + install (with dev extras) + the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: test train bench venv clean fashion-mnist

# `make train ARGS="--epochs 1 --model mlp"` passes flags to examples/train_fashion_mnist.py
ARGS ?=
FASHION_DIR ?= /usr/share/datasets/fashion-mnist

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests

train: $(STAMP) fashion-mnist
	$(PY) examples/train_fashion_mnist.py $(ARGS)

# Fashion-MNIST from Debian's dataset-fashion-mnist (installed with apt-get when root); skipped
# when --data or $$AUTOGRAD_DATA points elsewhere.
fashion-mnist:
	@case " $(ARGS) " in *" --data"*) exit 0;; esac; \
	if [ -n "$$AUTOGRAD_DATA" ] || [ -f "$(FASHION_DIR)/train-images-idx3-ubyte.gz" ] || \
	   [ -f "$(FASHION_DIR)/train-images-idx3-ubyte" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Fashion-MNIST missing: apt-get install dataset-fashion-mnist"; \
	  (apt-get install -y -q dataset-fashion-mnist || \
	   (apt-get update -q && apt-get install -y -q dataset-fashion-mnist)) || exit 1; \
	else \
	  echo "Fashion-MNIST not found in $(FASHION_DIR). Install it with:"; \
	  echo "    sudo apt-get install dataset-fashion-mnist"; \
	  echo "or download the four *-ubyte.gz files from"; \
	  echo "https://github.com/zalandoresearch/fashion-mnist (data/fashion) into a directory"; \
	  echo "and run: make train ARGS=\"--data DIR\""; \
	  exit 1; \
	fi

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info
