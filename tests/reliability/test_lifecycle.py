"""A model's connections through its life: several event loops, proxies, copies, forks.

Over real loopback HTTP (the fault server), for both frameworks: one model shared by two threads
each running its own event loop keeps one pool per loop (and its pools go with the loops); the
environment's proxy is the same for sync and async calls; a model that has made calls pickles and
deep-copies (the pools stay behind and are rebuilt on the copy's first call); a forked child opens
its own connections instead of reading answers from its parent's.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import logging
import os
import pickle
import threading
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage

from hostedllm.transport.proxy import environment_proxy

from ..scripted import completion, usage_chunk
from .fault_server import FaultHandler, FaultServer, RecordedRequest, _send_json, _stream, chunk_event, event
from .test_fault_matrix import build, run

FRAMEWORKS = ["langchain", "llamaindex"]
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def echo(h: FaultHandler, req: RecordedRequest) -> None:
    """Answer with the prompt itself, so an answer that went to the wrong caller shows."""
    if req.stream:
        _stream(
            h,
            [
                chunk_event({"role": "assistant", "content": req.prompt}),
                chunk_event({}, "stop"),
                event(usage_chunk(3, 3)),
                b"data: [DONE]\n\n",
            ],
        )
    else:
        _send_json(h, 200, completion(req.prompt))


@pytest.fixture
def echo_server(fault_server: FaultServer) -> FaultServer:
    fault_server.chooser = lambda request: "echo"
    return fault_server


@pytest.fixture(autouse=True)
def _echo_behaviour(monkeypatch: pytest.MonkeyPatch) -> None:
    from . import fault_server as module

    monkeypatch.setitem(module.BEHAVIOURS, "echo", echo)


def client_of(model: Any) -> Any:
    client = model.client
    return client() if callable(client) else client


async def ask(framework: str, model: Any, prompt: str, *, stream: bool = False) -> str:
    if framework == "langchain":
        if stream:
            return "".join([str(chunk.content) async for chunk in model.astream(prompt)])
        return str((await model.ainvoke(prompt)).content)
    messages = [ChatMessage(role="user", content=prompt)]
    if stream:
        return "".join([r.delta or "" async for r in await model.astream_chat(messages)])
    return (await model.achat(messages)).message.content or ""


def ask_sync(framework: str, model: Any, prompt: str) -> str:
    if framework == "langchain":
        return str(model.invoke(prompt).content)
    return model.chat([ChatMessage(role="user", content=prompt)]).message.content or ""


# --- one model, two event loops at once ------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_two_loops_at_once_keep_a_pool_each(
    framework: str, echo_server: FaultServer, caplog: pytest.LogCaptureFixture
) -> None:
    model = build(framework, "local", echo_server.base_url, timeout=5)
    wrong: list[tuple[str, str]] = []
    calls_per_loop, concurrency = 60, 4

    async def loop_body(name: str) -> None:
        for start in range(0, calls_per_loop, concurrency):
            prompts = [f"{name}-{i}" for i in range(start, start + concurrency)]
            answers = await asyncio.gather(
                *(ask(framework, model, p, stream=i % 2 == 1) for i, p in enumerate(prompts))
            )
            wrong.extend((p, a) for p, a in zip(prompts, answers, strict=True) if p != a)

    caplog.set_level(logging.ERROR, logger="asyncio")
    threads = [threading.Thread(target=asyncio.run, args=(loop_body(name),)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not wrong
    assert echo_server.count == 2 * calls_per_loop
    # One pool per loop: at most `concurrency` connections each (it was one new pool per switch of loops).
    assert echo_server.connections <= 2 * concurrency, echo_server.connections
    gc.collect()
    assert client_of(model)._http.pools == 0, "each loop's pool went with its loop"
    assert "Unclosed client session" not in caplog.text


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_sequential_loops_still_work(framework: str, echo_server: FaultServer) -> None:
    model = build(framework, "local", echo_server.base_url, timeout=5)
    for i in range(3):
        assert asyncio.run(ask(framework, model, f"run-{i}")) == f"run-{i}"


# --- proxies: one resolution for sync and async ----------------------------------------------------


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    return monkeypatch


@pytest.mark.parametrize("variable", ["ALL_PROXY", "HTTP_PROXY", "all_proxy"])
@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("op", ["invoke", "stream"])
def test_the_environments_proxy_is_used_sync_and_async(
    variable: str, framework: str, mode: str, op: str, *, fault_server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    """The fault server plays the proxy; the origin (port 9, discard) is never contacted directly."""
    no_proxy_env.setenv(variable, f"http://127.0.0.1:{fault_server.port}")
    fault_server.play("ok")
    outcome = run(framework, mode, op, build(framework, "local", "http://127.0.0.1:9/v1", timeout=5))
    assert outcome.error is None, outcome.error
    (request,) = fault_server.requests
    assert request.path == "http://127.0.0.1:9/v1/chat/completions", "sent to the proxy, in absolute form"


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_no_proxy_is_honoured_sync_and_async(
    framework: str, mode: str, fault_server: FaultServer, no_proxy_env: pytest.MonkeyPatch
) -> None:
    no_proxy_env.setenv("ALL_PROXY", "http://127.0.0.1:9")  # nothing listens there
    no_proxy_env.setenv("NO_PROXY", "127.0.0.1")
    fault_server.play("ok")
    outcome = run(framework, mode, "invoke", build(framework, "local", fault_server.base_url, timeout=5))
    assert outcome.error is None, outcome.error
    assert fault_server.requests[0].path == "/v1/chat/completions"


def test_environment_proxy_by_scheme(no_proxy_env: pytest.MonkeyPatch) -> None:
    no_proxy_env.setenv("HTTPS_PROXY", "http://secure-proxy:3128")
    no_proxy_env.setenv("ALL_PROXY", "any-proxy:8080")
    no_proxy_env.setenv("NO_PROXY", "internal.example,.corp.example")
    assert environment_proxy("https://api.novita.ai/v3/openai") == "http://secure-proxy:3128"
    assert environment_proxy("http://llm.example.com/v1") == "http://any-proxy:8080"
    assert environment_proxy("https://internal.example/v1") is None
    assert environment_proxy("https://llm.corp.example:8443/v1") is None
    no_proxy_env.setenv("NO_PROXY", "*")
    assert environment_proxy("https://api.novita.ai/v3/openai") is None


# --- copies and pickles after use ------------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_used_model_copies_and_the_copy_answers(framework: str, how: str, echo_server: FaultServer) -> None:
    model = build(framework, "local", echo_server.base_url, timeout=5)
    assert ask_sync(framework, model, "before") == "before"
    assert asyncio.run(ask(framework, model, "before-async")) == "before-async"
    copied = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)  # noqa: S301 - ours
    assert client_of(copied)._http.pools == 0, "the pools stayed behind"
    assert ask_sync(framework, copied, "copy") == "copy"
    assert asyncio.run(ask(framework, copied, "copy-async", stream=True)) == "copy-async"
    assert ask_sync(framework, model, "original") == "original"


# --- fork ------------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX-only")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_forked_child_opens_its_own_connections(framework: str, echo_server: FaultServer) -> None:
    model = build(framework, "local", echo_server.base_url, timeout=5)
    assert ask_sync(framework, model, "parent-0") == "parent-0"  # a keep-alive connection now in the pool
    assert echo_server.connections == 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its answers and its pools, then leave without pytest's teardown
        try:
            pools = client_of(model)._http.pools
            answers = [ask_sync(framework, model, f"child-{i}") for i in range(5)]
            os.write(write, json.dumps({"pools": pools, "answers": answers}).encode())
        finally:
            os._exit(0)
    os.close(write)
    parent = [ask_sync(framework, model, f"parent-{i}") for i in range(1, 6)]
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        child = json.loads(pipe.read() or "{}")
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent == [f"parent-{i}" for i in range(1, 6)]
    assert child == {"pools": 0, "answers": [f"child-{i}" for i in range(5)]}
    assert echo_server.connections == 2, "the child opened its own connection; the parent kept its own"
