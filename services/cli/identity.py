"""``loom profiles ...`` and ``loom audiences ...``: profiles, the identity graph and audiences.

Audience files are YAML (or JSON), one or more documents like::

    audience_id: repeat-buyers
    name: Repeat buyers
    rule:
      all:
        - {computed: order_count, op: gte, value: 2}
        - {event: Order Completed, min_count: 1, within_days: 30}
        - {consent: marketing}

Identity rule files hold the `GetIdentityRules` shape: ``rules: [{type, priority, max_per_profile,
blocked_values, blocked_patterns}]`` and ``trait_policies: {trait: last_write | first_write | sum}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
import yaml
from google.protobuf import json_format

from loom.common.v1 import common_pb2
from loom.identity.v1 import identity_pb2 as pb
from loom.identity.v1 import identity_pb2_grpc as pb_grpc
from services.cli.context import call_service

profiles = typer.Typer(help="Read profiles, their merge lineage and the identity rules; undo merges.")
audiences = typer.Typer(help="Define audiences from YAML rule trees; size and export them.")
T = TypeVar("T")
AddrOption = typer.Option(None, "--addr", help="identity address (default: $LOOM_IDENTITY_ADDR)")
TokenOption = typer.Option(None, "--token", help="token (default: $LOOM_SERVICE_TOKEN)")
POLICIES = {"last_write": pb.TRAIT_MERGE_POLICY_LAST_WRITE, "first_write": pb.TRAIT_MERGE_POLICY_FIRST_WRITE,
            "sum": pb.TRAIT_MERGE_POLICY_SUM}


class IdentityFileError(ValueError):
    """An audience or rules file that cannot be sent; the message names the place."""


def call_identity(addr: str | None, token: str | None,
                  action: Callable[[pb_grpc.IdentityServiceStub], Awaitable[T]]) -> T:
    """Runs ``action`` against the identity service; a failed call prints its reasons and exits 1."""
    return call_service(pb_grpc.IdentityServiceStub, "identity", "127.0.0.1:50052", action, addr, token)


def lookup_of(key: str) -> pb.ProfileLookup:
    """``type:value`` (e.g. ``email:ada@shop.se``) is an identifier; anything else is a profile id."""
    kind, sep, value = key.partition(":")
    if sep and kind and value:
        return pb.ProfileLookup(identifier=common_pb2.Identifier(type=kind, value=value))
    return pb.ProfileLookup(profile_id=key)


def audiences_from_text(text: str, where: str = "file") -> list[pb.Audience]:
    """Audience documents (YAML or JSON) as messages; raises IdentityFileError naming the first problem."""
    out = []
    for i, doc in enumerate(d for d in yaml.safe_load_all(text) if d is not None):
        here = f"{where}[{i}]"
        if not isinstance(doc, dict):
            raise IdentityFileError(f"{here}: expected a mapping with audience_id, name, rule")
        unknown = set(doc) - {"audience_id", "name", "rule"}
        if unknown:
            raise IdentityFileError(f"{here}: unknown keys {sorted(unknown)}")
        if not doc.get("audience_id") or "rule" not in doc:
            raise IdentityFileError(f"{here}: audience_id and rule are required")
        out.append(pb.Audience(audience_id=str(doc["audience_id"]), name=str(doc.get("name", "")),
                               rule_json=json.dumps(doc["rule"])))
    return out


def rules_from_text(text: str, where: str = "file") -> pb.IdentityRules:
    """An identity rules document as a message."""
    doc = yaml.safe_load(text) or {}
    if not isinstance(doc, dict):
        raise IdentityFileError(f"{where}: expected a mapping with rules and trait_policies")
    policies = doc.get("trait_policies") or {}
    bad = {k: v for k, v in policies.items() if v not in POLICIES}
    if bad:
        raise IdentityFileError(f"{where}.trait_policies: {bad} not one of {', '.join(POLICIES)}")
    try:
        rules = [pb.IdentifierRule(**r) for r in doc.get("rules") or []]
    except (TypeError, ValueError) as exc:
        raise IdentityFileError(f"{where}.rules: {exc}") from None
    return pb.IdentityRules(rules=rules, trait_policies=[pb.TraitPolicy(trait=k, policy=POLICIES[v])
                                                         for k, v in policies.items()])


def _print(message: Any) -> None:
    typer.echo(json.dumps(json_format.MessageToDict(message), indent=2, sort_keys=True))


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        typer.secho(f"cannot read {path}: {exc.strerror}", err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from None


@profiles.command("get")
def get_profile(key: str = typer.Argument(..., help="profile id or type:value"), addr: str = AddrOption,
                token: str = TokenOption) -> None:
    """Prints a profile (PII masked unless the token's role may see it)."""
    _print(call_identity(addr, token, lambda s: s.GetProfile(pb.GetProfileRequest(lookup=lookup_of(key)))).profile)


@profiles.command("history")
def trait_history(key: str, trait: str, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Prints the values a trait has had, newest first."""
    _print(call_identity(addr, token, lambda s: s.GetTraitHistory(
        pb.GetTraitHistoryRequest(lookup=lookup_of(key), trait=trait))))


@profiles.command("lineage")
def lineage(key: str, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Prints the merges that formed a profile, with their evidence."""
    _print(call_identity(addr, token, lambda s: s.GetMergeLineage(pb.GetMergeLineageRequest(lookup=lookup_of(key)))))


@profiles.command("unmerge")
def unmerge(merge_id: str, reason: str = typer.Option("", help="why, for the audit log"),
            addr: str = AddrOption, token: str = TokenOption) -> None:
    """Undoes a merge: both profiles come back with their own identifiers, events and traits."""
    _print(call_identity(addr, token, lambda s: s.Unmerge(pb.UnmergeRequest(merge_id=merge_id, reason=reason))))


@profiles.command("refused")
def refused(addr: str = AddrOption, token: str = TokenOption) -> None:
    """Lists merges the identity rules refused, newest first."""
    _print(call_identity(addr, token, lambda s: s.ListRefusedMerges(pb.ListRefusedMergesRequest())))


@profiles.command("rules")
def rules(apply: Path = typer.Option(None, "--apply", help="YAML file of rules to store"),
          addr: str = AddrOption, token: str = TokenOption) -> None:
    """Prints the identity rules, or replaces them with --apply FILE."""
    if apply is None:
        _print(call_identity(addr, token, lambda s: s.GetIdentityRules(pb.GetIdentityRulesRequest())))
        return
    try:
        message = rules_from_text(_read(apply), str(apply))
    except IdentityFileError as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from None
    _print(call_identity(addr, token, lambda s: s.PutIdentityRules(pb.PutIdentityRulesRequest(rules=message))))


@profiles.command("rebuild")
def rebuild(addr: str = AddrOption, token: str = TokenOption) -> None:
    """Rebuilds every profile from the event archive (long-running; operators only)."""
    _print(call_identity(addr, token, lambda s: s.RebuildProfiles(pb.RebuildProfilesRequest(), timeout=3600)))


@audiences.command("apply")
def apply_audiences(path: Path, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Creates or replaces the audiences in a YAML file and prints their sizes."""
    try:
        items = audiences_from_text(_read(path), str(path))
    except (IdentityFileError, yaml.YAMLError) as exc:
        typer.secho(str(exc), err=True, fg=typer.colors.RED)
        raise typer.Exit(code=1) from None
    for item in items:
        request = pb.PutAudienceRequest(audience=item)

        async def put(stub: pb_grpc.IdentityServiceStub, r: pb.PutAudienceRequest = request
                      ) -> pb.PutAudienceResponse:
            return await stub.PutAudience(r)

        stored = call_identity(addr, token, put)
        typer.echo(f"{stored.audience.audience_id}: revision {stored.audience.revision}, "
                   f"{stored.audience.size} members")


@audiences.command("list")
def list_audiences(addr: str = AddrOption, token: str = TokenOption) -> None:
    """Lists audiences with their sizes."""
    response = call_identity(addr, token, lambda s: s.ListAudiences(pb.ListAudiencesRequest(
        page=common_pb2.PageRequest(page_size=1000))))
    for a in response.audiences:
        typer.echo(f"{a.audience_id}\t{a.size}\t{a.name}")


@audiences.command("size")
def size(audience_id: str, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Prints the number of members."""
    typer.echo(call_identity(addr, token, lambda s: s.GetAudience(
        pb.GetAudienceRequest(audience_id=audience_id))).audience.size)


@audiences.command("delete")
def delete_audience(audience_id: str, addr: str = AddrOption, token: str = TokenOption) -> None:
    """Deletes an audience."""
    call_identity(addr, token, lambda s: s.DeleteAudience(pb.DeleteAudienceRequest(audience_id=audience_id)))
    typer.echo(f"deleted {audience_id}")


@audiences.command("export")
def export(audience_id: str, types: str = typer.Option("", help="comma-separated identifier types (default all)"),
           addr: str = AddrOption, token: str = TokenOption) -> None:
    """Writes members as JSON lines: {"profile_id": ..., "identifiers": [...]}."""
    wanted = [t.strip() for t in types.split(",") if t.strip()]

    async def collect(stub: pb_grpc.IdentityServiceStub) -> int:
        count = 0
        async for chunk in stub.ExportAudience(pb.ExportAudienceRequest(audience_id=audience_id,
                                                                        identifier_types=wanted)):
            position = 0
            for pid, n in zip(chunk.profile_ids, chunk.identifier_counts, strict=True):
                idents = chunk.identifiers[position:position + n]
                position += n
                typer.echo(json.dumps({"profile_id": pid,
                                       "identifiers": [{"type": i.type, "value": i.value} for i in idents]}))
                count += 1
        return count

    count = call_identity(addr, token, collect)
    typer.secho(f"{count} members", err=True)
