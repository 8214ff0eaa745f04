"""The reports a practice manager steers by ([reports](../../docs/reports.md)): `figures` (pure arithmetic),
`reading` (the rows, in a fixed number of queries), `registry` (figures of the apps built on the core),
`charts` (server-drawn SVG) and `csv_export`."""

from scheduling.reports.figures import Report
from scheduling.reports.reading import report

__all__ = ["Report", "report"]
