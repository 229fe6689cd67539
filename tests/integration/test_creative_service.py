"""The creative service over the real runtime (SQLite and PostgreSQL): the library index, AssessAsset catching
planted violations, the audited review and publish state machine, ChooseCreative, brand kits, occasions and
translation."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import numpy as np
import pytest
from PIL import Image, ImageDraw

from loom.creative.v1 import creative_pb2 as pb
from loom.creative.v1 import creative_pb2_grpc as pb_grpc
from ml.creative.brand import LANGUAGES, load_brand_kit, load_marks
from ml.creative.copywriter import Copy, Copywriter
from ml.creative.layout import BannerRenderer
from ml.creative.legal import render_mark
from ml.creative.library import CreativeLibrary
from ml.creative.pipeline import Brief, Factory, Produced, encode
from services.common.errors import field_violations
from services.common.storage import Database
from services.creative.app import CreativeConfig, build
from services.creative.library_index import LibraryIndex

KIT = load_brand_kit()
TP = KIT.touchpoints["email_hero"]
CATEGORIES = ("bags/handbags", "shoes/sneakers")


def _banner(copy: Copy, market: str, text_color: tuple[int, int, int] | None = None,
            mark: str = "") -> Produced:
    """A banner rendered like the factory renders it, optionally with a planted violation."""
    renderer = BannerRenderer(KIT)
    cutout = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(cutout).rounded_rectangle((20, 40, 280, 280), radius=30, fill=(40, 90, 160, 255))
    rendered = renderer.render(renderer.base("default", cutout, TP, copy.language == "ar"), "default", TP, copy,
                               text_color)
    if mark:
        spec = next(m for m in load_marks()["marks"] if m["id"] == mark)
        shape = Image.fromarray((render_mark(spec["shapes"], 160) * 255).astype(np.uint8), "L").resize((180, 150))
        rendered.image.paste((200, 30, 60), (300, 420), shape)
    layout = {"text_boxes": [list(b) for b in rendered.text_boxes], "text_color": list(rendered.text_color),
              "logo_box": list(rendered.logo_box) if rendered.logo_box else None,
              "button_box": list(rendered.button_box) if rendered.button_box else None}
    return Produced("banner", "email_hero", copy.language, encode(rendered.image, TP.mime), TP.mime, TP.width,
                    TP.height, copy, None, {"run_id": f"{market}-planted", "product_id": "planted",
                                            "steps": ["test"], "models": {}, "layout": layout})


PLANTED = {  # item id -> (market, how the banner is spoiled)
    "clean": ("SE", {}),
    "lookalike": ("SE", {"mark": "three-stripes"}),
    "banned-claim": ("SE", {"body": "Guaranteed approval on every order"}),
    "no-disclosure": ("GB", {"body": "Pay later on handbags"}),
    "unreadable": ("SE", {"text_color": (250, 236, 226)}),
}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[CreativeLibrary, list[dict[str, Any]]]:
    """A library with two factory items (SE, Swedish, email hero) and the planted banners, as records."""
    lib = CreativeLibrary(tmp_path_factory.mktemp("creative"))
    factory = Factory()
    records = []
    for i, category in enumerate(CATEGORIES):
        produced = factory.produce(Brief("SE", category, f"p-{i}", "default", "", ("sv",), ("email_hero",),
                                         "SE-2026-05-01"))
        records.append(lib.put_item("SE-2026-05-01", f"{i:03d}", {"market": "SE", "category": category,
                                                                 "occasion_id": ""}, produced))
    clean = Copywriter(KIT).write("bags/handbags", "default", "en")
    for item_id, (market, spoil) in PLANTED.items():
        copy = replace(clean, body=spoil["body"]) if "body" in spoil else clean
        banner = _banner(copy, market, spoil.get("text_color"), spoil.get("mark", ""))
        records.append(lib.put_item(f"{market}-planted", item_id, {"market": market, "category": "bags/handbags",
                                                                   "occasion_id": ""}, [banner]))
    return lib, records


@pytest.fixture
async def creative(service_stack: Any, db_url: str, library: tuple[CreativeLibrary, list[dict[str, Any]]]
                   ) -> pb_grpc.CreativeServiceStub:
    """The creative service on the test's database with the library indexed (as the factory activity does)."""
    lib, records = library
    await service_stack.start("creative", CreativeConfig, build, creative_library=str(lib.root), identity_addr="",
                              temporal_address="127.0.0.1:1", semantic_claims="false")
    db = Database.from_url(db_url)
    index = LibraryIndex(db)
    for record in records:
        await index.record_item(record)
    assert await index.record_item(records[0]) == 0  # indexing again adds nothing
    await db.dispose()
    return pb_grpc.CreativeServiceStub(service_stack.channel("creative"))


