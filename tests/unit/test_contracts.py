"""The v1 API contracts: every service carries its RPCs, each RPC its own request and response, every
element a comment, and the generated code and API docs match the proto sources."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.descriptor import ServiceDescriptor

ROOT = Path(__file__).resolve().parents[2]

# The RPCs later work builds on, per service; a missing or renamed RPC breaks callers.
EXPECTED_RPCS: dict[str, tuple[str, set[str]]] = {
    "ingestion": (
        "IngestionService",
        {
            "IngestBatch", "Ingest", "PutDataPlan", "GetDataPlan", "ListDataPlans", "DeleteDataPlan",
            "QueryViolations", "ListQuarantined", "ReplayQuarantined", "DiscardQuarantined", "CreateSource",
            "ListSources", "QueryArchive", "TopCategories", "ExportPerson", "ErasePerson",
        },
    ),
    "identity": (
        "IdentityService",
        {
            "GetProfile", "BatchGetProfiles", "GetTraitHistory", "UpdateTraits", "WritePredictiveTraits",
            "PutIdentityRules", "GetIdentityRules", "GetMergeLineage", "Unmerge", "ListRefusedMerges",
            "PutAudience", "GetAudience", "ListAudiences", "DeleteAudience", "ExportAudience",
            "RebuildProfiles", "ExportPerson", "ErasePerson",
        },
    ),
    "consent": (
        "ConsentService",
        {
            "ListPurposes", "PutPolicy", "GetPolicy", "ListPolicies", "SetConsent", "GetConsent",
            "GetConsentHistory", "CheckPurposes", "BatchCheckPurposes", "PutRole", "GetRole", "ListRoles",
            "AppendAudit", "QueryAudit", "SubmitDataSubjectRequest", "GetDataSubjectRequest",
            "ListDataSubjectRequests", "UpdateDataSubjectRequest", "IsSuppressed", "ListSuppressions",
            "ExportPerson", "ErasePerson",
        },
    ),
    "prediction": (
        "PredictionService",
        {
            "Score", "BatchScore", "ScoreTransaction", "ReportFraudOutcome", "ExportFraudTransactions",
            "RecommendAction", "RecordOutcome",
            "ListModels", "GetModel", "TrainModel", "PromoteModel", "StartBatchScoring", "GetBatchScoringJob",
            "ExportPerson", "ErasePerson",
        },
    ),
    "creative": (
        "CreativeService",
        {
            "StartFactoryRun", "GetFactoryRun", "ListFactoryRuns", "ListAssets", "GetAsset", "AssessAsset",
            "ReviewAsset", "PublishAsset", "ChooseCreative", "RenderLookbook", "GetBrandKit", "PutBrandKit",
            "PutOccasionCalendar", "ListOccasions", "Translate", "ExportPersonalisations",
            "ErasePersonalisations",
        },
    ),
    "forwarding": (
        "ForwardingService",
        {
            "PutDestination", "GetDestination", "ListDestinations", "DeleteDestination", "PauseDestination",
            "ResumeDestination", "SendMessage", "GetDeliveryStatus", "ListDeliveries", "ListDeadLetters",
            "ReplayDeadLetters", "DiscardDeadLetters", "PutDeliveryRules", "GetDeliveryRules",
            "TestDestination", "ExportPerson", "ErasePerson",
        },
    ),
}  # fmt: skip

PACKAGES = ("common", *EXPECTED_RPCS)


def _pb2(package: str) -> ModuleType:
    return importlib.import_module(f"loom.{package}.v1.{package}_pb2")


def _service(package: str) -> ServiceDescriptor:
    name, _ = EXPECTED_RPCS[package]
    return _pb2(package).DESCRIPTOR.services_by_name[name]


@pytest.fixture(scope="module")
def protodoc() -> ModuleType:
    """The API doc generator, which also builds the descriptor set (infra/scripts is not a package)."""
    spec = importlib.util.spec_from_file_location("protodoc", ROOT / "infra" / "scripts" / "protodoc.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def descriptor_set(protodoc: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> descriptor_pb2.FileDescriptorSet:
    """Every Loom proto compiled from source, with comments, in a fresh temporary directory."""
    result: descriptor_pb2.FileDescriptorSet = protodoc.build_descriptor_set(tmp_path_factory.mktemp("protos"))
    return result


def _loom_files(fds: descriptor_pb2.FileDescriptorSet) -> list[descriptor_pb2.FileDescriptorProto]:
    return [f for f in fds.file if f.package.startswith("loom.")]


@pytest.mark.parametrize("package", list(EXPECTED_RPCS))
def test_service_exposes_its_rpcs(package: str) -> None:
    _, expected = EXPECTED_RPCS[package]
    assert {m.name for m in _service(package).methods} == expected


@pytest.mark.parametrize("package", list(EXPECTED_RPCS))
def test_generated_grpc_module_has_stub_servicer_and_registration(package: str) -> None:
    name, _ = EXPECTED_RPCS[package]
    grpc_module = importlib.import_module(f"loom.{package}.v1.{package}_pb2_grpc")
    for attribute in (f"{name}Stub", f"{name}Servicer", f"add_{name}Servicer_to_server"):
        assert hasattr(grpc_module, attribute), f"{grpc_module.__name__} lacks {attribute}"


@pytest.mark.parametrize("package", list(EXPECTED_RPCS))
def test_every_rpc_has_its_own_request_and_response(package: str) -> None:
    service = _service(package)
    wrong_names = [
        m.name
        for m in service.methods
        if (m.input_type.name, m.output_type.name) != (f"{m.name}Request", f"{m.name}Response")
        or m.input_type.file is not service.file
        or m.output_type.file is not service.file
    ]
    assert not wrong_names, f"RPCs without their own <Rpc>Request/<Rpc>Response: {wrong_names}"
    used = [t.full_name for m in service.methods for t in (m.input_type, m.output_type)]
    assert len(used) == len(set(used)), "a message is shared between RPCs"


def _missing_comments(file: descriptor_pb2.FileDescriptorProto) -> Iterator[str]:
    """Names of the file's services, RPCs, messages, fields, oneofs, enums and values with no leading comment."""
    commented = {tuple(loc.path) for loc in file.source_code_info.location if loc.leading_comments.strip()}

    def enum(e: descriptor_pb2.EnumDescriptorProto, path: tuple[int, ...], scope: str) -> Iterator[str]:
        if path not in commented:
            yield f"enum {scope}{e.name}"
        for j, value in enumerate(e.value):
            if (*path, 2, j) not in commented:
                yield f"enum value {scope}{e.name}.{value.name}"

    def message(m: descriptor_pb2.DescriptorProto, path: tuple[int, ...], scope: str) -> Iterator[str]:
        if m.options.map_entry:
            return  # synthesized by protoc for map fields; the map field carries the comment
        if path not in commented:
            yield f"message {scope}{m.name}"
        for j, field in enumerate(m.field):
            if (*path, 2, j) not in commented:
                yield f"field {scope}{m.name}.{field.name}"
        for j, oneof in enumerate(m.oneof_decl):
            synthetic = all(f.proto3_optional for f in m.field if f.HasField("oneof_index") and f.oneof_index == j)
            if not synthetic and (*path, 8, j) not in commented:
                yield f"oneof {scope}{m.name}.{oneof.name}"
        for j, nested in enumerate(m.nested_type):
            yield from message(nested, (*path, 3, j), f"{scope}{m.name}.")
        for j, nested_enum in enumerate(m.enum_type):
            yield from enum(nested_enum, (*path, 4, j), f"{scope}{m.name}.")

    for i, m in enumerate(file.message_type):
        yield from message(m, (4, i), "")
    for i, e in enumerate(file.enum_type):
        yield from enum(e, (5, i), "")
    for i, service in enumerate(file.service):
        if (6, i) not in commented:
            yield f"service {service.name}"
        for j, method in enumerate(service.method):
            if (6, i, 2, j) not in commented:
                yield f"rpc {service.name}.{method.name}"


