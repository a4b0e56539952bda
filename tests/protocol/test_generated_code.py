"""The committed *_pb2 modules must be exactly what `make proto` makes from the .proto files."""

from tradesys.messages import generate


def test_committed_generated_code_matches_a_fresh_generation(tmp_path):
    fresh = {p.name: p.read_bytes() for p in generate.generate(tmp_path)}
    committed = {p.name: p.read_bytes() for p in sorted(generate.MESSAGES_DIR.glob("*_pb2.py*"))}
    assert sorted(fresh) == sorted(committed), "generated file set differs: run `make proto` and commit"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale generated code in {stale}: run `make proto` and commit"
    assert len(fresh) == 2 * len(generate.proto_files())
