"""The interaction import's format (IMPORT_FORMAT.md): its columns."""

COLUMNS = (
    "external_id",
    "process",
    "agent",
    "channel",
    "direction",
    "customer_ref",
    "arrived_at",
    "answered_at",
    "ended_at",
    "talk_seconds",
    "hold_seconds",
    "wrap_seconds",
    "abandoned",
    "resolved",
    "csat",
    "disposition",
)
REQUIRED_COLUMNS = ("external_id", "process", "arrived_at")
