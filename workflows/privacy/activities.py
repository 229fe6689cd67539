"""Activities of the privacy workflow: each service's ExportPerson/ErasePerson over gRPC, export bundles on
disk, and progress reports to the consent service.

`PrivacyActivities` owns one stub per service. `activities()` returns the callables to register, one
per activity name, so a store can be retried, timed and watched on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from temporalio import activity
from temporalio.exceptions import ApplicationError

from loom.common.v1 import common_pb2
from loom.consent.v1 import consent_pb2
from loom.identity.v1 import identity_pb2
from workflows.privacy.types import (
    BUNDLE_ACTIVITY,
    PROGRESS_ACTIVITY,
    RESOLVE_ACTIVITY,
    STORES,
    Bundle,
    Progress,
    Receipt,
    StoreCall,
    StoreResult,
    SubjectIdentifier,
    erase_activity,
    export_activity,
)

# Codes that mean the call itself is wrong or the store cannot erase: retrying changes nothing.
_REFUSED = {grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED,
            grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND}
CALL_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class StoreApi:
    """How to reach one service's data-subject RPCs."""

    stub: Any
    erase_method: str
    erase_request: type
    export_method: str
    export_request: type


def _ref(call: StoreCall) -> common_pb2.DataSubjectRef:
    return common_pb2.DataSubjectRef(
        request_id=call.request_id, dry_run=call.dry_run,
        identifiers=[common_pb2.Identifier(type=i.type, value=i.value) for i in call.identifiers])


def _receipt(r: common_pb2.StoreReceipt) -> Receipt:
    done = r.completed_at.ToDatetime(tzinfo=UTC) if r.HasField("completed_at") else datetime.now(UTC)
    return Receipt(r.store, r.items_found, r.items_erased, done.isoformat(), r.detail)


def _refused(store: str, exc: grpc.aio.AioRpcError) -> BaseException:
    message = f"{store} refused: {exc.code().name}: {exc.details()}"
    if exc.code() in _REFUSED:
        return ApplicationError(message, type="StoreRefused", non_retryable=True)
    return ApplicationError(message, type="StoreUnavailable")


class PrivacyActivities:
    """One instance per worker; holds the stubs and the export directory."""

    def __init__(self, stores: Mapping[str, StoreApi], identity: Any, consent: Any, export_dir: Path) -> None:
        self._stores = dict(stores)
        self._identity = identity
        self._consent = consent
        self._export_dir = export_dir

    def activities(self) -> list[Callable[..., Any]]:
        """Every activity of the privacy workflow, under its registered name."""
        out: list[Callable[..., Any]] = [self.resolve_profile_ids, self.write_bundle, self.record_progress]
        for store in STORES:
            out.extend(self.store_activities(store))
        return out

    def store_activities(self, store: str) -> list[Callable[..., Any]]:
        """The erase and export activities of one store."""
        return [activity.defn(name=erase_activity(store))(self._eraser(store)),
                activity.defn(name=export_activity(store))(self._exporter(store))]

    def _api(self, store: str) -> StoreApi:
        api = self._stores.get(store)
        if api is None:
            raise ApplicationError(f"no client configured for store {store}", type="StoreRefused", non_retryable=True)
        return api

    def _eraser(self, store: str) -> Callable[[StoreCall], Any]:
        async def erase(call: StoreCall) -> StoreResult:
            api = self._api(store)
            try:
                response = await getattr(api.stub, api.erase_method)(api.erase_request(subject=_ref(call)),
                                                                     timeout=CALL_TIMEOUT_S)
            except grpc.aio.AioRpcError as exc:
                raise _refused(store, exc) from exc
            if not response.receipts:
                raise ApplicationError(f"{store} answered without a receipt", type="StoreRefused", non_retryable=True)
            return StoreResult(store, [_receipt(r) for r in response.receipts])

        return erase

    def _exporter(self, store: str) -> Callable[[StoreCall], Any]:
        async def export(call: StoreCall) -> StoreResult:
            api = self._api(store)
            try:
                response = await getattr(api.stub, api.export_method)(api.export_request(subject=_ref(call)),
                                                                      timeout=CALL_TIMEOUT_S)
            except grpc.aio.AioRpcError as exc:
                raise _refused(store, exc) from exc
            document = json_format.MessageToDict(response, preserving_proto_field_name=True)
            path = self._export_dir / call.request_id / f"{store}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2, sort_keys=True))
            items = sum(len(v) for v in document.values() if isinstance(v, list))
            receipt = Receipt(f"{store}.export", items, 0, datetime.now(UTC).isoformat(), f"written to {path.name}")
            return StoreResult(store, [receipt], str(path))

        return export

    @activity.defn(name=RESOLVE_ACTIVITY)
    async def resolve_profile_ids(self, identifiers: list[SubjectIdentifier]) -> list[SubjectIdentifier]:
        """The person's profile ids and every other identifier of those profiles, from the identity graph.

        Stores keyed by profile id need the ids; stores keyed by event identifiers (ingestion's archive and
        stream) need the anonymous and device ids identity stitched to the person.
        """
        found: dict[str, None] = {}
        given = {(i.type, i.value) for i in identifiers}
        extra: dict[tuple[str, str], None] = {}
        for ident in identifiers:
            lookup = identity_pb2.ProfileLookup(identifier=common_pb2.Identifier(type=ident.type, value=ident.value))
            try:
                response = await self._identity.GetProfile(identity_pb2.GetProfileRequest(lookup=lookup), timeout=30)
            except grpc.aio.AioRpcError as exc:
                if exc.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                    continue
                raise
            found[response.profile.profile_id] = None
            for known in response.profile.identifiers:
                # A masked value ("***": a caller without PII access) names nobody.
                if (known.type, known.value) not in given and "***" not in known.value:
                    extra[(known.type, known.value)] = None
        return ([SubjectIdentifier("profile_id", pid) for pid in found if pid]
                + [SubjectIdentifier(kind, value) for kind, value in extra])

    @activity.defn(name=BUNDLE_ACTIVITY)
    async def write_bundle(self, bundle: Bundle) -> str:
        """Writes the export's manifest next to its parts; returns the bundle's URI."""
        folder = self._export_dir / bundle.request_id
        folder.mkdir(parents=True, exist_ok=True)
        manifest = {"request_id": bundle.request_id, "created_at": datetime.now(UTC).isoformat(),
                    "parts": {store: Path(path).name for store, path in sorted(bundle.parts.items())}}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        return folder.resolve().as_uri()

    @activity.defn(name=PROGRESS_ACTIVITY)
    async def record_progress(self, progress: Progress) -> None:
        """Reports state and receipts to the consent service (idempotent: receipts replace per store)."""
        request = consent_pb2.UpdateDataSubjectRequestRequest(
            request_id=progress.request_id, state=progress.state, export_uri=progress.export_uri,  # type: ignore[arg-type]
            error=progress.error)
        for r in progress.receipts:
            receipt = request.receipts.add(store=r.store, items_found=r.items_found, items_erased=r.items_erased,
                                           detail=r.detail)
            receipt.completed_at.FromDatetime(datetime.fromisoformat(r.completed_at))
        try:
            await self._consent.UpdateDataSubjectRequest(request, timeout=30)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.FAILED_PRECONDITION:
                # Already finished (a retried report after a completed one): nothing left to record.
                return
            raise _refused("consent", exc) from exc
