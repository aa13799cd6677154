"""Replicas of a service started at the same moment (tests/replicas, Kubernetes) each make sure
their database exists: whichever creates it, none fails for the other having just done so."""
import asyncio

import pytest

from deploy.stack import database_url_for
from runtime import db
from runtime.db import drop_databases
from tests.infra import unique_prefix

pytestmark = pytest.mark.integration


async def test_replicas_creating_their_database_at_once_all_start(database_server_url):
    prefix = unique_prefix()
    url = database_url_for(database_server_url, "intake", prefix)
    try:
        for _ in range(3):  # the race is narrow: three rounds of four at once
            await drop_databases(database_server_url, prefix)
            await asyncio.gather(*(db.ensure_database(url) for _ in range(4)))
            assert await db.database_exists(url)
    finally:
        await drop_databases(database_server_url, prefix)
