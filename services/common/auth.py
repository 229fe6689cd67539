"""Service tokens, roles and per-method authorisation.

Callers send ``authorization: Bearer <token>``. A token resolves to a Principal (who, which roles) through
a chain of authenticators: the shared tokens file for services and operators, plus any a service adds
(ingestion adds its sources' write keys). Each RPC names the roles that may call it; ``admin`` may call
everything. Unknown token, missing token or a role mismatch is refused: authorisation fails closed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from services.common.config import ConfigError

ADMIN = "admin"
SERVICE = "service"
OPERATOR = "operator"
ANALYST = "analyst"
SOURCE = "source"
KNOWN_ROLES = frozenset({ADMIN, SERVICE, OPERATOR, ANALYST, SOURCE})

# Calls every caller may make without a token: load balancers and grpcurl must probe health and reflect.
PUBLIC_METHODS = frozenset(
    {
        "/grpc.health.v1.Health/Check",
        "/grpc.health.v1.Health/Watch",
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    }
)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    subject: str
    roles: frozenset[str]
    # Set for ingestion write keys: the source the key belongs to.
    source_id: str = ""

    def has_any(self, roles: Iterable[str]) -> bool:
        """True when the principal holds admin or any of ``roles``."""
        return ADMIN in self.roles or not self.roles.isdisjoint(roles)


ANONYMOUS = Principal(subject="anonymous", roles=frozenset())


class Authenticator(Protocol):
    """Resolves a bearer token to a principal, or None when the token is not its to judge."""

    async def authenticate(self, token: str) -> Principal | None:
        """Looks the token up."""
        ...


def token_digest(token: str) -> str:
    """SHA-256 of a token; stores compare digests so a timing leak reveals nothing about the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class TokenFileAuthenticator:
    """Tokens from a YAML file: ``<token>: {subject: ..., roles: [...]}``."""

    by_digest: dict[str, Principal] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path) -> TokenFileAuthenticator:
        """Loads and checks the file; a bad file stops the service at start-up."""
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except OSError as exc:
            raise ConfigError([f"LOOM_AUTH_TOKENS_FILE={path}: cannot read: {exc}"]) from exc
        except yaml.YAMLError as exc:
            raise ConfigError([f"LOOM_AUTH_TOKENS_FILE={path}: not valid YAML: {exc}"]) from exc
        return cls.from_mapping(raw, origin=str(path))

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Mapping[str, object]], origin: str = "tokens") -> TokenFileAuthenticator:
        """Builds from an already-parsed mapping."""
        problems: list[str] = []
        by_digest: dict[str, Principal] = {}
        if not isinstance(raw, Mapping):
            raise ConfigError([f"{origin}: expected a mapping of token to {{subject, roles}}"])
        for i, (token, entry) in enumerate(raw.items()):
            if not isinstance(token, str) or len(token) < 16:
                problems.append(f"{origin}: entry {i}: token must be a string of at least 16 characters")
                continue
            roles = entry.get("roles", []) if isinstance(entry, Mapping) else None
            subject = entry.get("subject") if isinstance(entry, Mapping) else None
            if not isinstance(subject, str) or not subject:
                problems.append(f"{origin}: entry {i}: subject is required")
                continue
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                problems.append(f"{origin}: {subject}: roles must be a list of strings")
                continue
            unknown = set(roles) - KNOWN_ROLES
            if unknown:
                problems.append(f"{origin}: {subject}: unknown roles {sorted(unknown)}; known: {sorted(KNOWN_ROLES)}")
                continue
            by_digest[token_digest(token)] = Principal(subject=subject, roles=frozenset(roles))
        if problems:
            raise ConfigError(problems)
        return cls(by_digest)

    async def authenticate(self, token: str) -> Principal | None:
        return self.by_digest.get(token_digest(token))


@dataclass(frozen=True)
class MethodPolicy:
    """Which roles may call which RPC of one gRPC service; methods not listed take ``default``."""

    service: str
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    default: frozenset[str] = frozenset({SERVICE, OPERATOR})

    def allowed(self, method: str) -> frozenset[str]:
        """Roles allowed to call ``method`` (the short RPC name)."""
        return self.roles.get(method, self.default)


class Authoriser:
    """Authenticates a call's token and checks the method's roles."""

    def __init__(
        self,
        authenticators: Sequence[Authenticator],
        policies: Iterable[MethodPolicy],
        disabled: bool = False,
    ) -> None:
        self._authenticators = list(authenticators)
        self._policies = {p.service: p for p in policies}
        self.disabled = disabled

    def allowed_roles(self, full_method: str) -> frozenset[str]:
        """Roles for a full method name like ``/loom.identity.v1.IdentityService/GetProfile``."""
        service, _, method = full_method.lstrip("/").partition("/")
        policy = self._policies.get(service)
        return policy.allowed(method) if policy else frozenset({ADMIN})

    async def authorise(self, full_method: str, authorization: str | None) -> Principal:
        """Returns the caller, or raises Unauthenticated / PermissionDenied."""
        from services.common.errors import PermissionDenied, Unauthenticated

        if full_method in PUBLIC_METHODS:
            return ANONYMOUS
        if self.disabled:
            return Principal(subject="unauthenticated", roles=frozenset({ADMIN}))
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthenticated("missing 'authorization: Bearer <token>' metadata")
        token = authorization[7:].strip()
        principal = None
        for authenticator in self._authenticators:
            principal = await authenticator.authenticate(token)
            if principal is not None:
                break
        if principal is None:
            raise Unauthenticated("unknown or revoked token")
        allowed = self.allowed_roles(full_method)
        if not principal.has_any(allowed):
            raise PermissionDenied(
                f"{principal.subject} (roles {sorted(principal.roles)}) may not call {full_method}; "
                f"needs one of {sorted(allowed)}"
            )
        return principal
