"""What each role may do with the KPI engine's figures (accounts.permissions): every role reads
KPIs, each within its scope."""

from accounts.permissions import ALL_ROLES, register_capabilities

register_capabilities({"kpis.view": ALL_ROLES})
