"""Check a ParallelCluster 3 cluster config offline, with the aws-parallelcluster package's own schema.

    pip install aws-parallelcluster        # in its own venv: it pins its own boto3, marshmallow, ...
    python aws-parallelcluster/validate.py aws-parallelcluster/cluster-config.yaml

Unknown keys, missing fields, wrong types and enum values fail with the schema's messages. The
deeper checks of `pcluster create-cluster --dryrun true` (subnets, AMIs, instance types) call
EC2 and need AWS credentials; this one needs no network. Exit status 0 = valid, 1 = invalid,
2 = cannot check (package or file missing).
"""
from __future__ import annotations

import json
import os
import sys


def validate(path: str) -> list[str]:
    """The schema's complaints about the config at `path` (empty when it is valid)."""
    import yaml
    from marshmallow import ValidationError
    from pcluster.schemas.cluster_schema import ClusterSchema

    with open(path) as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        return [f"{path}: not a YAML mapping"]
    # some schema objects read the region while loading (no AWS call): the config's own
    os.environ.setdefault("AWS_DEFAULT_REGION", str(data.get("Region") or "us-east-1"))
    try:
        ClusterSchema(cluster_name="ringrift").load(data)
    except ValidationError as e:
        return [f"{path}: {json.dumps(e.messages, sort_keys=True)}"]
    return []


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python aws-parallelcluster/validate.py CLUSTER_CONFIG.yaml", file=sys.stderr)
        return 2
    try:
        problems = validate(argv[0])
    except ImportError as e:
        print(f"error: cannot check {argv[0]}: {e.name} is not installed (pip install aws-parallelcluster)",
              file=sys.stderr)
        return 2
    except OSError as e:
        print(f"error: {argv[0]}: {e.strerror}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"invalid: {p}")
    if not problems:
        print(f"valid: {argv[0]} passes ParallelCluster's cluster schema")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
