"""The three files of a report, from one `ReportData`: CSV (one row per process × metric × day,
plus the monthly rows), XLSX (a summary sheet and one sheet per process, real numbers with
number formats) and PDF (an HTML template with inline SVG charts, rendered by WeasyPrint)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from bpo_portal import exports, metrics, units
from reporting import kpis
from sla.reports import charts
from sla.reports.data import FLOAT_COMPONENTS, ReportData, fmt_count, formula, money

CSV_COLUMNS = [
    "client",
    "process",
    "period",
    "date",
    "metric",
    "unit",
    "value",
    "comparator",
    "target",
    "met",
    "status",
    "credit_percent",
    "kpi_definition_version",
]


CREDIT_IF_MISSED = "Credit if missed (% of fee)"
CREDIT_OWED = "Credit owed (% of fee)"


def _currency(client) -> str:
    return getattr(client, "currency", None) or units.DEFAULT_CURRENCY


def _component_value(name, value):
    return round(value, 2) if name in FLOAT_COMPONENTS else int(value)


def write_csv(data: ReportData, path: Path) -> None:
    """Monthly rows first (figures with their SLA target and status, then components), then one
    row per process × metric × day. Values are plain numbers at the published precision (2
    decimals): seconds for durations, percents for rates (`unit` says which); the comparator is
    the machine form (`>=`, `<=`)."""
    version = data.kpi_definition_version
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = exports.SafeCsvWriter(handle)  # text cells neutralised against formula injection
        writer.writerow(CSV_COLUMNS)
        month = f"{data.month:%Y-%m}"
        code = data.client.code
        for section in data.sections:
            process = section.process.code
            for definition in section.metrics:
                metric = definition.key
                target = section.target_for(metric)
                row = [
                    code,
                    process,
                    "month",
                    month,
                    metric,
                    units.CSV_UNITS[definition.unit],
                    _csv_number(section.figures[metric]),
                ]
                if target is None:
                    row += ["", "", "", "", ""]
                else:
                    row += [
                        target.target.comparator,
                        _csv_number(float(target.target.target)),
                        "" if target.met is None else str(target.met).lower(),
                        target.status,
                        _csv_number(float(target.target.credit_percent)),
                    ]
                writer.writerow(row + [version])
            for name in kpis.COMPONENTS:
                value = _component_value(name, section.components[name])
                writer.writerow([code, process, "month", month, name, "", value, "", "", "", "", "", version])
        for section in data.sections:
            process = section.process.code
            for day in section.days:
                iso = day.day.isoformat()
                for definition in section.metrics:
                    metric, unit = definition.key, units.CSV_UNITS[definition.unit]
                    value = _csv_number(day.figures[metric])
                    row = [code, process, "day", iso, metric, unit, value, "", "", "", "", ""]
                    writer.writerow(row + [version])
                for name in kpis.COMPONENTS:
                    value = _component_value(name, day.components[name])
                    writer.writerow([code, process, "day", iso, name, "", value, "", "", "", "", "", version])


def _csv_number(value):
    return units.csv_number(value)


# --- XLSX ---------------------------------------------------------------------------------------------

COUNT_FORMAT = units.XLSX_COUNT


def _figure_cell(cell, value, unit):
    """A figure as a real number with its number format (bpo_portal.units: durations as Excel
    durations, percentages as Excel percentages)."""
    cell.value, cell.number_format = units.xlsx_cell(value, unit)
    return cell


def _percent_cell(cell, value):
    return _figure_cell(cell, None if value is None else float(value), units.PERCENT)


@dataclass(frozen=True)
class _Style:
    """The few styles of the workbook (openpyxl is imported only when a workbook is written)."""

    bold: object
    header_fill: object
    wrap: object
    status_fill: dict

    @classmethod
    def make(cls) -> _Style:
        from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415 - a heavy library, loaded only when a report is written

        return cls(
            bold=Font(bold=True),
            header_fill=PatternFill("solid", fgColor="E9ECEF"),
            wrap=Alignment(wrap_text=True, vertical="top"),
            status_fill={
                "met": PatternFill("solid", fgColor="D1E7DD"),
                "missed": PatternFill("solid", fgColor="F8D7DA"),
                "at_risk": PatternFill("solid", fgColor="FFF3CD"),
            },
        )

    def header(self, ws, row, values) -> None:
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.font = self.bold
            cell.fill = self.header_fill
            cell.alignment = self.wrap

    def status(self, cell, status) -> None:
        if status in self.status_fill:
            cell.fill = self.status_fill[status]


def write_xlsx(data: ReportData, path: Path) -> None:
    """A summary sheet (targets, statuses, credits, traceability) and one sheet per process
    (settings, targets, monthly figures, and the daily components and figures)."""
    from openpyxl import Workbook  # noqa: PLC0415 - a heavy library, loaded only when a report is written

    style = _Style.make()
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    row = _summary_info(ws, data, style)
    _summary_targets(ws, data, style, row)
    for section in data.sections:
        sheet = wb.create_sheet(section.process.code[:31])
        row = _process_settings(sheet, section, style)
        row = _process_figures(sheet, section, style, row)
        _process_days(sheet, section, style, row)
    exports.save_workbook(wb, path)  # every text cell stored as a string, none as a formula


def _summary_info(ws, data: ReportData, style: _Style) -> int:
    """The title and the facts of the report (period, versions, counts, credits); returns the
    row below them."""
    from openpyxl.styles import Font  # noqa: PLC0415 - a heavy library, loaded only when a report is written

    currency = _currency(data.client)
    # Text cells are strings, never formulas (bpo_portal.exports): a client name "=HYPERLINK(…)"
    # is shown as typed.
    exports.xlsx_text(ws["A1"], f"{data.client.name}: SLA report {data.month_label}")
    ws["A1"].font = Font(bold=True, size=14)
    computed = data.figures_computed_at
    cap, fee, amount = data.client.credit_cap_percent, data.client.monthly_fee, data.credits.amount
    info = [
        ("Client", data.client.code),
        ("Month", f"{data.month:%Y-%m}"),
        ("Period", f"{data.start.isoformat()} to {data.end.isoformat()} (local days of each process)"),
        ("KPI definition version", data.kpi_definition_version),
        ("Figures computed at (newest)", computed.replace(tzinfo=None) if computed else None),
        ("Report built at (UTC)", data.built_at.replace(tzinfo=None)),
        ("Targets met", data.met_count),
        ("Targets missed", data.missed_count),
        ("Targets without data", data.undefined_count),
        ("Service credit owed (% of fee, before cap)", float(data.credits.owed_percent)),
        ("Client credit cap (% of fee)", None if cap is None else float(cap)),
        ("Service credit (% of fee)", float(data.credits.capped_percent)),
        ("Currency (ISO 4217)", currency),
        ("Monthly fee", None if fee is None else float(fee)),
        ("Service credit amount", None if amount is None else float(amount)),
    ]
    for offset, (label, value) in enumerate(info, start=3):
        ws.cell(row=offset, column=1, value=label).font = style.bold
        cell = ws.cell(row=offset, column=2, value=value)
        if "%" in label:
            _percent_cell(cell, value)
        elif label.startswith("Monthly fee") or label.endswith("amount"):
            cell.number_format = units.xlsx_money_format(currency)
        elif "at" in label and value is not None and not isinstance(value, str | int):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return len(info) + 5


SUMMARY_COLUMNS = ["Process", "Metric", "Comparator", "Target", "Actual", "Gap", "Met", "Status"]


def _summary_targets(ws, data: ReportData, style: _Style, row: int) -> None:
    """Every target of every process: goal, actual, gap, status and credit."""
    style.header(ws, row, [*SUMMARY_COLUMNS, CREDIT_IF_MISSED, CREDIT_OWED])
    for section in data.sections:
        for t in section.targets:
            row += 1
            unit = metrics.unit(t.metric)
            values = [
                section.process.code,
                metrics.label(t.metric),
                units.comparator(t.target.comparator),
                None,
                None,
                None,
                None if t.met is None else ("yes" if t.met else "no"),
                t.status,
            ]
            for col, value in enumerate(values, start=1):
                ws.cell(row=row, column=col, value=value)
            _figure_cell(ws.cell(row=row, column=4), float(t.target.target), unit)
            _figure_cell(ws.cell(row=row, column=5), t.actual, unit)
            gap = ws.cell(row=row, column=6)
            gap.value, gap.number_format = units.xlsx_gap_cell(t.gap, unit)
            _percent_cell(ws.cell(row=row, column=9), t.target.credit_percent)
            _percent_cell(ws.cell(row=row, column=10), t.target.credit_percent if t.met is False else None)
            style.status(ws.cell(row=row, column=8), t.status)
    ws.column_dimensions["A"].width = 42
    for letter in "BCDEFGHIJ":
        ws.column_dimensions[letter].width = 16


def _process_settings(sheet, section, style: _Style) -> int:
    """A process sheet's title and the settings its figures follow; returns the next row."""
    from openpyxl.styles import Font  # noqa: PLC0415 - a heavy library, loaded only when a report is written

    exports.xlsx_text(sheet["A1"], f"{section.process.code} — {section.process.name}")
    sheet["A1"].font = Font(bold=True, size=13)
    r = 3
    for label, value in section.settings:
        sheet.cell(row=r, column=1, value=label).font = style.bold
        exports.xlsx_value(sheet.cell(row=r, column=2), value)
        r += 1
    return r + 1


