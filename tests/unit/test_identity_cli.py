"""Parsing of the files and arguments the ``loom profiles`` and ``loom audiences`` commands take."""

from __future__ import annotations

import json

import pytest

from loom.identity.v1 import identity_pb2 as pb
from services.cli.identity import IdentityFileError, audiences_from_text, lookup_of, rules_from_text


def test_audience_yaml_documents_become_rule_json() -> None:
    text = """
audience_id: repeat
name: Repeat buyers
rule:
  all:
    - {computed: order_count, op: gte, value: 2}
    - {consent: marketing}
---
audience_id: vip
rule: {trait: tier, op: eq, value: vip}
"""
    first, second = audiences_from_text(text)
    assert first.audience_id == "repeat" and first.name == "Repeat buyers"
    assert json.loads(first.rule_json) == {"all": [{"computed": "order_count", "op": "gte", "value": 2},
                                                   {"consent": "marketing"}]}
    assert second.audience_id == "vip"


def test_bad_audience_files_name_the_document() -> None:
    with pytest.raises(IdentityFileError, match=r"f\[1\]: audience_id and rule are required"):
        audiences_from_text("audience_id: a\nrule: {consent: x}\n---\nname: b\n", "f")
    with pytest.raises(IdentityFileError, match="unknown keys"):
        audiences_from_text("audience_id: a\nrule: {}\nrules: 1\n")


def test_rules_file_and_lookups() -> None:
    rules = rules_from_text("rules:\n  - {type: user_id, priority: 0, max_per_profile: 1, blocked_values: [guest]}\n"
                            "trait_policies: {points: sum}\n")
    assert rules.rules[0].blocked_values == ["guest"]
    assert rules.trait_policies[0] == pb.TraitPolicy(trait="points", policy=pb.TRAIT_MERGE_POLICY_SUM)
    with pytest.raises(IdentityFileError, match="trait_policies"):
        rules_from_text("trait_policies: {points: max}\n")
    assert lookup_of("email:ada@shop.se").identifier.value == "ada@shop.se"
    assert lookup_of("6f1c1a8e-2b7c-4d0e-9a53-9a1e0c3b7d21").profile_id.startswith("6f1c")
