"""gRPC adapter of the creative service: validates requests, calls the domain, converts to protos."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from prometheus_client import Counter

from loom.common.v1 import common_pb2
from loom.creative.v1 import creative_pb2 as pb
from loom.creative.v1 import creative_pb2_grpc as pb_grpc
from ml.creative.brand import LANGUAGES
from services.common.auth import ANALYST, OPERATOR, SERVICE, MethodPolicy
from services.common.errors import NotFound, Violations
from services.creative import convert
from services.creative.assessor import Assessor
from services.creative.brand_store import BrandStore, factory_kit
from services.creative.chooser import ChoiceRequest, Chooser
from services.creative.library_index import LibraryIndex, now_utc
from services.creative.lookbooks import Lookbooks
from services.creative.runs import FactoryRuns, validate_start
from services.creative.translation import Translator
from workflows.factory.types import DEFAULT_BRAND, FactoryInput

FULL_NAME = pb.DESCRIPTOR.services_by_name["CreativeService"].full_name
READERS = frozenset({SERVICE, OPERATOR, ANALYST})
WRITERS = frozenset({SERVICE, OPERATOR})
POLICY = MethodPolicy(FULL_NAME, roles={
    # Analysts look at runs, assets, kits and calendars; reviews and publication are people's and services' work.
    "GetFactoryRun": READERS, "ListFactoryRuns": READERS, "ListAssets": READERS, "GetAsset": READERS,
    "GetBrandKit": READERS, "ListOccasions": READERS, "Translate": READERS,
    "StartFactoryRun": WRITERS, "AssessAsset": WRITERS, "ReviewAsset": WRITERS, "PublishAsset": WRITERS,
    "ChooseCreative": WRITERS, "RenderLookbook": WRITERS, "PutBrandKit": WRITERS, "PutOccasionCalendar": WRITERS,
    # Personal data leaves or goes only through the privacy workflow (service) or an admin.
    "ExportPersonalisations": frozenset({SERVICE}), "ErasePersonalisations": frozenset({SERVICE}),
})
REVIEWS = Counter("loom_creative_reviews_total", "Human review decisions", ["decision"])
PUBLISHED = Counter("loom_creative_published_total", "Assets published")
ORIGINS = {"memory": pb.TRANSLATION_ORIGIN_MEMORY, "machine": pb.TRANSLATION_ORIGIN_MACHINE,
           "identity": pb.TRANSLATION_ORIGIN_IDENTITY}


@dataclass(frozen=True)
class Creative:
    """The domain objects the servicer adapts."""

    index: LibraryIndex
    runs: FactoryRuns
    assessor: Assessor
    chooser: Chooser
    lookbooks: Lookbooks
    brands: BrandStore
    translator: Translator


def _profile_ids(subject: common_pb2.DataSubjectRef) -> list[str]:
    ids = [i.value for i in subject.identifiers if i.type == "profile_id" and i.value]
    v = Violations()
    if not ids:
        v.add("subject.identifiers", "name at least one identifier of type profile_id")
    v.raise_if_any()
    return ids


class CreativeServicer(pb_grpc.CreativeServiceServicer):
    """Factory runs, the creative library, choosing, lookbooks, brand kits, occasions and translation."""

    def __init__(self, creative: Creative) -> None:
        self._d = creative

    async def _asset(self, asset_id: str) -> pb.Asset:
        row = await self._d.index.get(asset_id)
        return convert.asset(row, (await self._d.index.reviews([asset_id]))[asset_id])

    @staticmethod
    def _require_id(asset_id: str) -> None:
        v = Violations()
        v.require(asset_id, "asset_id")
        v.raise_if_any()

    async def StartFactoryRun(self, request: pb.StartFactoryRunRequest, context: grpc.aio.ServicerContext
                              ) -> pb.StartFactoryRunResponse:
        date = validate_start(request.market, request.date, request.categories_limit)
        v = Violations()
        try:
            kit = factory_kit(await self._d.brands.get_kit(request.brand_id))
        except NotFound:
            v.add("brand_id", f"brand kit {request.brand_id!r} does not exist; store it with PutBrandKit first")
            v.raise_if_any()
        for i, lang in enumerate(request.languages):
            if lang not in LANGUAGES:
                v.add(f"languages[{i}]", f"unsupported language {lang!r}; supported: {', '.join(LANGUAGES)}")
        for i, tp in enumerate(request.touchpoints):
            if tp not in kit.touchpoints:
                v.add(f"touchpoints[{i}]", f"unknown touchpoint {tp!r}; known: {', '.join(kit.touchpoints)}")
        v.raise_if_any()
        params = FactoryInput(market=request.market, date=date, categories_limit=request.categories_limit or 30,
                              languages=list(request.languages), touchpoints=list(request.touchpoints),
                              brand_id="" if kit.brand_id == DEFAULT_BRAND else kit.brand_id)
        run, already = await self._d.runs.start(params)
        return pb.StartFactoryRunResponse(run_id=run["run_id"], workflow_id=run["workflow_id"],
                                          already_started=already)

    async def GetFactoryRun(self, request: pb.GetFactoryRunRequest, context: grpc.aio.ServicerContext
                            ) -> pb.GetFactoryRunResponse:
        v = Violations()
        v.require(request.run_id, "run_id")
        v.raise_if_any()
        return pb.GetFactoryRunResponse(run=convert.factory_run(await self._d.runs.get(request.run_id)))

    async def ListFactoryRuns(self, request: pb.ListFactoryRunsRequest, context: grpc.aio.ServicerContext
                              ) -> pb.ListFactoryRunsResponse:
        offset, size = convert.page(request.page)
        rows, total = await self._d.runs.list(request.market, convert.name_of(convert.RUN_STATES, request.state),
                                              offset, size)
        return pb.ListFactoryRunsResponse(runs=[convert.factory_run(r) for r in rows],
                                          page=convert.page_info(offset, len(rows), total))

    async def ListAssets(self, request: pb.ListAssetsRequest, context: grpc.aio.ServicerContext
                         ) -> pb.ListAssetsResponse:
        offset, size = convert.page(request.page)
        filters = {"market": request.market, "category": request.category, "language": request.language,
                   "touchpoint": request.touchpoint, "run_id": request.run_id,
                   "state": convert.name_of(convert.STATES, request.state),
                   "kind": convert.name_of(convert.KINDS, request.kind)}
        rows, total = await self._d.index.list(filters, offset, size)
        reviews = await self._d.index.reviews([r["asset_id"] for r in rows])
        return pb.ListAssetsResponse(assets=[convert.asset(r, reviews[r["asset_id"]]) for r in rows],
                                     page=convert.page_info(offset, len(rows), total))

    async def GetAsset(self, request: pb.GetAssetRequest, context: grpc.aio.ServicerContext) -> pb.GetAssetResponse:
        self._require_id(request.asset_id)
        return pb.GetAssetResponse(asset=await self._asset(request.asset_id))

    async def AssessAsset(self, request: pb.AssessAssetRequest, context: grpc.aio.ServicerContext
                          ) -> pb.AssessAssetResponse:
        self._require_id(request.asset_id)
        result, state = await self._d.assessor.assess(request.asset_id)
        return pb.AssessAssetResponse(assessment=convert.assessment(result), state=convert.STATES[state])

    async def ReviewAsset(self, request: pb.ReviewAssetRequest, context: grpc.aio.ServicerContext
                          ) -> pb.ReviewAssetResponse:
        v = Violations()
        v.require(request.asset_id, "asset_id")
        v.require(request.reviewer.strip(), "reviewer")
        v.require(request.reason.strip(), "reason", "is required: say why, it is kept in the audit trail")
        decision = convert.name_of(convert.DECISIONS, request.decision)
        if not decision:
            v.add("decision", "must be REVIEW_DECISION_APPROVE or REVIEW_DECISION_REJECT")
        v.raise_if_any()
        await self._d.index.review(request.asset_id, request.reviewer.strip(), decision, request.reason.strip())
        REVIEWS.labels(decision).inc()
        return pb.ReviewAssetResponse(asset=await self._asset(request.asset_id))

    async def PublishAsset(self, request: pb.PublishAssetRequest, context: grpc.aio.ServicerContext
                           ) -> pb.PublishAssetResponse:
        self._require_id(request.asset_id)
        expires = request.expires_at.ToDatetime(tzinfo=now_utc().tzinfo) if request.HasField("expires_at") else None
        if expires is not None and expires <= now_utc():
            v = Violations()
            v.add("expires_at", "is in the past")
            v.raise_if_any()
        await self._d.index.publish(request.asset_id, expires)
        PUBLISHED.inc()
        return pb.PublishAssetResponse(asset=await self._asset(request.asset_id))

    async def ChooseCreative(self, request: pb.ChooseCreativeRequest, context: grpc.aio.ServicerContext
                             ) -> pb.ChooseCreativeResponse:
        choice = await self._d.chooser.choose(ChoiceRequest(
            request.profile_id, request.touchpoint, request.market, request.language, request.category,
            tuple(request.exclude_asset_ids)))
        return pb.ChooseCreativeResponse(asset=convert.asset(choice.asset), reason=choice.reason,
                                         fallback=choice.fallback)

    async def RenderLookbook(self, request: pb.RenderLookbookRequest, context: grpc.aio.ServicerContext
                             ) -> pb.RenderLookbookResponse:
        book = await self._d.lookbooks.render(request.profile_id, request.touchpoint, request.language,
                                              request.max_items)
        return pb.RenderLookbookResponse(lookbook=_lookbook(book))

    async def GetBrandKit(self, request: pb.GetBrandKitRequest, context: grpc.aio.ServicerContext
                          ) -> pb.GetBrandKitResponse:
        return pb.GetBrandKitResponse(brand_kit=await self._d.brands.get_kit(request.brand_id))

    async def PutBrandKit(self, request: pb.PutBrandKitRequest, context: grpc.aio.ServicerContext
                          ) -> pb.PutBrandKitResponse:
        return pb.PutBrandKitResponse(brand_kit=await self._d.brands.put_kit(request.brand_kit))

    async def PutOccasionCalendar(self, request: pb.PutOccasionCalendarRequest, context: grpc.aio.ServicerContext
                                  ) -> pb.PutOccasionCalendarResponse:
        stored, revision = await self._d.brands.put_calendar(request.market, list(request.occasions))
        return pb.PutOccasionCalendarResponse(stored_count=stored, revision=revision)

    async def ListOccasions(self, request: pb.ListOccasionsRequest, context: grpc.aio.ServicerContext
                            ) -> pb.ListOccasionsResponse:
        return pb.ListOccasionsResponse(occasions=await self._d.brands.occasions(
            request.market, request.from_date, request.to_date))

    async def Translate(self, request: pb.TranslateRequest, context: grpc.aio.ServicerContext
                        ) -> pb.TranslateResponse:
        out = await self._d.translator.translate(request.text, request.source_language,
                                                 list(request.target_languages), request.brand_id,
                                                 request.max_chars, request.remember)
        return pb.TranslateResponse(translations=[
            pb.Translation(language=t.language, text=t.text, origin=ORIGINS[t.origin],
                           glossary_terms=list(t.glossary_terms), too_long=t.too_long) for t in out])

    async def ExportPersonalisations(self, request: pb.ExportPersonalisationsRequest,
                                     context: grpc.aio.ServicerContext) -> pb.ExportPersonalisationsResponse:
        books = await self._d.lookbooks.of(_profile_ids(request.subject))
        return pb.ExportPersonalisationsResponse(lookbooks=[_lookbook(b) for b in books])

    async def ErasePersonalisations(self, request: pb.ErasePersonalisationsRequest,
                                    context: grpc.aio.ServicerContext) -> pb.ErasePersonalisationsResponse:
        found, erased, files = await self._d.lookbooks.erase(_profile_ids(request.subject), request.subject.dry_run)
        receipt = common_pb2.StoreReceipt(
            store="creative.lookbooks", items_found=found, items_erased=erased,
            detail=f"lookbooks and personal renders (rows in lookbooks, creative_assets); {files} files removed")
        receipt.completed_at.FromDatetime(now_utc())
        return pb.ErasePersonalisationsResponse(receipts=[receipt])


def _lookbook(book: dict[str, Any]) -> pb.Lookbook:
    """A lookbook row joined with its asset row as a Lookbook."""
    return pb.Lookbook(lookbook_id=book["lookbook_id"], profile_id=book["profile_id"],
                       render=convert.asset(book["asset"]), product_ids=list(book["product_ids"]),
                       rendered_at=convert.ts(book["rendered_at"]))