def _id(item: str, market: str = "SE", language: str = "en") -> str:
    return f"{market}-planted-{item}-email_hero-{language}"


async def _code(call: Any) -> tuple[grpc.StatusCode, grpc.aio.AioRpcError]:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value.code(), err.value


async def test_library_lists_and_reads_assets_with_lineage(creative: pb_grpc.CreativeServiceStub) -> None:
    page = await creative.ListAssets(pb.ListAssetsRequest(run_id="SE-2026-05-01", page={"page_size": 3}))
    assert page.page.total_size == 4 and len(page.assets) == 3 and page.page.next_page_token
    rest = await creative.ListAssets(pb.ListAssetsRequest(run_id="SE-2026-05-01",
                                                          page={"page_token": page.page.next_page_token}))
    assets = [*page.assets, *rest.assets]
    banners = [a for a in assets if a.kind == pb.ASSET_KIND_BANNER]
    masters = {a.asset_id for a in assets if a.kind == pb.ASSET_KIND_IMAGE}
    assert len(banners) == 2 and len(masters) == 2 and not rest.page.next_page_token
    got = (await creative.GetAsset(pb.GetAssetRequest(asset_id=banners[0].asset_id))).asset
    assert got.lineage.parent_asset_id in masters and got.lineage.steps[-1] == "text:sv"
    assert got.copy.headline and got.dimensions.width_px == 1200 and Path(got.uri).is_file()
    assert got.assessment.verdict in (pb.VERDICT_PASS, pb.VERDICT_NEEDS_REVIEW)
    code, err = await _code(creative.GetAsset(pb.GetAssetRequest(asset_id="nope")))
    assert code == grpc.StatusCode.NOT_FOUND and "nope" in (err.details() or "")
    code, err = await _code(creative.ListAssets(pb.ListAssetsRequest(page={"page_token": "x"})))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "page.page_token"


async def test_assess_asset_rejects_every_planted_violation(creative: pb_grpc.CreativeServiceStub) -> None:
    clean = await creative.AssessAsset(pb.AssessAssetRequest(asset_id=_id("clean")))
    assert clean.assessment.verdict == pb.VERDICT_PASS and clean.state == pb.ASSET_STATE_APPROVED
    expected = {"lookalike": "three-stripes", "banned-claim": "banned claim", "no-disclosure": "disclosure",
                "unreadable": "unreadable"}
    for item, reason in expected.items():
        market = PLANTED[item][0]
        result = await creative.AssessAsset(pb.AssessAssetRequest(asset_id=_id(item, market)))
        reasons = " ".join([*result.assessment.legal.reasons, *result.assessment.quality.reasons])
        assert result.assessment.verdict == pb.VERDICT_REJECT, (item, reasons)
        assert result.state == pb.ASSET_STATE_REJECTED and reason in reasons, (item, reasons)
    stored = (await creative.GetAsset(pb.GetAssetRequest(asset_id=_id("lookalike")))).asset
    assert stored.state == pb.ASSET_STATE_REJECTED and stored.assessment.assessed_at.seconds > 0