def test_every_package_is_compiled(descriptor_set: descriptor_pb2.FileDescriptorSet) -> None:
    assert {f.package for f in _loom_files(descriptor_set)} == {f"loom.{p}.v1" for p in PACKAGES}


def test_every_element_has_a_leading_comment(descriptor_set: descriptor_pb2.FileDescriptorSet) -> None:
    missing = [f"{f.name}: {what}" for f in _loom_files(descriptor_set) for what in _missing_comments(f)]
    assert not missing, "elements without a leading comment:\n" + "\n".join(missing)


def _clear_json_names(messages: Iterable[descriptor_pb2.DescriptorProto]) -> None:
    for message in messages:
        for field in message.field:
            field.ClearField("json_name")
        _clear_json_names(message.nested_type)


@pytest.mark.parametrize("package", PACKAGES)
def test_generated_code_matches_proto_source(package: str, descriptor_set: descriptor_pb2.FileDescriptorSet) -> None:
    compiled = descriptor_pb2.FileDescriptorProto()
    compiled.CopyFrom(next(f for f in descriptor_set.file if f.package == f"loom.{package}.v1"))
    # The generated code embeds the descriptor without comments and without protoc's default json_name.
    compiled.ClearField("source_code_info")
    _clear_json_names(compiled.message_type)
    generated = descriptor_pb2.FileDescriptorProto()
    _pb2(package).DESCRIPTOR.CopyToProto(generated)
    assert generated == compiled, f"proto/gen/loom/{package} is stale: run 'make proto'"


def test_api_docs_match_proto_source(protodoc: ModuleType, descriptor_set: descriptor_pb2.FileDescriptorSet) -> None:
    pages: dict[str, str] = protodoc.render_all(descriptor_set)
    docs = ROOT / "docs" / "api"
    assert sorted(pages) == sorted(p.name for p in docs.glob("*.md"))
    stale = [name for name, text in pages.items() if (docs / name).read_text() != text]
    assert not stale, f"docs/api is stale for {stale}: run 'python infra/scripts/protodoc.py'"


def test_api_docs_describe_every_rpc_and_its_fields(
    protodoc: ModuleType, descriptor_set: descriptor_pb2.FileDescriptorSet
) -> None:
    pages: dict[str, str] = protodoc.render_all(descriptor_set)
    for package, (service_name, rpcs) in EXPECTED_RPCS.items():
        page = pages[f"{package}.md"]
        service = _service(package)
        assert f"## {service_name}" in page
        for rpc in rpcs:
            method = service.methods_by_name[rpc]
            assert f"## {rpc}\n" in page
            for field in (*method.input_type.fields, *method.output_type.fields):
                assert f"| `{field.name}` |" in page, f"{package}.md: {rpc} lacks field {field.name}"
