"""A report as people read it: per figure a heading, its definition, the headline numbers, a chart and a
table of the same numbers. The admin page draws these; the CSV export writes the same rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from scheduling.reports import charts
from scheduling.reports.figures import Ratio, Report, in_hours, spoken
from scheduling.reports.registry import FIGURES

DEFINITIONS = {
    "utilisation": "Booked minutes over open minutes. Open minutes: the practitioners' weekly hours on each day, "
    "less clinic closures and their time off. Booked minutes: the appointments' own time (start to end, without "
    "buffers) of bookings that took the time: confirmed, checked in, completed or no-show, not cancelled or "
    "holds. A seat of a group session counts its share of the session's time (a full session counts its time "
    "once). Not clipped to open time, so a visit booked outside the hours shows as more than 100%.",
    "no_shows": "No-shows over visits due. A visit is due once it has started: completed, checked in, no-show, "
    "or still confirmed after its start (nobody marked it).",
    "late_cancellations": "Cancellations the patient made later than the larger of the type's patient change "
    "cutoff and 24 hours before the start (the rule the patient's page uses), over all cancellations of "
    "bookings starting in the range.",
    "reasons": "Cancellations of bookings starting in the range by reason as typed (trimmed, lower case, no full "
    "stop; empty: no reason given), and by who cancelled.",
    "lead_time": "From booking to visit (start minus when it was booked) of the bookings that took the time: "
    "median, 90th percentile (nearest rank) and mean.",
}


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    definition: str
    summary: list[tuple[str, str]]
    columns: list[str]
    rows: list[list[str]]
    chart: str  # SVG markup, every value escaped (scheduling.reports.charts)


def shown_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else charts.percent(ratio)


def ratio_section(
    name: str, title: str, definition: str, part_label: str, whole_label: str, value: Ratio, *, headline: str = ""
) -> Section:
    bars = [(f"{d.day:%d %b}", d.ratio) for d in value.days]
    chart = charts.columns(
        f"chart-{name}",
        f"{title} per day",
        f"{part_label} over {whole_label}, per day: {shown_ratio(value.ratio)} over the range "
        f"({value.part} of {value.whole}). Days with nothing to divide by have no bar.",
        bars,
        maximum=max(1.0, *(ratio for _, ratio in bars if ratio is not None)) if value.whole else 1.0,
        shown=charts.percent,
    )
    return Section(
        name,
        title,
        definition,
        [(headline or title, shown_ratio(value.ratio)), (part_label, str(value.part)), (whole_label, str(value.whole))],
        ["Date", part_label, whole_label, title],
        [[d.day.isoformat(), str(d.part), str(d.whole), shown_ratio(d.ratio)] for d in value.days],
        chart,
    )


def sections(report: Report) -> list[Section]:
    lead = report.lead_time
    reasons = report.reasons
    found = [
        ratio_section(
            "utilisation",
            "Utilisation",
            DEFINITIONS["utilisation"],
            "Booked minutes",
            "Open minutes",
            report.utilisation,
        ),
        ratio_section("no_shows", "No-show rate", DEFINITIONS["no_shows"], "No-shows", "Visits due", report.no_shows),
        ratio_section(
            "late_cancellations",
            "Late cancellations",
            DEFINITIONS["late_cancellations"],
            "Late cancellations",
            "Cancellations",
            report.late_cancellations,
            headline="Share of cancellations",
        ),
        Section(
            "reasons",
            "Cancellations by reason",
            DEFINITIONS["reasons"],
            [("Cancellations", str(sum(r.total for r in reasons))), ("Reasons", str(len(reasons)))],
            ["Reason", "By the patient", "By staff", "Not recorded", "Total"],
            [[r.reason, str(r.by_patient), str(r.by_staff), str(r.by_nobody_recorded), str(r.total)] for r in reasons],
            charts.rows(
                "chart-reasons",
                "Cancellations by reason",
                "; ".join(f"{r.reason}: {r.total}" for r in reasons) or "No cancellations in this range.",
                [(r.reason, r.total) for r in reasons],
            ),
        ),
        Section(
            "lead_time",
            "Lead time",
            DEFINITIONS["lead_time"],
            [
                ("Bookings", str(lead.bookings)),
                ("Median", spoken(lead.median)),
                ("90th percentile", spoken(lead.p90)),
                ("Mean", spoken(lead.mean)),
            ],
            ["Booked ahead", "Bookings"],
            [[label, str(n)] for label, n in lead.buckets],
            charts.columns(
                "chart-lead-time",
                "Lead time: bookings by how far ahead they were made",
                f"Median {spoken(lead.median)}, 90th percentile {spoken(lead.p90)}; "
                + "; ".join(f"{label}: {n}" for label, n in lead.buckets),
                list(lead.buckets),
            ),
        ),
    ]
    for name, value in report.more:
        figure = FIGURES[name]
        found.append(ratio_section(name, figure.title, figure.definition, figure.part_label, figure.whole_label, value))
    return found


def csv_rows(report: Report) -> list[list[str]]:
    """One CSV of every figure, long form: figure, date (empty for the whole range), item, measure, value."""
    out = [["figure", "date", "item", "measure", "value"]]
    scope = [report.first_day.isoformat(), report.last_day.isoformat(), report.practitioner or "everyone"]
    out += [
        ["report", "", "", "from", scope[0]],
        ["report", "", "", "to", scope[1]],
        ["report", "", "", "practitioner", scope[2]],
    ]
    ratios = [
        ("utilisation", report.utilisation, "booked_minutes", "open_minutes"),
        ("no_shows", report.no_shows, "no_shows", "visits_due"),
        ("late_cancellations", report.late_cancellations, "late", "cancellations"),
        *((name, value, "part", "whole") for name, value in report.more),
    ]
    for name, value, part, whole in ratios:
        out += [[name, "", "", part, str(value.part)], [name, "", "", whole, str(value.whole)]]
        out.append([name, "", "", "ratio", "" if value.ratio is None else f"{value.ratio:.6f}"])
        for d in value.days:
            out += [
                [name, d.day.isoformat(), "", part, str(d.part)],
                [name, d.day.isoformat(), "", whole, str(d.whole)],
            ]
    for r in report.reasons:
        out += [
            ["reasons", "", r.reason, "by_patient", str(r.by_patient)],
            ["reasons", "", r.reason, "by_staff", str(r.by_staff)],
            ["reasons", "", r.reason, "not_recorded", str(r.by_nobody_recorded)],
        ]
    lead = report.lead_time
    out.append(["lead_time", "", "", "bookings", str(lead.bookings)])
    for measure, value in (("median_hours", lead.median), ("p90_hours", lead.p90), ("mean_hours", lead.mean)):
        hours = in_hours(value)
        out.append(["lead_time", "", "", measure, "" if hours is None else str(hours)])
    out += [["lead_time", "", label, "bookings", str(n)] for label, n in lead.buckets]
    return out


def spreadsheet_safe(cell: str) -> str:
    """A typed reason opening with = + - @ would run as a formula in a spreadsheet: quote it."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def csv_text(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in csv_rows(report))
    return out.getvalue()
