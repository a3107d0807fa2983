"""Ids and versions render as plain digits in markup (element ids, form values, URLs) however
large they are: with thousand separators on, item 5379's row was "item-5,379" and its bulk-assign
value "5,379:1", which broke the work queue once ids passed 999 (found by CI on PostgreSQL)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import WorkItemFactory

pytestmark = pytest.mark.django_db


def test_work_queue_markup_carries_plain_ids_above_999(alpha):
    item = WorkItemFactory(id=123456, process=alpha.process, title="Large id")
    client = Client()
    client.force_login(alpha.team_leader)
    html = client.get(reverse("work:queue")).content.decode()
    assert 'id="item-123456"' in html and f'value="123456:{item.version}"' in html
    assert "123,456" not in html
