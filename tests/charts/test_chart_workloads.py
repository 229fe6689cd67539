"""What the rendered chart must guarantee: hardening, probes, policies, workers, GPUs, migrations."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.charts import chart_tools
from tests.charts.helpers import by_name, component, env_of, of_kind, pod_containers, selects

Rendered = dict[str, list[dict[str, Any]]]
VARIANTS = sorted(chart_tools.variants())
SERVICES = {"ingestion", "identity", "consent", "prediction", "creative", "forwarding"}
QUEUES = {"loom-journeys", "loom-factory", "loom-training", "loom-privacy", "loom-platform"}
REPO = chart_tools.REPO


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_loom_container_is_hardened_and_sized(rendered: Rendered, variant: str) -> None:
    workloads = of_kind(rendered[variant], "Deployment") + of_kind(rendered[variant], "Job")
    assert workloads
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in pod_containers(workload):
            sc = container["securityContext"]
            where = f"{variant}: {workload['metadata']['name']}/{container['name']}"
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["runAsNonRoot"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert {"cpu", "memory"} <= set(container["resources"]["limits"]), where


@pytest.mark.parametrize("variant", VARIANTS)
def test_services_use_native_grpc_probes_and_workers_have_probes(rendered: Rendered, variant: str) -> None:
    deployments = of_kind(rendered[variant], "Deployment")
    services = {component(d) for d in deployments if not component(d).startswith("worker-")}
    assert services == SERVICES
    for deployment in deployments:
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert probe in container, f"{deployment['metadata']['name']} lacks {probe}"
            if component(deployment) in SERVICES:
                port = container[probe]["grpc"]["port"]
                assert port in {p["containerPort"] for p in container["ports"]}


def test_tls_moves_grpc_probes_to_the_plaintext_health_port(rendered: Rendered) -> None:
    ingestion = by_name(rendered["ha"], "Deployment", "loom-ingestion")["spec"]["template"]["spec"]
    container = ingestion["containers"][0]
    assert container["readinessProbe"]["grpc"]["port"] == 8086
    assert env_of(container)["LOOM_HEALTH_PORT"]["value"] == "8086"
    assert {"name": "tls", "secret": {"secretName": "loom-grpc-tls"}} in ingestion["volumes"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_one_worker_deployment_per_task_queue(rendered: Rendered, variant: str) -> None:
    workers = [d for d in of_kind(rendered[variant], "Deployment") if component(d).startswith("worker-")]
    queues = [env_of(d["spec"]["template"]["spec"]["containers"][0])["LOOM_TASK_QUEUES"]["value"] for d in workers]
    assert sorted(queues) == sorted(QUEUES)
    for worker in workers:
        container = worker["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["python", "-m", "workflows.worker"]
        assert container["image"].rsplit(":", 1)[0].endswith("/loom-worker")


def test_every_runnable_is_selected_by_a_network_policy_when_on(rendered: Rendered) -> None:
    objects = rendered["ha"]
    policies = of_kind(objects, "NetworkPolicy")
    for deployment in of_kind(objects, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(selects(p["spec"]["podSelector"]["matchLabels"], labels) for p in policies), \
            deployment["metadata"]["name"]
    assert not of_kind(rendered["minimal"], "NetworkPolicy")


def _grpc_callers(policy: dict[str, Any]) -> set[str]:
    callers: set[str] = set()
    for rule in policy["spec"]["ingress"]:
        if {"port": "grpc", "protocol": "TCP"} in rule["ports"]:
            for peer in rule["from"]:
                if "podSelector" in peer:
                    callers.add(peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"])
                else:
                    callers.add("ns:" + peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"])
    return callers


def test_network_policies_admit_only_the_callers_that_need_them(rendered: Rendered) -> None:
    objects = rendered["ha"]
    creative = _grpc_callers(by_name(objects, "NetworkPolicy", "loom-creative"))
    assert creative == {"worker-journeys", "worker-factory"}
    forwarding = _grpc_callers(by_name(objects, "NetworkPolicy", "loom-forwarding"))
    assert forwarding == {"worker-journeys", "worker-privacy", "worker-platform"}
    ingestion = _grpc_callers(by_name(objects, "NetworkPolicy", "loom-ingestion"))
    assert ingestion == {"identity", "prediction", "worker-platform", "ns:edge", "ns:analytics"}
    worker = by_name(objects, "NetworkPolicy", "loom-worker-training")
    assert [r["ports"] for r in worker["spec"]["ingress"]] == [[{"port": "metrics", "protocol": "TCP"}]]


def test_callee_addresses_follow_the_callees_list(rendered: Rendered) -> None:
    prediction = by_name(rendered["minimal"], "Deployment", "loom-prediction")
    env = env_of(prediction["spec"]["template"]["spec"]["containers"][0])
    assert env["LOOM_IDENTITY_ADDR"]["value"] == "loom-identity.loom.svc:50052"
    assert env["LOOM_SERVE_URL"]["value"] == "http://loom-models-serve-svc.loom.svc:8000/prediction"
    assert env["LOOM_CONSENT_ADDR"]["value"] == "loom-consent.loom.svc:50053"
    assert "LOOM_FORWARDING_ADDR" not in env


@pytest.mark.parametrize("variant", VARIANTS)
def test_gpus_are_requested_only_by_the_gpu_variant(rendered_text: dict[str, str], variant: str) -> None:
    assert ("nvidia.com/gpu:" in rendered_text[variant]) == (variant == "gpu")


def test_gpu_variant_gives_serve_deployments_gpus(rendered: Rendered) -> None:
    ray = of_kind(rendered["gpu"], "RayService")[0]
    groups = {g["groupName"]: g for g in ray["spec"]["rayClusterConfig"]["workerGroupSpecs"]}
    gpu_container = groups["gpu"]["template"]["spec"]["containers"][0]
    assert gpu_container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert gpu_container["resources"]["requests"]["nvidia.com/gpu"] == 1
    serve = yaml.safe_load(ray["spec"]["serveConfigV2"])
    for app in serve["applications"]:
        for deployment in app["deployments"]:
            assert deployment["ray_actor_options"]["num_gpus"] == 1


def test_serve_config_is_the_local_stack_file(rendered: Rendered) -> None:
    local = yaml.safe_load((REPO / "ml" / "serve" / "serve_config.yaml").read_text())
    ray = of_kind(rendered["minimal"], "RayService")[0]
    serve = yaml.safe_load(ray["spec"]["serveConfigV2"])
    assert serve["applications"] == local["applications"]
    assert {a["name"] for a in serve["applications"]} >= {"prediction", "creative"}
    assert serve["http_options"]["host"] == "0.0.0.0" and serve["http_options"]["port"] == 8000


def test_migrations_job_migrates_every_database_service_before_upgrades(rendered: Rendered) -> None:
    for variant, hook in (("minimal", "post-install,pre-upgrade"), ("external", "pre-install,pre-upgrade")):
        job = by_name(rendered[variant], "Job", "loom-migrations")
        assert job["metadata"]["annotations"]["helm.sh/hook"] == hook
        commands = [c["command"] for c in job["spec"]["template"]["spec"]["initContainers"]]
        assert sorted(commands) == sorted(["python", "-m", "services.common.migrate", s] for s in SERVICES)
    external = by_name(rendered["external"], "Job", "loom-migrations")
    db_env = env_of(external["spec"]["template"]["spec"]["initContainers"][0])["LOOM_DB_URL"]
    assert db_env["valueFrom"]["secretKeyRef"] == {"name": "loom-postgres", "key": "url"}
    assert not of_kind(rendered["external"], "Cluster")


def test_cnpg_cluster_backs_the_database_url(rendered: Rendered) -> None:
    cluster = by_name(rendered["ha"], "Cluster", "loom-pg")
    assert cluster["spec"]["instances"] == 3
    env = env_of(by_name(rendered["ha"], "Deployment", "loom-identity")["spec"]["template"]["spec"]["containers"][0])
    assert env["LOOM_DB_URL"]["value"].startswith("postgresql+asyncpg://$(LOOM_DB_USER):$(LOOM_DB_PASSWORD)@loom-pg-rw.")
    assert env["LOOM_DB_USER"]["valueFrom"]["secretKeyRef"]["name"] == "loom-pg-app"


def test_temporal_cloud_variant_mounts_the_client_certificate(rendered: Rendered) -> None:
    config = by_name(rendered["external"], "ConfigMap", "loom-config")["data"]
    assert config["LOOM_TEMPORAL_ADDRESS"] == "loom-prod.a1b2c.tmprl.cloud:7233"
    worker = by_name(rendered["external"], "Deployment", "loom-worker-privacy")["spec"]["template"]["spec"]
    env = env_of(worker["containers"][0])
    assert env["LOOM_TEMPORAL_TLS_CERT_FILE"]["value"] == "/etc/loom/temporal-tls/tls.crt"
    assert {"name": "temporal-tls", "secret": {"secretName": "temporal-cloud-client"}} in worker["volumes"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_service_has_a_service_monitor_when_monitoring_is_on(rendered: Rendered, variant: str) -> None:
    objects = rendered[variant]
    monitors = {component(m) for m in of_kind(objects, "ServiceMonitor")}
    enabled = yaml.safe_load(chart_tools.variants()[variant].read_text()).get("monitoring", {}) \
        .get("serviceMonitor", {}).get("enabled", True)
    expected = {component(s) for s in of_kind(objects, "Service")} if enabled else set()
    assert monitors == expected
    if enabled:
        assert len(monitors) == 11


def test_dashboards_and_rules_ship_from_infra(rendered: Rendered) -> None:
    objects = rendered["ha"]
    shipped = {next(iter(c["data"])) for c in of_kind(objects, "ConfigMap") if "dashboard" in c["metadata"]["name"]}
    assert shipped == {p.name for p in (REPO / "infra" / "dashboards").glob("*.json")}
    rule = of_kind(objects, "PrometheusRule")[0]
    source = yaml.safe_load((REPO / "infra" / "alerts" / "loom.rules.yaml").read_text())
    assert rule["spec"]["groups"] == source["groups"]
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
