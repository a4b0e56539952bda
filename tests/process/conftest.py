import aiohttp
import pytest


@pytest.fixture
async def http():
    """An aiohttp client session for talking to servers on loopback."""
    async with aiohttp.ClientSession() as session:
        yield session
