"""Field masking of profiles by the caller's roles.

`MaskingPolicy` is plain data so the consent service's roles and field-level access can feed it later; until
then the service builds it from configuration: PII identifier types and trait names are masked for every
caller without one of the unmasked roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from loom.identity.v1 import identity_pb2 as pb
from services.common.auth import ADMIN, OPERATOR, SERVICE, Principal

if TYPE_CHECKING:
    from services.identity.roles import ConsentRoles

MASK = "***"
DEFAULT_PII_TRAITS = ("email", "phone", "first_name", "last_name", "name", "address", "birthday", "street",
                      "postal_code", "ssn", "national_id")


@dataclass(frozen=True)
class MaskingPolicy:
    """Which fields are PII and which roles may read them in clear."""

    pii_identifier_types: frozenset[str] = frozenset({"email", "phone"})
    pii_traits: frozenset[str] = frozenset(DEFAULT_PII_TRAITS)
    unmasked_roles: frozenset[str] = frozenset({ADMIN, SERVICE, OPERATOR})
    # Roles defined in the consent service, when identity is connected to it; their field rules win.
    consent_roles: ConsentRoles | None = field(default=None, compare=False)

    @classmethod
    def from_names(cls, identifier_types: Iterable[str], traits: Iterable[str],
                   consent_roles: ConsentRoles | None = None) -> MaskingPolicy:
        """A policy from configured name lists (empty entries ignored)."""
        return cls(frozenset(t for t in identifier_types if t), frozenset(t for t in traits if t),
                   consent_roles=consent_roles)

    def sees_pii(self, principal: Principal) -> bool:
        """True when the caller reads PII in clear."""
        return not self.unmasked_roles.isdisjoint(principal.roles)

    def apply(self, profile: pb.Profile, principal: Principal) -> pb.Profile:
        """Masks `profile` in place for `principal` and lists what was masked in ``masked_fields``."""
        if self.sees_pii(principal):
            return profile
        role = self.consent_roles.for_principal(principal) if self.consent_roles is not None else None
        if role is not None:
            from services.identity.roles import mask_by_role

            return mask_by_role(profile, role)
        masked: list[str] = []
        for i, ident in enumerate(profile.identifiers):
            if ident.type in self.pii_identifier_types:
                ident.value = MASK
                masked.append(f"identifiers[{i}]")
        for name in sorted(profile.traits):
            if name.lower() in self.pii_traits:
                profile.traits[name].value.string_value = MASK
                masked.append(f"traits.{name}")
        profile.masked_fields.extend(masked)
        return profile
