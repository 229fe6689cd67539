"""The identity service's domain objects, built once and shared by the gRPC adapters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from loom.common.v1 import common_pb2
from services.common.audit import AuditTrail
from services.identity.audiences.engine import AudienceEngine
from services.identity.masking import MaskingPolicy
from services.identity.privacy import IdentityPrivacy
from services.identity.reads import ProfileReader
from services.identity.rebuild import EventSource, Rebuilder
from services.identity.store import ProfileStore
from services.identity.traits import TraitWriter
from services.identity.unmerge import Unmerger

# Opens the event archive for a window (None: everything); None when no archive is configured.
ArchiveOpener = Callable[[common_pb2.TimeRange | None], EventSource]


@dataclass(frozen=True)
class Identity:
    """Everything the API works on."""

    store: ProfileStore
    reader: ProfileReader
    traits: TraitWriter
    unmerger: Unmerger
    audiences: AudienceEngine
    rebuilder: Rebuilder
    masking: MaskingPolicy
    archive: ArchiveOpener | None = None
    privacy: IdentityPrivacy | None = None
    audit: AuditTrail = field(default_factory=lambda: AuditTrail(None, "identity"))

    @classmethod
    def build(cls, store: ProfileStore, audiences: AudienceEngine, masking: MaskingPolicy | None = None,
              archive: ArchiveOpener | None = None, privacy: IdentityPrivacy | None = None,
              audit: AuditTrail | None = None) -> Identity:
        """Wires the domain objects around one store; registers the audience hook on it."""
        if audiences.on_profiles_changed not in store.hooks:
            store.hooks.append(audiences.on_profiles_changed)
        return cls(store=store, reader=ProfileReader(store.db), traits=TraitWriter(store),
                   unmerger=Unmerger(store), audiences=audiences, rebuilder=Rebuilder(store, audiences),
                   masking=masking or MaskingPolicy(), archive=archive,
                   privacy=privacy or IdentityPrivacy(store.db), audit=audit or AuditTrail(None, "identity"))
