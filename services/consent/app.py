"""Assembles the consent service: ledger, policies, governance, data-subject requests and the bus listener
that keeps this replica's check cache in step with every other replica."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from loom.consent.v1 import consent_pb2 as pb
from loom.consent.v1 import consent_pb2_grpc as pb_grpc
from services.common.audit import FILTER as AUDIT_FILTER
from services.common.bus import MSG_ID_HEADER, EventBus
from services.common.config import DataServiceConfig, setting
from services.common.consent import CONSENT_FILTER, ConsentChange
from services.common.errors import Unavailable
from services.common.migrate import migrate
from services.common.server import Registration, ServiceApp
from services.common.storage import Database
from services.consent.audit_trail import AuditTrail
from services.consent.governance import AuditLog, RoleStore
from services.consent.ledger import ConsentLedger
from services.consent.policy_store import PolicyStore
from services.consent.requests import PrivacyRequests
from services.consent.servicer import FULL_NAME, POLICY, ConsentServicer
from services.consent.servicer_governance import audit_rows

log = logging.getLogger("loom.consent")
AUDIT_CONSUMER = "consent-audit"


@dataclass(frozen=True, kw_only=True)
class ConsentConfig(DataServiceConfig):
    """Settings of the consent service."""

    grpc_port: int = setting(50053, help="gRPC port")
    metrics_port: int = setting(9103, help="/metrics port")
    db_url: str = setting("sqlite+aiosqlite:///.loom/data/consent.db", help="database URL")
    temporal_address: str = setting("127.0.0.1:7233", help="Temporal frontend for privacy workflows ('' for none)")
    temporal_namespace: str = setting("default", help="Temporal namespace")
    privacy_task_queue: str = setting("loom-privacy", help="task queue of the privacy workflow's worker")


def workflow_starter(config: ConsentConfig) -> Callable[[Mapping[str, Any]], Awaitable[None]] | None:
    """Starts privacy workflows; the Temporal client is connected on first use and kept."""
    if not config.temporal_address:
        return None
    from temporalio.client import Client
    from temporalio.exceptions import WorkflowAlreadyStartedError

    from workflows.privacy.types import ACCESS, ERASURE, WORKFLOW_NAME, DsrInput, SubjectIdentifier

    client: list[Client] = []

    async def start(row: Mapping[str, Any]) -> None:
        try:
            if not client:
                client.append(await Client.connect(config.temporal_address, namespace=config.temporal_namespace))
            params = DsrInput(
                request_id=row["request_id"],
                kind=ERASURE if row["kind"] == pb.DATA_SUBJECT_REQUEST_KIND_ERASURE else ACCESS,
                identifiers=[SubjectIdentifier(i["type"], i["value"]) for i in row["identifiers"]],
                dry_run=row["dry_run"], due_at=row["due_at"].isoformat())
            with contextlib.suppress(WorkflowAlreadyStartedError):
                await client[0].start_workflow(WORKFLOW_NAME, params, id=row["workflow_id"],
                                               task_queue=config.privacy_task_queue)
        except WorkflowAlreadyStartedError:
            return
        except Exception as exc:  # connection refused, RPC errors: the stored request waits for a resubmit
            raise Unavailable(f"request {row['request_id']} is stored but its workflow did not start ({exc}); "
                              "resubmit with the same idempotency_key", retry_after_s=10) from exc

    return start


async def build(config: ConsentConfig) -> ServiceApp:
    """Migrates, loads policies, connects the bus and listens for other replicas' changes."""
    await migrate(config.db_url, "consent")
    db = Database.from_url(config.db_url, application_name="loom-consent")
    bus = await EventBus.connect(config.nats_url, name="loom-consent", prefix=config.bus_prefix)
    await bus.ensure_streams()

    async def publish(change: ConsentChange) -> None:
        await bus.publish(change.subject, change.encode())

    policies = PolicyStore(db)
    await policies.load()
    ledger = ConsentLedger(db, policies, publish)
    audit = AuditTrail(AuditLog(db))
    servicer = ConsentServicer(ledger, RoleStore(db), audit, PrivacyRequests(db), workflow_starter(config))

    async def on_change(msg: Any) -> None:
        try:
            change = ConsentChange.decode(msg.data)
        except (ValueError, TypeError, KeyError):
            ledger.invalidate_all()
            return
        if change.kind == "policy":
            await policies.load(seed=False)
            ledger.invalidate_all()
        else:
            ledger.invalidate(change.keys)

    async def append_audit(msgs: list[Msg]) -> None:
        # One transaction per batch, recorded by its id: a redelivery after a crash appends nothing twice.
        for msg in msgs:
            request = pb.AppendAuditRequest.FromString(msg.data)
            batch_id = (msg.headers or {}).get(MSG_ID_HEADER) or f"seq-{msg.metadata.sequence.stream}"
            await audit.log.append(audit_rows(request), batch_id=f"{msg.subject}:{batch_id}")

    async def start_audit_consumer() -> Callable[[], Awaitable[None]]:
        consumer = await bus.consume(AUDIT_CONSUMER, AUDIT_FILTER, append_audit, batch=16)
        return consumer.stop

    async def start_listener() -> Callable[[], Awaitable[None]]:
        sub = await bus.js.subscribe(bus.subject(CONSENT_FILTER), cb=on_change, ordered_consumer=True,
                                     deliver_policy=DeliverPolicy.NEW, idle_heartbeat=5.0)

        async def stop() -> None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

        return stop

    async def close() -> None:
        await bus.close()
        await db.dispose()

    return ServiceApp(
        name="consent",
        registrations=[Registration(pb_grpc.add_ConsentServiceServicer_to_server, servicer, FULL_NAME, POLICY)],
        background=[start_listener, start_audit_consumer],
        on_shutdown=[close],
    )