FIGURE_COLUMNS = ["Metric", "Value (month)", "Formula", "Comparator", "Target", "Met", "Status"]


def _process_figures(sheet, section, style: _Style, r: int) -> int:
    """The month's figures of a process with their formula in words and their target; returns
    the last row written."""
    style.header(sheet, r, [*FIGURE_COLUMNS, CREDIT_IF_MISSED, CREDIT_OWED])
    for definition in section.metrics:
        metric, unit = definition.key, definition.unit
        r += 1
        t = section.target_for(metric)
        sheet.cell(row=r, column=1, value=definition.label)
        _figure_cell(sheet.cell(row=r, column=2), section.figures[metric], unit)
        sheet.cell(row=r, column=3, value=formula(metric, section.process))
        if t is not None:
            sheet.cell(row=r, column=4, value=units.comparator(t.target.comparator))
            _figure_cell(sheet.cell(row=r, column=5), float(t.target.target), unit)
            sheet.cell(row=r, column=6, value=None if t.met is None else ("yes" if t.met else "no"))
            sheet.cell(row=r, column=7, value=t.status)
            _percent_cell(sheet.cell(row=r, column=8), t.target.credit_percent)
            _percent_cell(sheet.cell(row=r, column=9), t.target.credit_percent if t.met is False else None)
            style.status(sheet.cell(row=r, column=7), t.status)
    return r


