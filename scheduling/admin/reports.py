"""The admin's reports page: every figure for a range of days and a practitioner (or everyone), each as a
heading, its definition, a server-drawn chart and a table of the same numbers, and one CSV of them all.

A GET form, so a report is a bookmark. It needs `scheduling.view_reports`; staff who do not see every
practitioner see their own practitioner's figures only (scheduling/roles.py). Reports are aggregates with
no patient in them, so nothing is recorded in the log of reads of patient data."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from scheduling import clinic_time, reports
from scheduling.reports import reading, tables

VIEW_REPORTS = "scheduling.view_reports"
EVERYONE = ""


class ReportForm(forms.Form):
    # "from" is a Python keyword: the field is named in __init__.
    to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
    )
    practitioner = forms.ChoiceField(required=False)

    def __init__(self, data, *, practitioners, **kwargs):
        super().__init__(data, **kwargs)
        self.fields = {
            "from": forms.DateField(
                required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}), input_formats=["%Y-%m-%d"]
            ),
            **self.fields,
        }
        choices = [(p.slug, p.name) for p in practitioners]
        self.fields["practitioner"].choices = [(EVERYONE, "Everyone"), *choices] if len(choices) != 1 else choices

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            cleaned["first_day"], cleaned["last_day"] = reading.days_asked(
                cleaned.get("from"), cleaned.get("to"), clinic_time.today()
            )
        except reading.RangeRefused as refused:
            self.add_error(refused.field, refused.message)
        return cleaned


class ReportView(TemplateView):
    template_name = "admin/scheduling/reports.html"
    admin_site = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_REPORTS):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        practitioners = reading.practitioners_for(request.user)
        form = ReportForm(request.GET or None, practitioners=practitioners)
        report = None
        if not request.GET or form.is_valid():
            asked = form.cleaned_data if request.GET else {}
            first, last = asked.get("first_day"), asked.get("last_day")
            if first is None:
                first, last = reading.days_asked(None, None, clinic_time.today())
                form = ReportForm({"from": first, "to": last}, practitioners=practitioners)
                form.is_valid()
            slug = asked.get("practitioner") or None
            chosen = [p for p in practitioners if slug is None or p.slug == slug]
            report = reports.report(first, last, chosen, chosen=slug, now=clinic_time.now())
            if request.GET.get("format") == "csv":
                name = f"report-{first}-{last}-{slug or 'everyone'}.csv"
                response = HttpResponse(tables.csv_text(report), content_type="text/csv; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                return response
        sections = [] if report is None else tables.sections(report)
        context = {
            **self.admin_site.each_context(request),
            "title": "Reports",
            "form": form,
            "report": report,
            "practitioner_name": next((p.name for p in practitioners if report and p.slug == report.practitioner), ""),
            "sections": [(section, mark_safe(section.chart)) for section in sections],
            "csv_query": (request.GET.urlencode() + "&" if request.GET else "") + "format=csv",
        }
        return self.render_to_response(context)
