"""Regenerate ``<case>/case.json`` and ``settings.json`` from ``specification.yml`` / ``settings.yml``.

Not run by the test suite (PyYAML is not a project dependency). Run it by hand with a Python that has PyYAML:

    python tests/vectors/sd-jwt/yaml_to_case_json.py

``!sd`` tags (sd-jwt-python convention: on a mapping key = the property is selectively disclosable, on an
array element = the element is) become claims path pointers (OpenID4VCI 1.0 App. C) in ``sd_paths``;
``holder_disclosed_claims`` becomes the list of leaf paths marked ``true`` in ``disclose_paths``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent


class Sd:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __hash__(self) -> int:
        return hash(("sd", self.value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sd) and other.value == self.value


def _construct_sd(loader: yaml.SafeLoader, node: yaml.Node) -> Sd:
    if isinstance(node, yaml.ScalarNode):
        if node.style is not None:  # quoted: always a string
            return Sd(node.value)
        tag = loader.resolve(yaml.ScalarNode, node.value, (True, False))
        return Sd(loader.construct_object(yaml.ScalarNode(tag, node.value, node.start_mark, node.end_mark)))
    if isinstance(node, yaml.MappingNode):
        return Sd(loader.construct_mapping(node, deep=True))
    return Sd(loader.construct_sequence(node, deep=True))


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!sd", _construct_sd)


def _walk(value: Any, path: list[Any], out: list[list[Any]]) -> Any:
    """Return ``value`` without markers; append the path of every marker to ``out``."""
    if isinstance(value, Sd):
        out.append(path)
        return _walk(value.value, path, out)
    if isinstance(value, dict):
        plain = {}
        for key, item in value.items():
            name = key.value if isinstance(key, Sd) else key
            if isinstance(key, Sd):
                out.append([*path, str(name)])
            plain[str(name)] = _walk(item, [*path, str(name)], out)
        return plain
    if isinstance(value, list):
        return [_walk(item, [*path, i], out) for i, item in enumerate(value)]
    return value


def _disclose(value: Any, path: list[Any], out: list[list[Any]]) -> None:
    if value is True:
        out.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _disclose(item, [*path, str(key)], out)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _disclose(item, [*path, i], out)


def _dump(case: dict[str, Any]) -> str:
    """One key per line, one claims path per line."""
    lines = []
    for key, value in case.items():
        if key.endswith("_paths"):
            inner = ",\n".join("    " + json.dumps(p, ensure_ascii=False) for p in value)
            text = f"[\n{inner}\n  ]" if value else "[]"
        else:
            text = json.dumps(value, ensure_ascii=False)
        lines.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> None:
    settings = yaml.safe_load((HERE / "settings.yml").read_text())
    (HERE / "settings.json").write_text(json.dumps(settings, indent=2) + "\n")
    for spec_file in sorted(HERE.glob("*/specification.yml")):
        spec = yaml.load(spec_file.read_text(), Loader=Loader)  # a SafeLoader subclass
        sd_paths: list[list[Any]] = []
        user_claims = _walk(spec["user_claims"], [], sd_paths)
        disclose_paths: list[list[Any]] = []
        _disclose(spec.get("holder_disclosed_claims") or {}, [], disclose_paths)
        case = {
            "sd_paths": sd_paths,
            "disclose_paths": disclose_paths,
            "key_binding": bool(spec.get("key_binding", False)),
            "add_decoy_claims": bool(spec.get("add_decoy_claims", False)),
            "include_default_claims": bool(spec.get("include_default_claims", True)),
            "extra_header_parameters": spec.get("extra_header_parameters", {}),
        }
        expected = json.loads((spec_file.parent / "user_claims.json").read_text())
        assert user_claims == expected, spec_file
        (spec_file.parent / "case.json").write_text(_dump(case))


if __name__ == "__main__":
    main()
