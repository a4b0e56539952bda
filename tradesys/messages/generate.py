"""Generate the *_pb2.py / *_pb2.pyi modules from the .proto files beside this one.

Run as ``python -m tradesys.messages.generate [--out DIR]`` (``make proto``).
The generated files are committed; tests/protocol/test_generated_code.py
regenerates into a temporary folder and fails when the two differ.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

MESSAGES_DIR = Path(__file__).resolve().parent
# Proto imports are rooted at the repository (import "tradesys/messages/x.proto"),
# so the generated modules import each other as tradesys.messages.x_pb2.
PROTO_ROOT = MESSAGES_DIR.parent.parent


def proto_files() -> list[Path]:
    """Return the schema files, sorted so generation is deterministic."""
    return sorted(MESSAGES_DIR.glob("*.proto"))


def generate(out_root: Path) -> list[Path]:
    """Compile every schema into ``out_root``/tradesys/messages; return the files written.

    Raises RuntimeError with protoc's message when a schema does not compile.
    """
    from grpc_tools import protoc  # a test/dev dependency, not needed at run time

    out_root.mkdir(parents=True, exist_ok=True)
    protos = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    args = ["protoc", f"-I{PROTO_ROOT}", f"--python_out={out_root}", f"--pyi_out={out_root}", *protos]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {', '.join(protos)}")
    generated = out_root / "tradesys" / "messages"
    return sorted(generated.glob("*_pb2.py*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROTO_ROOT, help="output root (default: the repository)")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
