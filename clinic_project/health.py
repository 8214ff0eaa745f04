"""The load balancer's and the supervisor's probe."""

from django.http import JsonResponse


def healthz(request):
    """Liveness without touching the database, so a busy database does not restart healthy workers."""
    return JsonResponse({"status": "ok"})
