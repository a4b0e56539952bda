"""cluster.yaml must stay a valid Ray cluster-launcher file."""

import json
from pathlib import Path

import jsonschema
import ray.autoscaler
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_cluster_yaml_satisfies_rays_own_launcher_schema():
    schema = json.loads((Path(ray.autoscaler.__file__).parent / "ray-schema.json").read_text())
    config = yaml.safe_load((ROOT / "cluster.yaml").read_text())
    jsonschema.validate(config, schema)
    assert config["cluster_name"] == "tradesys" and config["provider"]["type"] == "local"
    assert any("--include-dashboard=false" in cmd for cmd in config["head_start_ray_commands"])


def test_cluster_yaml_hands_every_node_the_token_and_installs_the_project_as_make_run_does():
    config = yaml.safe_load((ROOT / "cluster.yaml").read_text())
    assert config["file_mounts"]["~/.ray/auth_token"] == "~/.ray/auth_token"
    assert any("make .venv/.installed-run" in cmd for cmd in config["setup_commands"])
    starts = [c for c in config["head_start_ray_commands"] + config["worker_start_ray_commands"] if "ray start" in c]
    assert len(starts) == 2 and all(c.startswith("RAY_AUTH_MODE=token ") for c in starts)
    # The labels conf/cluster/remote.yaml places the actors by.
    assert "--labels=role=venues" in starts[0] and "--labels=role=strategies" in starts[1]
    remote = yaml.safe_load((ROOT / "conf" / "cluster" / "remote.yaml").read_text())["placement"]
    assert remote["services"] == {"labels": {"role": "venues"}}
    assert remote["strategies"] == {"labels": {"role": "strategies"}}
