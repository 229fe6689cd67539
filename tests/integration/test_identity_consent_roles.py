"""Field-level access: the consent service's roles decide which profile fields a caller sees through identity."""

from __future__ import annotations

import asyncio

import pytest

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2, consent_pb2_grpc
from loom.identity.v1 import identity_pb2, identity_pb2_grpc
from loom.ingestion.v1 import ingestion_pb2 as ing
from loom.ingestion.v1 import ingestion_pb2_grpc
from services.consent.app import ConsentConfig
from services.consent.app import build as build_consent
from services.identity.app import IdentityConfig
from services.identity.app import build as build_identity
from services.ingestion.app import IngestionConfig
from services.ingestion.app import build as build_ingestion

pytestmark = pytest.mark.integration

ALLOW, MASK = consent_pb2.FIELD_ACCESS_ALLOW, consent_pb2.FIELD_ACCESS_MASK


async def test_analyst_sees_only_what_the_consent_role_allows(service_stack) -> None:
    consent = await service_stack.start("consent", ConsentConfig, build_consent, temporal_address="")
    await service_stack.start("ingestion", IngestionConfig, build_ingestion)
    await service_stack.start("identity", IdentityConfig, build_identity,
                              consent_addr=f"127.0.0.1:{consent.port}", roles_refresh_s="0.2")
    admin = service_stack.tokens.admin
    await consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", admin)).PutRole(
        consent_pb2.PutRoleRequest(role=consent_pb2.Role(
            role_id="analyst", description="aggregate analysis without contact details",
            default_access=MASK,
            field_rules=[consent_pb2.FieldRule(field_path="computed.*", access=ALLOW),
                         consent_pb2.FieldRule(field_path="traits.first_name", access=ALLOW),
                         consent_pb2.FieldRule(field_path="identifiers.user_id", access=ALLOW),
                         consent_pb2.FieldRule(field_path="profile_id", access=ALLOW)])))
    event = ing.Event(message_id="r1", type=ing.EVENT_TYPE_IDENTIFY, user_id="role-u1", market="SE")
    event.traits.update({"email": "Ada@Example.com", "first_name": "Ada", "city": "Lund"})
    await ingestion_pb2_grpc.IngestionServiceStub(service_stack.channel("ingestion")).IngestBatch(
        ing.IngestBatchRequest(events=[event]))
    lookup = identity_pb2.GetProfileRequest(lookup=identity_pb2.ProfileLookup(
        identifier=common_pb2.Identifier(type="user_id", value="role-u1")))
    service_view = identity_pb2_grpc.IdentityServiceStub(service_stack.channel("identity"))
    analyst_view = identity_pb2_grpc.IdentityServiceStub(
        service_stack.channel("identity", service_stack.tokens.analyst))
    for _ in range(100):
        try:
            full = (await service_view.GetProfile(lookup)).profile
            seen = (await analyst_view.GetProfile(lookup)).profile
            if seen.traits and "city" not in seen.traits:  # the role has been read from consent
                break
        except Exception:  # noqa: BLE001 - the profile is built asynchronously
            pass
        await asyncio.sleep(0.1)
    assert {i.type for i in full.identifiers} >= {"user_id", "email"}
    assert set(full.traits) >= {"email", "first_name", "city"}
    assert seen.profile_id == full.profile_id
    assert seen.traits["first_name"].value.string_value == "Ada"
    assert "email" not in seen.traits and "city" not in seen.traits
    assert [(i.type, i.value) for i in seen.identifiers] == [("user_id", "role-u1")]
    assert seen.computed.event_count == 1
    assert {"traits.email.value", "traits.city.value", "identifiers.email"} <= set(seen.masked_fields)
    # Every read is in the consent service's audit log, with who read and how much was masked.
    audit = consent_pb2_grpc.ConsentServiceStub(service_stack.channel("consent", admin))
    entries: list[consent_pb2.AuditEntry] = []
    for _ in range(60):
        reply = await audit.QueryAudit(consent_pb2.QueryAuditRequest(
            actor="test-analyst", action="profile.read", resource=f"profile:{full.profile_id}"))
        entries = list(reply.entries)
        if entries:
            break
        await asyncio.sleep(0.1)
    assert entries and entries[0].service == "identity" and entries[0].role == "analyst"
    assert entries[0].details.fields["masked_fields"].number_value > 0
