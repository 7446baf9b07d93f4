"""The hostedllm pytest plugin on old pytest/pluggy releases: harmless to others, working for its users."""

import sys

import pytest

HEAVY = ("httpx", "pydantic", "vcr", "aiohttp", "hostedllm.client", "hostedllm.providers")


def test_nothing_heavy_was_imported_at_start_up():
    assert [name for name in HEAVY if name in sys.modules] == []


def test_an_unmarked_test_gets_no_cassette(request):
    assert "hostedllm_cassette" not in request.fixturenames


@pytest.mark.hostedllm_cassette
def test_a_marked_test_is_replayed_from_its_cassette(hostedllm_cassette):
    import httpx

    answer = httpx.get("http://127.0.0.1:9/v1/models")  # port 9 (discard): only the cassette can answer
    assert answer.json() == {"object": "list", "data": [{"id": "smollm2-135m-instruct"}]}
    assert hostedllm_cassette.play_count == 1


@pytest.mark.hostedllm_cassette("test_a_marked_test_is_replayed_from_its_cassette")
def test_the_marker_alone_opens_the_cassette():
    import httpx

    assert httpx.get("http://127.0.0.1:9/v1/models").status_code == 200
