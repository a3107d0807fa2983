"""Monthly client reports (PDF, XLSX, CSV): data (`data`), rendering (`render`, `charts`), writes
(`services`) and scoped reads (`selectors`; the client portal reads `selectors.reports_for_client`)."""
