"""Lists the specs fix, written down from the spec files rather than taken from the code, for the
black-box tests: the import's columns (IMPORT_FORMAT.md, "Fields", in the table's order) and the
figures of `GET /api/v1/kpis/` (API.md)."""

IMPORT_COLUMNS = [
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
]

KPI_COUNTS = ["offered", "received", "answered", "abandoned", "short_abandoned", "handled"]
KPI_RATES = ["aht", "asa", "abandon_rate", "service_level", "fcr", "csat", "csat_mean", "qa_score", "tat_compliance"]
KPI_FIGURES = KPI_COUNTS + KPI_RATES
