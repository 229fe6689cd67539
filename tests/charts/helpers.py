"""Small accessors over rendered objects shared by the chart tests."""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    """Objects of one kind."""
    return [o for o in objects if o["kind"] == kind]


def by_name(objects: list[Obj], kind: str, name: str) -> Obj:
    """The one object of kind with metadata.name == name."""
    matches = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def component(obj: Obj) -> str:
    """app.kubernetes.io/component of an object."""
    return obj["metadata"]["labels"]["app.kubernetes.io/component"]


def env_of(container: Obj) -> dict[str, Obj]:
    """Container env entries by name."""
    return {e["name"]: e for e in container.get("env", [])}


def pod_containers(deployment: Obj) -> list[Obj]:
    """Containers and init containers of a Deployment or Job pod template."""
    spec = deployment["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """Whether a matchLabels selector selects a label set."""
    return all(labels.get(k) == v for k, v in selector.items())
