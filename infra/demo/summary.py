"""The readable summary: one table per stage of the story, then where to look next."""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Console
from rich.table import Table

from infra.demo.governance import PURPOSES
from infra.demo.report import DemoReport, JourneyNumbers


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_header=True)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table


def _consent(report: DemoReport, console: Console) -> None:
    numbers = report.consent
    labels = sorted({name for counts in numbers.choices.values() for name in counts})
    table = _table(f"1. Consent ({numbers.records:,} records via SetConsent)", "market", *labels)
    for market, counts in sorted(numbers.choices.items()):
        table.add_row(market, *[str(counts.get(name, 0)) for name in labels])
    console.print(table)
    allowed = ", ".join(f"{p} {numbers.allowed.get(p, 0):,}" for p in PURPOSES)
    console.print(f"   consent service now allows, of {numbers.checked:,} customers: {allowed}")


def _ingestion(report: DemoReport, console: Console) -> None:
    table = _table(f"2-3. Data plan '{report.plan_id}' (revision {report.plan_revision}) and ingestion", "outcome",
                   "events")
    for status, count in sorted(report.statuses.items()):
        table.add_row(status, f"{count:,}")
    for kind, count in sorted(report.violations.items()):
        table.add_row(f"  violation: {kind}", f"{count:,}")
    table.add_row("[bold]sent", f"[bold]{report.events_sent:,}")
    console.print(table)
    rate = report.events_sent / report.ingest_seconds if report.ingest_seconds else 0
    console.print(f"   {report.events_sent:,} events in {report.ingest_seconds:.1f} s ({rate:,.0f} events/s, batches "
                  "of 500, each acknowledged only after JetStream stored it)")
    console.print(f"   Profiles: {report.profiles_matching_truth:,} of {report.profiles_checked:,} identified customers"
                  f" match the ground truth exactly (orders and revenue); {report.stitched:,} stitched from "
                  "anonymous browsing + sign-in + email")
    cats = _table("   Top categories per market (from profiles)", "market", "top 3 categories by orders")
    for market, top in report.top_categories.items():
        cats.add_row(market, ", ".join(f"{name} ({n})" for name, n in top))
    console.print(cats)
    names = sorted({s for _, s in report.segments})
    seg = _table("   Lifecycle segments (SegmentCustomer workflow on Temporal)", "market", *names)
    for market in sorted({m for m, _ in report.segments}):
        seg.add_row(market, *[str(report.segments.get((market, n), 0)) for n in names])
    console.print(seg)


def _model(report: DemoReport, console: Console) -> None:
    m = report.model
    table = _table(f"4. Model {m.name} v{m.version}: {m.status} (baseline: {m.baseline})", "metric", "model",
                   "baseline", "better")
    for name, value, baseline, higher in m.metrics:
        better = value > baseline if higher else value < baseline
        table.add_row(name, f"{value:.4f}", f"{baseline:.4f}", "yes" if better else "no")
    console.print(table)
    console.print(f"   trained on {m.training_rows:,} rows in {m.train_seconds:.0f} s; {m.excluded_by_consent:,} "
                  "customers left out for lack of profiling consent")
    console.print(f"   batch scoring: {m.profiles_scored:,} profiles scored, {m.profiles_skipped:,} skipped "
                  f"(consent or no data) of {m.profiles_total:,} in {m.score_seconds:.0f} s; written to identity "
                  f"as the predictive trait '{m.name}'; the journey branches on that trait (no online Score, so the "
                  "local stack runs without Ray Serve)")
    if m.scores:
        ordered = sorted(m.scores)
        mid = ordered[len(ordered) // 2]
        high = sum(1 for s in ordered if s >= 0.5)
        console.print(f"   on the journey's entrants: median score {mid:.2f}, {high} of {len(ordered)} at >= 0.5")


def _creative(report: DemoReport, console: Console) -> None:
    c = report.creative
    table = _table(f"5. Creative factory run {c.run_id} ({', '.join(c.categories)})", "director verdict", "assets")
    for verdict, count in c.verdicts.items():
        table.add_row(verdict, str(count))
    table.add_row("[bold]published banners", f"[bold]{c.published}")
    console.print(table)
    extra = f"; {c.approved_by_reviewer} approved by a reviewer" if c.approved_by_reviewer else ""
    console.print(f"   factory run took {c.seconds:.0f} s{extra}")


def _journey(report: DemoReport, console: Console) -> None:
    j = report.journey
    table = _table(f"6. Journey {j.journey_id} v{j.version}: {j.entered} customers entered via 'Cart Abandoned'",
                   "what happened", "customers")
    for group, count in sorted(j.groups.items()):
        table.add_row(f"group: {group}", str(count))
    if not j.path_customers:  # otherwise the goal table below shows the paths with their conversions
        for path, count in sorted(j.paths.items()):
            table.add_row(f"treated: {path}", str(count))
    table.add_row("messages accepted by forwarding", str(j.sends))
    table.add_row(f"[bold]delivered to the webhook sink ({j.destination_id})", f"[bold]{j.delivered}")
    console.print(table)
    if j.creatives:
        creatives = _table("   Creatives chosen by ChooseCreative", "creative", "messages")
        for name, count in j.creatives.most_common():
            creatives.add_row(name, str(count))
        console.print(creatives)
    if j.path_customers:
        _uplift(j, console)
    console.print(f"   journey stage took {j.seconds:.0f} s (waits of seconds; production journeys wait hours)")


def _uplift(j: JourneyNumbers, console: Console) -> None:
    table = _table(f"   Goal 'Order Completed' within the window: {j.orders} simulated customers ordered",
                   "path", "customers", "converted", "rate")
    for path, n in sorted(j.path_customers.items(), key=lambda kv: (kv[0] != "holdout", kv[0])):
        converted = j.conversions[path]
        table.add_row(path, str(n), str(converted), f"{converted / n:.0%}" if n else "-")
    console.print(table)
    u = j.uplift
    if u is None:
        return
    verdict = ("the interval excludes zero" if u.significant
               else "the interval includes zero: too few customers to be sure")
    console.print(f"   uplift of treatment over holdout: {u.uplift:+.1%} "
                  f"({u.treated_rate:.0%} of {u.treated} vs {u.holdout_rate:.0%} of {u.holdout}); "
                  f"95% interval {u.ci_low:+.1%} to {u.ci_high:+.1%}, {verdict}")


def _next_steps(report: DemoReport, console: Console, env: Mapping[str, str], prometheus: str) -> None:
    timings = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in report.stage_seconds.items())
    console.print(f"Stage times: {timings}")
    home = env.get("LOOM_HOME", ".loom")
    console.print("Where to look next:")
    console.print(f"  logs           {home}/logs/<component>.log   (python -m infra.local logs worker)")
    console.print(f"  metrics        {prometheus}  e.g. loom_journeys_sends_total, loom_ingestion_violations_total")
    console.print("  status         loom status;  loom models list;  loom journeys stats demo-cart-recovery")
    console.print("  the data       loom plans get demo-shop;  loom consent show --id user_id:cust-000001")


def summary(report: DemoReport, console: Console, env: Mapping[str, str] | None = None,
            prometheus: str = "http://127.0.0.1:9090") -> None:
    """Prints the readable summary."""
    console.rule("[bold]Loom demo summary")
    _consent(report, console)
    _ingestion(report, console)
    if report.model.name:
        _model(report, console)
    if report.creative.run_id:
        _creative(report, console)
    if report.journey.journey_id:
        _journey(report, console)
    _next_steps(report, console, env or {}, prometheus)
