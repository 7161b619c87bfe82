#!/usr/bin/env bash
# GPU acceptance benchmark (issue 18): see gpu_acceptance.py for what it measures.
#
#   trainer/engine/bench/gpu_acceptance.sh --model sd21-base-random --out DIR   # CUDA machine (H100/H200), <= 8 min
#   trainer/engine/bench/gpu_acceptance.sh --model tiny-random --out DIR        # CPU smoke test
#
# A machine without the engine's packages (e.g. a GPU machine with PyTorch but no diffusers): wheels in
# the checkout's .whl/ are installed into $GPU_ACCEPTANCE_SITE (default /tmp/site) and put on PYTHONPATH
# first. That happens only when the Python in use cannot import diffusers (or GPU_ACCEPTANCE_WHEELS=1);
# GPU_ACCEPTANCE_WHEELS=0 never installs them. PYTHON selects the interpreter (default: python3).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
PY="${PYTHON:-python3}"

want="${GPU_ACCEPTANCE_WHEELS:-auto}"
if [ "$want" = auto ]; then
  if "$PY" -c "import diffusers" >/dev/null 2>&1; then want=0; else want=1; fi
fi
if [ "$want" = 1 ]; then
  if ! ls "$REPO"/.whl/*.whl >/dev/null 2>&1; then
    echo "gpu_acceptance: $PY has no diffusers and $REPO/.whl holds no wheels" >&2
    exit 3
  fi
  SITE="${GPU_ACCEPTANCE_SITE:-/tmp/site}"
  echo "gpu_acceptance: installing $(ls "$REPO"/.whl/*.whl | wc -l) wheels from .whl into $SITE" >&2
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" "$REPO"/.whl/*.whl || exit 3
  export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONPATH="$REPO/trainer/engine/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
exec "$PY" "$HERE/gpu_acceptance.py" "$@"