async def test_review_and_publish_follow_the_state_machine(creative: pb_grpc.CreativeServiceStub) -> None:
    draft = _id("clean")
    code, err = await _code(creative.PublishAsset(pb.PublishAssetRequest(asset_id=draft)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "draft" in (err.details() or "")
    code, err = await _code(creative.ReviewAsset(pb.ReviewAssetRequest(asset_id=draft, reviewer="ana@loom.dev",
                                                                       decision=pb.REVIEW_DECISION_APPROVE)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and [v.field for v in field_violations(err)] == ["reason"]
    await creative.AssessAsset(pb.AssessAssetRequest(asset_id=draft))
    published = (await creative.PublishAsset(pb.PublishAssetRequest(asset_id=draft))).asset
    assert published.state == pb.ASSET_STATE_PUBLISHED and published.published_at.seconds > 0
    again = (await creative.PublishAsset(pb.PublishAssetRequest(asset_id=draft))).asset  # a retry is safe
    assert again.published_at == published.published_at
    # A reviewer overrides the director: the rejected, unreadable banner is approved with a reason.
    unreadable = _id("unreadable")
    await creative.AssessAsset(pb.AssessAssetRequest(asset_id=unreadable))
    reviewed = (await creative.ReviewAsset(pb.ReviewAssetRequest(
        asset_id=unreadable, reviewer="ana@loom.dev", decision=pb.REVIEW_DECISION_APPROVE,
        reason="legible on the printed proof"))).asset
    assert reviewed.state == pb.ASSET_STATE_APPROVED
    assert [(r.reviewer, r.reason) for r in reviewed.reviews] == [("ana@loom.dev", "legible on the printed proof")]
    # A human decision stands: assessing again keeps the reviewed state.
    after = await creative.AssessAsset(pb.AssessAssetRequest(asset_id=unreadable))
    assert after.assessment.verdict == pb.VERDICT_REJECT and after.state == pb.ASSET_STATE_APPROVED
    # Rejecting a published asset withdraws it; it cannot be published again without a new approval.
    await creative.ReviewAsset(pb.ReviewAssetRequest(asset_id=draft, reviewer="bo@loom.dev",
                                                     decision=pb.REVIEW_DECISION_REJECT, reason="off brand"))
    code, _ = await _code(creative.PublishAsset(pb.PublishAssetRequest(asset_id=draft)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    trail = (await creative.GetAsset(pb.GetAssetRequest(asset_id=draft))).asset.reviews
    assert [r.decision for r in trail] == [pb.REVIEW_DECISION_REJECT]


async def test_choose_creative_picks_the_best_published_for_the_customer(
        creative: pb_grpc.CreativeServiceStub) -> None:
    listed = await creative.ListAssets(pb.ListAssetsRequest(run_id="SE-2026-05-01", kind=pb.ASSET_KIND_BANNER))
    by_category = {a.category: a for a in listed.assets}
    for asset in listed.assets:
        if asset.state != pb.ASSET_STATE_APPROVED:
            await creative.ReviewAsset(pb.ReviewAssetRequest(asset_id=asset.asset_id, reviewer="ana@loom.dev",
                                                             decision=pb.REVIEW_DECISION_APPROVE, reason="fine"))
        await creative.PublishAsset(pb.PublishAssetRequest(asset_id=asset.asset_id))
    ask = pb.ChooseCreativeRequest(profile_id="p-1", touchpoint="email_hero", market="SE", language="sv",
                                   journey_id="j", step_id="s")
    for category, asset in by_category.items():
        ask.category = category
        choice = await creative.ChooseCreative(ask)
        assert choice.asset.asset_id == asset.asset_id and not choice.fallback and category in choice.reason
    ask.category = "home/lamps"  # nothing published for it: the best brand creative instead
    choice = await creative.ChooseCreative(ask)
    assert choice.fallback and choice.asset.state == pb.ASSET_STATE_PUBLISHED
    ask.exclude_asset_ids.extend(a.asset_id for a in listed.assets)
    code, err = await _code(creative.ChooseCreative(ask))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "no published creative" in (err.details() or "")
    code, err = await _code(creative.ChooseCreative(pb.ChooseCreativeRequest(profile_id="p-1", touchpoint="fax")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "touchpoint"


async def test_brand_kits_occasions_and_translation(creative: pb_grpc.CreativeServiceStub) -> None:
    default = (await creative.GetBrandKit(pb.GetBrandKitRequest())).brand_kit
    assert default.brand_id == "default" and default.revision == 0 and len(default.touchpoints) == 6
    kit = pb.BrandKit(brand_id="outlet", palette=[pb.BrandColor(name="primary", hex="#112233")],
                      glossary=[pb.GlossaryEntry(term="Outlet deals", translations={"sv": "Outletfynd"})])
    first = (await creative.PutBrandKit(pb.PutBrandKitRequest(brand_kit=kit))).brand_kit
    second = (await creative.PutBrandKit(pb.PutBrandKitRequest(brand_kit=kit))).brand_kit
    assert (first.revision, second.revision) == (1, 2) and second.palette[0].hex == "#112233"
    bad = pb.BrandKit(brand_id="outlet", palette=[pb.BrandColor(name="primary", hex="pink")])
    code, err = await _code(creative.PutBrandKit(pb.PutBrandKitRequest(brand_kit=bad)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "brand_kit.palette[0].hex"

    occasions = [pb.Occasion(occasion_id="se-payday", name="Lönehelg", start_date="2026-06-25",
                             end_date="2026-06-28", theme="summer_sale", priority=2)]
    stored = await creative.PutOccasionCalendar(pb.PutOccasionCalendarRequest(market="SE", occasions=occasions))
    assert (stored.stored_count, stored.revision) == (1, 1)
    listed = await creative.ListOccasions(pb.ListOccasionsRequest(market="SE", from_date="2026-06-01",
                                                                  to_date="2026-06-30"))
    assert [o.occasion_id for o in listed.occasions] == ["se-payday"]
    gb = await creative.ListOccasions(pb.ListOccasionsRequest(market="GB", from_date="2026-11-01"))
    assert "gb-black-friday-2026" in [o.occasion_id for o in gb.occasions]  # the built-in calendar
    backwards = pb.Occasion(occasion_id="x", name="x", start_date="2026-06-02", end_date="2026-06-01")
    code, err = await _code(creative.PutOccasionCalendar(pb.PutOccasionCalendarRequest(market="SE",
                                                                                       occasions=[backwards])))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "occasions[0].end_date"

    out = await creative.Translate(pb.TranslateRequest(text="Shop now", source_language="en",
                                                       target_languages=list(LANGUAGES), max_chars=14))
    assert [t.language for t in out.translations] == list(LANGUAGES)
    assert out.translations[1].text == "Handla nu" and out.translations[0].origin == pb.TRANSLATION_ORIGIN_IDENTITY
    assert all(t.origin == pb.TRANSLATION_ORIGIN_MEMORY for t in out.translations[1:])
    assert [t.language for t in out.translations if t.too_long] == ["fr"]  # "Acheter maintenant"
    brand = await creative.Translate(pb.TranslateRequest(text="Outlet deals", source_language="en",
                                                         target_languages=["sv"], brand_id="outlet"))
    assert brand.translations[0].text == "Outletfynd" and list(brand.translations[0].glossary_terms) == ["Outlet deals"]
    code, err = await _code(creative.Translate(pb.TranslateRequest(text="Free unicorns", source_language="en",
                                                                   target_languages=["sv"])))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "no language model" in (err.details() or "")
    code, err = await _code(creative.Translate(pb.TranslateRequest(text="Hi", source_language="en",
                                                                   target_languages=["xx"])))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "target_languages[0]"


async def test_factory_run_needs_temporal_and_a_known_market(creative: pb_grpc.CreativeServiceStub) -> None:
    code, err = await _code(creative.StartFactoryRun(pb.StartFactoryRunRequest(market="XX")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "market"
    code, err = await _code(creative.StartFactoryRun(pb.StartFactoryRunRequest(market="SE", brand_id="nobody")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "brand_id"
    code, err = await _code(creative.StartFactoryRun(pb.StartFactoryRunRequest(market="SE", touchpoints=["fax"])))
    assert code == grpc.StatusCode.INVALID_ARGUMENT and field_violations(err)[0].field == "touchpoints[0]"
    code, _ = await _code(creative.GetFactoryRun(pb.GetFactoryRunRequest(run_id="SE-2026-01-01")))
    assert code == grpc.StatusCode.NOT_FOUND
    code, err = await _code(asyncio.wait_for(creative.StartFactoryRun(pb.StartFactoryRunRequest(market="SE")), 30))
    assert code == grpc.StatusCode.UNAVAILABLE and "Temporal" in (err.details() or "")
