"""helm lint/template with the real helm binary, every variant, and manifest validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from services.common.auth import TokenFileAuthenticator
from tests.charts import chart_tools
from tests.charts.helpers import of_kind

VARIANTS = sorted(chart_tools.variants())
CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring-v1.json",
    ("ray.io/v1", "RayService"): "rayservice-ray-v1.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "cluster-postgresql-v1.json",
}


def test_variants_cover_minimal_ha_gpu_and_external() -> None:
    assert set(VARIANTS) == {"minimal", "ha", "gpu", "external"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_helm_lint_strict_passes(offline_chart: Path, variant: str) -> None:
    values = chart_tools.variants()[variant]
    proc = chart_tools.helm("lint", "--strict", str(offline_chart), "--values", str(values),
                            "--kube-version", chart_tools.KUBE_VERSION)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_rendered_examples_are_committed_and_current(rendered_text: dict[str, str]) -> None:
    for variant, text in rendered_text.items():
        committed = chart_tools.CHART / "rendered" / f"{variant}.yaml"
        assert committed.is_file(), f"{committed} missing: run python -m tests.charts.chart_tools"
        assert committed.read_text() == text, f"{committed} is stale: run python -m tests.charts.chart_tools"


def test_dependencies_are_declared_with_conditions_and_off_in_every_variant() -> None:
    deps = {d["name"]: d for d in chart_tools.declared_dependencies()}
    assert deps["nats"]["condition"] == "nats.enabled"
    assert deps["temporal"]["condition"] == "temporal.enabled"
    assert deps["nats"]["repository"].startswith("https://nats-io.github.io/")
    assert deps["temporal"]["repository"] == "https://go.temporal.io/helm-charts"
    for values_file in chart_tools.variants().values():
        chart_tools.check_dependencies_disabled(values_file)


def test_nats_defaults_are_jetstream_three_replicas_on_file_storage() -> None:
    nats = yaml.safe_load((chart_tools.CHART / "values.yaml").read_text())["nats"]["config"]
    assert nats["cluster"] == {"enabled": True, "replicas": 3}
    assert nats["jetstream"]["enabled"] and nats["jetstream"]["fileStore"]["enabled"]


def _validate_crd(obj: dict[str, Any]) -> None:
    schema_file = CRD_SCHEMAS[(obj["apiVersion"], obj["kind"])]
    schema = json.loads((chart_tools.CHART / "crd-schemas" / schema_file).read_text())
    jsonschema.Draft202012Validator(schema).validate(obj)


def _ray_pod_templates(ray_service: dict[str, Any]) -> list[dict[str, Any]]:
    cluster = ray_service["spec"]["rayClusterConfig"]
    groups = [cluster["headGroupSpec"], *cluster.get("workerGroupSpecs", [])]
    return [{"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "ray"}, "template": g["template"]}
            for g in groups]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_manifest_validates_against_its_schema(rendered: dict[str, list[dict[str, Any]]],
                                                      variant: str) -> None:
    for obj in rendered[variant]:
        if (obj["apiVersion"], obj["kind"]) in CRD_SCHEMAS:
            _validate_crd(obj)
        else:
            # Raises SchemaNotFoundError for a kind we neither know nor ship a schema for.
            kubernetes_validate.validate(obj, chart_tools.KUBE_VERSION, strict=True)
    for ray_service in of_kind(rendered[variant], "RayService"):
        for pod_template in _ray_pod_templates(ray_service):
            kubernetes_validate.validate(pod_template, chart_tools.KUBE_VERSION, strict=True)


def test_crd_schemas_reject_a_misspelt_field(rendered: dict[str, list[dict[str, Any]]]) -> None:
    monitor = of_kind(rendered["ha"], "ServiceMonitor")[0]
    broken = {**monitor, "spec": {**monitor["spec"], "endpoint": monitor["spec"]["endpoints"]}}
    with pytest.raises(jsonschema.ValidationError):
        _validate_crd(broken)


def _template_with(offline_chart: Path, tmp_path: Path, values: dict[str, Any]) -> Any:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    return chart_tools.template(offline_chart, values_file)


BASE = {"externalNats": {"url": "nats://nats:4222"}, "externalTemporal": {"address": "temporal:7233",
                                                                          "namespace": "loom", "tlsSecret": ""}}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "NATS: set nats.enabled=true"),
        ({"externalNats": {"url": "nats://nats:4222"}}, "Temporal: set temporal.enabled=true"),
        ({**BASE, "postgresql": {"mode": "external"}}, "needs postgresql.external.existingSecret"),
        ({**BASE, "tls": {"enabled": True}}, "tls.enabled needs tls.secretName"),
        ({**BASE, "workers": {"journeys": {"callees": ["billing"]}}}, 'workers.journeys calls "billing"'),
        ({**BASE, "components": {"identity": {"enabled": False}}}, 'calls "identity", which is not an enabled'),
        ({**BASE, "componentz": {}}, "additional properties 'componentz' not allowed"),
        ({**BASE, "defaults": {"replicas": 0}}, "minimum"),
    ],
)
def test_bad_values_fail_with_a_clear_message(offline_chart: Path, tmp_path: Path,
                                              values: dict[str, Any], message: str) -> None:
    proc = _template_with(offline_chart, tmp_path, values)
    assert proc.returncode != 0
    assert message in proc.stderr


async def test_generated_auth_secret_holds_a_token_for_every_runnable(offline_chart: Path, tmp_path: Path) -> None:
    proc = _template_with(offline_chart, tmp_path, BASE)
    assert proc.returncode == 0, proc.stderr
    objects = chart_tools.documents(proc.stdout)
    secret = next(o for o in of_kind(objects, "Secret") if o["metadata"]["name"] == "loom-auth")
    data = secret["stringData"]
    server_tokens = TokenFileAuthenticator.from_mapping(yaml.safe_load(data["tokens.yaml"]))
    referenced = {
        env["valueFrom"]["secretKeyRef"]["key"]
        for d in of_kind(objects, "Deployment")
        for env in d["spec"]["template"]["spec"]["containers"][0]["env"]
        if env["name"] == "LOOM_SERVICE_TOKEN"
    }
    assert len(referenced) == 11
    for key in referenced:
        principal = key.removeprefix("token-")
        assert len(data[key]) == 40
        caller = await server_tokens.authenticate(data[key])
        assert caller is not None and caller.subject == principal and caller.roles == frozenset({"service"})
