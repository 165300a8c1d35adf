#!/usr/bin/env bash
# `make test-emulated-cpu`: the embedding tests on an emulated AMD EPYC (AVX2, no AVX-512/VNNI).
#
# ONNX Runtime picks its kernels by CPU: VNNI/AMX machines multiply int8 exactly, AVX2-only ones
# use vpmaddubsw, whose int16 pair sums saturate unless the weights are 7-bit, and its Softmax
# sums in another order (see newsdesk/nlp/quantize.py). This runs tests/test_nlp_embed.py with
# the repo venv under qemu-user's EPYC-Rome model, so the AVX2-only path can be checked on an
# Intel machine, then embeds the same articles natively and emulated: the vectors must be
# identical (this machine needs AVX2 too; without it ONNX Runtime's float kernels differ).
# Installs Debian's qemu-user when missing (QEMU >= 7.2 for AVX2; Debian bookworm has 7.2).
# Emulation is slow: 96 minutes on 2 cores shared with other jobs. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

TEST_PY=${TEST_PYTHON:-.venv/bin/python}
CPU=${EMULATED_CPU:-EPYC-Rome}
if ! command -v qemu-x86_64 >/dev/null 2>&1; then
  if [ "$(id -u)" != "0" ]; then
    echo "qemu-user is missing: run 'sudo apt-get install -y qemu-user'" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-user >/dev/null
fi
qemu-x86_64 --version | head -1

# qemu warns once per run about the model's features TCG lacks (rdseed, sha-ni, ...): not ours.
emulated() {
  qemu-x86_64 -cpu "$CPU" "$@" 2> >(grep -v "TCG doesn't support requested feature" >&2)
}

# What the emulated CPU offers, by CPUID: a QEMU without AVX2 in TCG would test the SSE kernels
# instead, and a host-like model would test nothing new.
emulated "$TEST_PY" - <<'EOF'
import ctypes
import mmap
import sys

# cpuid(leaf=edi, subleaf=esi) -> the four registers at rdx; then xgetbv(0) -> rax.
CPUID = "5389f889f14989d00fa241890041895804418948084189500c5bc3"
XGETBV = "31c90f01d048c1e2204809d0c3"
mem = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
mem.write(bytes.fromhex(CPUID) + bytes.fromhex(XGETBV))
base = ctypes.addressof(ctypes.c_char.from_buffer(mem))
cpuid_fn = ctypes.CFUNCTYPE(None, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_void_p)(base)
xgetbv_fn = ctypes.CFUNCTYPE(ctypes.c_uint64)(base + len(CPUID) // 2)


def cpuid(leaf: int, sub: int = 0) -> list[int]:
    regs = (ctypes.c_uint32 * 4)()
    cpuid_fn(leaf, sub, ctypes.addressof(regs))
    return list(regs)


_, _, ecx1, _ = cpuid(1)
_, ebx7, ecx7, edx7 = cpuid(7)
eax71 = cpuid(7, 1)[0]
os_avx = ecx1 >> 27 & 1 and xgetbv_fn() & 6 == 6  # xgetbv exists only with OSXSAVE
flags = {
    "avx2": ebx7 >> 5 & 1 and ecx1 >> 28 & 1 and os_avx,
    "fma": ecx1 >> 12 & 1,
    "avx512f": ebx7 >> 16 & 1,
    "avx512vnni": ecx7 >> 11 & 1,
    "avx_vnni": eax71 >> 4 & 1,
    "amx_int8": edx7 >> 25 & 1,
}
print("emulated CPU:", " ".join(f"{k}={int(bool(v))}" for k, v in flags.items()))
if not flags["avx2"] or any(flags[k] for k in ("avx512f", "avx512vnni", "avx_vnni", "amx_int8")):
    sys.exit("the emulated CPU is not AVX2-without-VNNI: this qemu cannot run the check")
EOF

# A cache of its own, so the emulated run derives the int8 model itself; one thread, as
# newsdesk runs it. Emulated tests outlast the usual 300 s pytest timeout.
CACHE=$(mktemp -d /tmp/newsdesk-emulated.XXXXXX)
trap 'rm -rf "$CACHE"' EXIT
export NEWSDESK_CACHE_DIR="$CACHE/emulated" OMP_NUM_THREADS=1
unset NEWSDESK_EMBED_MODEL_PATH
emulated "$TEST_PY" -m pytest -q -p no:cacheprovider --timeout=7200 tests/test_nlp_embed.py "$@"

VECTORS='
import sys
import numpy as np
from newsdesk.nlp import embed
from tests.test_nlp_embed import _bbc_docs
np.save(sys.argv[1], embed.Embedder().embed_articles(_bbc_docs(8)))
'
NEWSDESK_CACHE_DIR="$CACHE/native" "$TEST_PY" -c "$VECTORS" "$CACHE/native.npy"
emulated "$TEST_PY" -c "$VECTORS" "$CACHE/emulated.npy"
"$TEST_PY" - "$CACHE/native.npy" "$CACHE/emulated.npy" <<'EOF'
import sys
import numpy as np
native, emulated = np.load(sys.argv[1]), np.load(sys.argv[2])
diff = float(np.abs(native - emulated).max())
print(f"derived vectors of {len(native)} articles, native against emulated: max difference {diff}")
if diff:
    sys.exit("the int8 model computes differently here and on the emulated CPU (nlp/quantize.py)")
EOF
