# Two commands do all set-up on a fresh machine:
#   make train   -> venv + install + Fashion-MNIST (apt, when root) + train LeNet-5
#   make test    -> venv + install (with dev extras) + the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev

.PHONY: test train bench venv clean fashion-mnist torch-local

# `make train ARGS="--epochs 1 --model mlp"` passes flags to examples/train_fashion_mnist.py
ARGS ?=
FASHION_DIR ?= /usr/share/datasets/fashion-mnist

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PY) -m pip install -q --upgrade pip >/dev/null 2>&1 || true
	$(PY) -m pip install -q -e ".[dev]"
	@$(MAKE) --no-print-directory torch-local
	touch $(STAMP)

# The differential tests compare against PyTorch when it is importable. Install it only from a
# local CPU wheel (a plain `pip install torch` could pull a multi-GB CUDA build); else they skip.
torch-local: $(PY)
	@if $(PY) -c "import torch" >/dev/null 2>&1; then exit 0; fi; \
	whl=$$(ls $${PIP_FIND_LINKS:-/opt/wheels}/torch-2.13.0+cpu-*.whl 2>/dev/null | head -n 1); \
	if [ -n "$$whl" ]; then echo "installing PyTorch for the differential tests: $$whl"; \
	  $(PY) -m pip install -q "$$whl" || echo "torch install failed: torch tests will skip"; \
	else echo "no local torch==2.13.0 CPU wheel: the torch-differential tests will skip"; fi

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
