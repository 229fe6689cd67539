"""JourneyWorkflow: one customer in one pinned version of a journey spec, interpreted step by step.

Every step type runs here; calls to Loom services are local activities (short gRPC calls whose retries stay
on the worker, so a journey costs a few history events instead of three per call). Sends carry an
idempotency key made of the workflow id, run id and step id: a worker that dies after a send and replays
repeats the call, and forwarding returns the first delivery instead of sending twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import workflows.journeys.rules as rules  # a submodule via "from pkg import" would load in the sandbox
    from workflows.journeys.spec import JourneySpec, Step, parse_spec
    from workflows.journeys.types import (
        EVENT_SIGNAL,
        ConsentAnswer,
        ConsentRequest,
        JourneyEvent,
        JourneyInput,
        JourneyOutcome,
        LocalTimeRequest,
        PredictedTime,
        PredictRequest,
        ProfileView,
        SendRequest,
        SendResult,
        TraitUpdate,
    )

CALL_TIMEOUT = timedelta(seconds=30)
CALL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=30),
                         maximum_attempts=20, non_retryable_error_types=["InvalidArgument"])
# Steps a customer may pass in one run; the spec is acyclic, so this only guards against a corrupt input.
MAX_STEPS = 200


# Not sandboxed: profiling the 3-step benchmark showed the sandbox's per-activation work (restricted module
# proxies, a fresh module load per run) as the largest cost of a journey, about as much as Temporal itself.
# The sandbox guards workflow *code* written by many hands; this workflow's code is one small interpreter of
# spec data (authors write specs, never workflow code), so determinism is guarded where it matters: the
# interpreter keeps to workflow.now()/hash-based choices and the replay tests of saved histories
# (tests/integration/test_journeys_durability.py) fail on any non-deterministic change.
@workflow.defn(name="JourneyWorkflow", sandboxed=False)
class JourneyWorkflow:
    """Interprets a journey spec for one customer; events arrive as ``event`` signals."""

    def __init__(self) -> None:
        self._spec: JourneySpec | None = None
        self._pending: list[JourneyEvent] = []
        self._seen: set[str] = set()
        self._arrivals: dict[str, int] = {}
        self._exit_reason: str | None = None
        self._converted = False
        self._goal_deadline: datetime | None = None
        self._current = ""
        # True once the journey waited since the profile was last read (the profile may be stale).
        self._waited = False

    @workflow.signal(name=EVENT_SIGNAL)
    def on_event(self, event: JourneyEvent) -> None:
        """Takes a customer event; the bus redelivers, so a message id counts once."""
        if event.message_id in self._seen:
            return
        self._seen.add(event.message_id)
        if self._spec is None:
            self._pending.append(event)  # signal-with-start delivers the signal before run() parses the spec
        else:
            self._absorb(event)

    @workflow.query(name="state")
    def state(self) -> dict[str, Any]:
        """Where the customer is: current step, conversion, exit reason."""
        return {"step": self._current, "converted": self._converted, "exit_reason": self._exit_reason}

    def _absorb(self, event: JourneyEvent) -> None:
        spec = self._spec
        assert spec is not None
        self._arrivals[event.name] = self._arrivals.get(event.name, 0) + 1
        if event.name == spec.goal_event and self._goal_deadline and workflow.now() <= self._goal_deadline:
            self._converted = True
            if spec.exit_on_goal and self._exit_reason is None:
                self._exit_reason = "goal"
        if spec.exits_on(event.name) and self._exit_reason is None:
            # Only specs with exit.audiences can take the new branch, so replaying older runs is unchanged.
            self._exit_reason = "exit_event" if event.name in spec.exit_events else "audience_exit"

    async def _pause(self, delay: timedelta, until: Any = None) -> bool:
        """Sleeps ``delay`` unless the customer exits (or ``until`` holds) first; True when interrupted."""
        if self._exit_reason is not None:
            return True
        if delay <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(
                lambda: self._exit_reason is not None or (until is not None and until()), timeout=delay)
            return True
        except TimeoutError:
            return False

    async def _call(self, name: str, arg: Any, result_type: type) -> Any:
        return await workflow.execute_local_activity(
            name, arg, start_to_close_timeout=CALL_TIMEOUT, retry_policy=CALL_RETRY, result_type=result_type)

    @workflow.run
    async def run(self, params: JourneyInput) -> JourneyOutcome:
        """Runs the journey and then the rest of the goal's conversion window, and records the outcome."""
        spec = parse_spec(params.spec)
        info = workflow.info()
        entered = workflow.now()
        self._goal_deadline = entered + spec.goal_window
        self._spec = spec
        if params.entry is not None:
            self._seen.add(params.entry.message_id)
        for event in self._pending:
            if params.entry is None or event.message_id != params.entry.message_id:
                self._absorb(event)
        self._pending.clear()
        group = rules.measurement_group(params.user_id, spec.id, spec.holdout_percent,
                                        params.global_control_percent)
        outcome = JourneyOutcome(journey_id=spec.id, version=params.version, user_id=params.user_id,
                                 workflow_id=info.workflow_id, run_id=info.run_id, group=group,
                                 entered_at=entered.isoformat())
        profile: ProfileView = await self._call("journeys.get_profile", params.user_id, ProfileView)
        if not profile.found:
            outcome.exit_reason = "not_found"
        elif group == "treatment":
            await self._walk(spec, params, profile, outcome)
        # Holdout and treatment are measured over the same window, so their conversion rates compare.
        if spec.goal_event and not self._converted:
            remaining = self._goal_deadline - workflow.now()
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(lambda: self._converted, timeout=remaining)
                except TimeoutError:
                    pass
        outcome.converted = self._converted
        if outcome.exit_reason != "not_found":
            outcome.exit_reason = self._exit_reason or "completed"
        outcome.finished_at = workflow.now().isoformat()
        await self._call("journeys.record_outcome", outcome, type(None))
        if spec.reentry == "cooldown":
            # The run stays open until the cooldown ends; signal-with-start then reaches it, not a new run.
            await workflow.sleep(max(timedelta(0), entered + spec.reentry_cooldown - workflow.now()))
        return outcome

    async def _walk(self, spec: JourneySpec, params: JourneyInput, profile: ProfileView,
                    outcome: JourneyOutcome) -> None:
        step_id: str | None = spec.steps[0].id
        for _ in range(MAX_STEPS):
            if step_id is None or self._exit_reason is not None:
                return
            step = spec.step(step_id)
            self._current = step.id
            step_id, profile = await self._execute(step, spec, params, profile, outcome)

    async def _execute(self, step: Step, spec: JourneySpec, params: JourneyInput, profile: ProfileView,
                       outcome: JourneyOutcome) -> tuple[str | None, ProfileView]:
        """Runs one step; returns the next step id (None ends the journey) and the profile as now known."""
        if step.type == "exit":
            return None, profile
        if step.type.startswith("wait"):
            self._waited = True
        if step.type == "wait":
            assert step.duration is not None
            await self._pause(step.duration)
        elif step.type == "wait_until_local_time":
            target: str = await self._call("journeys.next_local_time", LocalTimeRequest(
                workflow.now().isoformat(), step.local_time, profile.timezone, spec.default_timezone), str)
            await self._pause(datetime.fromisoformat(target) - workflow.now())
        elif step.type == "wait_until_predicted":
            await self._pause(await self._predicted_delay(step, profile))
        elif step.type == "wait_for_event":
            assert step.timeout is not None
            before = self._arrivals.get(step.event, 0)
            await self._pause(step.timeout, lambda: self._arrivals.get(step.event, 0) > before)
            if self._arrivals.get(step.event, 0) <= before:
                return step.on_timeout, profile
        elif step.type == "branch":
            profile = await self._call("journeys.get_profile", params.user_id, ProfileView)
            self._waited = False
            purposes = sorted({p for cond, _ in step.branches for p in rules.consent_purposes(cond)})
            consent: dict[str, bool] = {}
            if purposes:
                answer = await self._call("journeys.check_consent",
                                          ConsentRequest(params.user_id, profile.market, purposes), ConsentAnswer)
                consent = answer.allowed
            for condition, following in step.branches:
                if rules.evaluate(condition, profile, consent):
                    return following, profile
        elif step.type == "split":
            outcome.variant, following = rules.choose_variant(params.user_id, spec.id, step.id, step.variants)
            return following, profile
        elif step.type == "send":
            if self._waited and workflow.patched("refresh-profile-before-send"):
                # A customer may move market or zone during a long wait; the creative follows the profile.
                profile = await self._call("journeys.get_profile", params.user_id, ProfileView)
                self._waited = False
            info = workflow.info()
            request = SendRequest(
                idempotency_key=f"{info.workflow_id}-{info.run_id}-{step.id}", journey_id=spec.id,
                step_id=step.id, profile_id=profile.profile_id, channel=step.channel, touchpoint=step.touchpoint,
                category=step.category, market=profile.market, transactional=step.transactional)
            result: SendResult = await self._call("journeys.send_message", request, SendResult)
            if result.status in ("queued", "deferred", "delivered"):
                outcome.sends += 1
        elif step.type == "update_trait":
            info = workflow.info()
            update = TraitUpdate(profile_id=profile.profile_id, traits=step.traits, source=f"journey:{spec.id}",
                                 idempotency_key=f"{info.workflow_id}-{info.run_id}-{step.id}")
            await self._call("journeys.update_traits", update, type(None))
        return step.next, profile

    async def _predicted_delay(self, step: Step, profile: ProfileView) -> timedelta:
        """How long until the model's predicted moment (plus offset), capped; the fallback without one."""
        assert step.fallback is not None and step.max_wait is not None
        predicted: PredictedTime = await self._call(
            "journeys.predict_time", PredictRequest(profile.profile_id, step.model), PredictedTime)
        if not predicted.found:
            return step.fallback
        delay = datetime.fromisoformat(predicted.expected_at) + step.offset - workflow.now()
        return min(max(delay, timedelta(0)), step.max_wait)
