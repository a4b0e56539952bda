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
