"""Show that examples/openapi.yaml is valid and that its error responses resolve, offline,
to errspec's exported components. (Used by `make demo`; `errspec lint` will replace it.)"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from openapi_spec_validator import validate

HERE = Path(__file__).resolve().parent
SPEC = HERE / "openapi.yaml"


def main() -> int:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    validate(spec, base_uri=SPEC.as_uri())  # relative file refs only: nothing is fetched
    print(f"{SPEC.relative_to(HERE.parent)}: valid OpenAPI {spec['openapi']}")
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            for status, response in op["responses"].items():
                ref = response.get("$ref", "")
                if "./errspec/" not in ref:
                    continue
                target, _, pointer = ref.partition("#")
                doc = yaml.safe_load((HERE / target).read_text(encoding="utf-8"))
                node = doc
                for part in pointer.strip("/").split("/"):
                    node = node[part]
                media = ", ".join(node["content"])
                headers = ", ".join(node.get("headers", {})) or "-"
                print(
                    f"  {method.upper():6} {path:14} {status}  {pointer.rsplit('/', 1)[-1]:20}"
                    f" {media}  headers: {headers}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
