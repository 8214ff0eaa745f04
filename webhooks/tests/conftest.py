"""The webhooks' own fixtures: a real HTTP receiver on 127.0.0.1 and a staff API client. The clinic, clients
and the in-process job worker are in the root conftest.py."""

from __future__ import annotations

import pytest

from webhooks.tests.receiver import Receiver


@pytest.fixture
def private_networks(settings):
    """The receiver is on 127.0.0.1: allowed only as on a clinic's closed network."""
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def receiver(private_networks):
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def staff_api(api, admin_user):
    api.force_authenticate(admin_user)
    return api
