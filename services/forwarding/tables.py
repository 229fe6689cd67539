"""The forwarding service's tables: destinations, the durable delivery queue and log, dead letters, rules.

Bus events that are delivered on the first try never touch these tables (that is the fast path); a
delivery is written here when it must wait (retry, paused destination, open circuit, quiet hours) and for
every journey message, whose status is kept per message. Schema changes go through a new revision in
``migrations/versions/``.
"""

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from services.common.storage import JsonDocument, UtcDateTime, autoincrement_bigint, new_metadata

metadata = new_metadata()

destinations = Table(
    "destinations",
    metadata,
    Column("destination_id", String(64), primary_key=True),
    # The Destination proto as JSON (its config, mapping, policies), validated before it is stored.
    Column("spec", JsonDocument(), nullable=False),
    Column("state", String(16), nullable=False),
    Column("paused_reason", Text(), nullable=False),
    Column("revision", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# The queue and the log in one table: `id` orders a destination's deliveries (per-user order), a delivery
# leaves the queue by changing status, and its row stays as the delivery log.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", autoincrement_bigint(), primary_key=True, autoincrement=True),
    Column("delivery_id", String(64), nullable=False, unique=True),
    Column("destination_id", String(64), nullable=False),
    # "event" for bus events, "message" for journey messages.
    Column("kind", String(8), nullable=False),
    Column("channel", Integer, nullable=False),
    Column("category", Integer, nullable=False),
    Column("profile_id", String(255), nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("creative_id", String(255), nullable=False),
    Column("journey_id", String(255), nullable=False),
    Column("step_id", String(255), nullable=False),
    # Unique: a repeated SendMessage or a redelivered bus event finds the first row instead of a new one.
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("status", Integer, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text(), nullable=False),
    Column("last_response_code", Integer, nullable=False),
    Column("payload", JsonDocument(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("first_attempt_at", UtcDateTime(), nullable=True),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("deferred_until", UtcDateTime(), nullable=True),
    Column("delivered_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_deliveries_destination_id_status", "destination_id", "status"),
    Index("ix_deliveries_profile_id_channel", "profile_id", "channel"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("dead_letter_id", String(64), primary_key=True),
    Column("delivery_id", String(64), nullable=False),
    Column("destination_id", String(64), nullable=False),
    Column("profile_id", String(255), nullable=False),
    Column("error", Text(), nullable=False),
    Column("permanent", Boolean(), nullable=False),
    # "open", "replayed" or "discarded".
    Column("state", String(16), nullable=False),
    Column("replay_count", Integer, nullable=False),
    Column("dead_lettered_at", UtcDateTime(), nullable=False),
    Index("ix_dead_letters_destination_id", "destination_id"),
    Index("ix_dead_letters_delivery_id", "delivery_id"),
)

# Results of ReplayDeadLetters by replay id, so a repeated replay returns the first result.
replays = Table(
    "replays",
    metadata,
    Column("replay_id", String(128), primary_key=True),
    Column("replayed_count", BigInteger, nullable=False),
    Column("skipped_count", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

delivery_rules = Table(
    "delivery_rules",
    metadata,
    Column("market", String(16), primary_key=True),
    Column("spec", JsonDocument(), nullable=False),
    Column("revision", BigInteger, nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# One row per recipient, locked while a message is admitted, so two journeys sending to the same person at
# once are counted against the frequency caps one after the other.
recipient_locks = Table(
    "recipient_locks",
    metadata,
    Column("profile_id", String(255), primary_key=True),
    Column("touched_at", UtcDateTime(), nullable=False),
)