def _component_cell(cell, name: str):
    cell.number_format = units.XLSX_DECIMAL if name in FLOAT_COMPONENTS else COUNT_FORMAT
    return cell


def _process_days(sheet, section, style: _Style, r: int) -> None:
    """The daily components and figures of a process, then the month's sums (the appendix:
    each monthly figure recomputes from these columns), with a filter and frozen headers."""
    from openpyxl.utils import get_column_letter  # noqa: PLC0415 - a heavy library, loaded only when a report is written

    figure_names = [m.key for m in section.metrics]
    r += 2
    columns = ["Date", *kpis.COMPONENTS, *figure_names]
    style.header(sheet, r, columns)
    sheet.freeze_panes = sheet.cell(row=r + 1, column=2)
    first_day_row = r + 1
    for day in section.days:
        r += 1
        sheet.cell(row=r, column=1, value=day.day).number_format = "yyyy-mm-dd"
        for col, name in enumerate(kpis.COMPONENTS, start=2):
            _component_cell(sheet.cell(row=r, column=col, value=day.components[name]), name)
        for col, name in enumerate(figure_names, start=2 + len(kpis.COMPONENTS)):
            _figure_cell(sheet.cell(row=r, column=col), day.figures[name], metrics.unit(name))
    r += 1
    sheet.cell(row=r, column=1, value="Month").font = style.bold
    for col, name in enumerate(kpis.COMPONENTS, start=2):
        _component_cell(sheet.cell(row=r, column=col, value=section.components[name]), name).font = style.bold
    for col, name in enumerate(figure_names, start=2 + len(kpis.COMPONENTS)):
        _figure_cell(sheet.cell(row=r, column=col), section.figures[name], metrics.unit(name)).font = style.bold
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 14
    for col in range(4, len(columns) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 12
    sheet.auto_filter.ref = f"A{first_day_row - 1}:{get_column_letter(len(columns))}{r - 1}"


# --- PDF ----------------------------------------------------------------------------------------------


def _target_row(t) -> dict:
    """A target's row as printed: the credit rate it carries if missed, and the credit owed only
    where it is missed (a met target owes nothing)."""
    unit = metrics.unit(t.metric)
    credit = units.percent(t.target.credit_percent, exact=True) if t.target.credit_percent else units.DASH
    return {
        "metric": metrics.label(t.metric),
        "code": t.metric,
        "goal": units.target(t.target.comparator, t.target.target, unit),
        "actual": units.figure(t.actual, unit),
        "gap": units.gap(t.gap, unit),
        "projected": units.figure(t.projected, unit) if t.is_current else None,
        "status": t.status,
        "label": t.label,
        "credit_if_missed": credit,
        "credit_owed": credit if t.met is False and t.target.credit_percent else units.DASH,
    }


APPENDIX_COLUMNS = [
    ("offered", "Offered"),
    ("received", "Received"),
    ("short_abandoned", "Short ab."),
    ("abandoned", "Aband."),
    ("answered", "Answered"),
    ("answered_within", "Ans. within"),
    ("abandoned_within", "Ab. within"),
    ("handled", "Handled"),
    ("handle_seconds", "Handle s"),
    ("wait_seconds", "Wait s"),
    ("sl_numerator", "SL num."),
    ("sl_denominator", "SL den."),
    ("fcr_eligible", "FCR elig."),
    ("fcr_resolved", "FCR res."),
    ("csat_responses", "CSAT resp."),
    ("csat_top2", "CSAT top2"),
    ("csat_sum", "CSAT sum"),
    ("qa_count", "QA n"),
    ("qa_sum", "QA sum"),
    ("tat_items", "TAT items"),
    ("tat_within", "TAT within"),
]


def _pdf_charts(section) -> list[dict]:
    """The trend charts of a process: each targeted figure per day against its target (or the
    process's headline figure), as inline SVG."""
    labels = [str(d.day.day) for d in section.days]
    chart_list = []
    for metric in section.chart_metrics:
        target = section.target_for(metric)
        unit = metrics.unit(metric)
        svg = charts.line_chart(
            labels,
            [d.figures[metric] for d in section.days],
            unit=unit,
            target=float(target.target.target) if target else None,
        )
        title = f"{metrics.label(metric)} per day" + (
            f" (target {units.target(target.target.comparator, target.target.target, unit)})" if target else ""
        )
        chart_list.append({"title": title, "svg": mark_safe(svg)})  # noqa: S308 - generated here from numbers
    return chart_list


def _pdf_section(section) -> dict:
    """One process's part of the PDF: settings, targets, figures with their words, volumes,
    charts, QA and the appendix of daily components."""
    labels = [str(d.day.day) for d in section.days]
    volume_name = kpis.volume_name(section.process.channel)
    volume = charts.bar_chart(labels, [d.components[volume_name] for d in section.days])
    components = section.components
    # Only the counts that apply to the work the process has (KPI channel rules): a back-office
    # process has no offered calls; a voice process receives back-office items only when work
    # items were completed in it.
    channels = section.channels
    appendix = _appendix_text(
        [d.day.isoformat() for d in section.days] + ["Month"],
        [[fmt_count(_component_value(n, d.components[n])) for n, _ in APPENDIX_COLUMNS] for d in section.days]
        + [[fmt_count(_component_value(n, components[n])) for n, _ in APPENDIX_COLUMNS]],
    )
    return {
        "process": section.process,
        "settings": section.settings,
        "targets": [_target_row(t) for t in section.targets],
        "figures": [
            {"label": m.label, "value": m.format(section.figures[m.key]), "formula": m.words(section.process)}
            for m in section.metrics
        ],
        "volume_rows": [
            (m.label, units.count(components[m.key]))
            for m in metrics.select(*metrics.COUNTS)
            if m.key in components and m.applies(channels)
        ],
        "charts": _pdf_charts(section),
        "volume_title": (
            "Back-office items received per day"
            if volume_name == "received"
            else "Offered contacts per day (calls, chats, emails)"
        ),
        "volume_svg": mark_safe(volume),  # noqa: S308 - generated here from numbers
        "qa": (
            {"score": units.score(section.figures["qa_score"]), "count": units.count(components["qa_count"])}
            if section.qa_available
            else None
        ),
        "appendix": appendix,
        "sl_words": formula("service_level", section.process),
        "is_current": section.month.is_current,
    }


def _pdf_credits(data: ReportData) -> dict:
    """The service credits as printed: owed, capped, the cap, the amount in the contract's currency."""
    credits, client = data.credits, data.client
    currency = _currency(client)
    return {
        "owed": units.percent(credits.owed_percent, exact=True),
        "capped": units.percent(credits.capped_percent, exact=True),
        "cap": None if client.credit_cap_percent is None else units.percent(client.credit_cap_percent, exact=True),
        "cap_applied": credits.cap_applied,
        "amount": money(credits.amount, currency),
        "fee": money(client.monthly_fee, currency),
        "currency": currency,
        "any_owed": credits.owed_percent > 0,
    }


def pdf_context(data: ReportData, *, version_number: int | None = None) -> dict:
    """Everything the PDF template prints, already formatted (the template only lays it out)."""
    sections = [_pdf_section(section) for section in data.sections]
    return {
        "data": data,
        "client": data.client,
        "sections": sections,
        "version_number": version_number,
        "appendix_columns": [label for _, label in APPENDIX_COLUMNS],
        "credits": _pdf_credits(data),
        "summary_rows": [{"process": s["process"].code, **t} for s in sections for t in s["targets"]],
    }


def _appendix_text(days: list[str], rows: list[list[str]]) -> str:
    """The daily components as monospaced columns: a wide table laid out as text renders in a
    fraction of the time of an HTML table, and reads back identically with pdftotext."""
    headers = ["Day", *[label for _, label in APPENDIX_COLUMNS]]
    table = [headers] + [[day, *values] for day, values in zip(days, rows, strict=True)]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row[1:], start=1)]
        line = " ".join(cells)
        if index == 0 or index == len(table) - 1:
            lines.append("-" * len(line) if index else line)
            if index:
                lines.append(line)
            continue
        lines.append(line)
    return "\n".join(lines)


def write_pdf(data: ReportData, path: Path, *, version_number: int | None = None) -> None:
    from weasyprint import HTML  # noqa: PLC0415 - a heavy library, loaded only when a report is written

    # WeasyPrint logs every layout step at INFO; keep the worker log about our work.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    html = render_to_string("sla/pdf/report.html", pdf_context(data, version_number=version_number))
    HTML(string=html, base_url=str(path.parent)).write_pdf(str(path))


def interactions_url(process_code: str, start, end) -> str:
    """The interaction list behind a figure (staff only; KPIS.md period = local days)."""
    return (
        reverse("dashboards:interactions")
        + f"?process={process_code}&period=custom&start={start.isoformat()}&end={end.isoformat()}"
    )
