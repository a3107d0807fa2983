"""Monthly client reports (PDF, XLSX, CSV): data (`data`), rendering (`render`, `charts`), writes
(`services`) and scoped reads (`selectors`). The client portal imports `reports_for_client`."""


def reports_for_client(*, user, client):
    """The client's reports with a downloadable version, newest month first (scoped to `user`)."""
    from sla.reports.selectors import reports_for_client as select

    return select(user=user, client=client)
