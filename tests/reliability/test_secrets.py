"""Keys never escape: with a sentinel key (given as ``api_key=`` and, separately, through the provider's
env var) it appears in no repr/str, error message or traceback, log record, cassette, ``dumps()``
output or tracing payload. And the guards around the key: no fallback to another provider's
variable, no plain http to a remote host, no ``Authorization`` on a redirect to another origin, TLS
verification on by default."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import shutil
import ssl
import subprocess
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps
from langchain_core.messages import BaseMessage
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.callbacks import CallbackManager
from llama_index.core.callbacks.base_handler import BaseCallbackHandler as LIBaseCallbackHandler
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent

from hostedllm import ChatClient
from hostedllm.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    ConfigurationError,
    HostedLLMError,
    MalformedResponseError,
)
from hostedllm.provider_errors import error_from_response
from hostedllm.providers import PROVIDERS as SPECS
from hostedllm.providers import get_provider
from hostedllm.transport.aio import AiohttpTransport
from langchain_hostedllm import Hosted

from ..conftest import project_vcr
from ..loopback import LoopbackServer, Seen, json_answer, loopback
from ..scripted import FakeProvider, chunk, completion, sse
from .helpers_secrets import PROVIDERS, TARGETS, CountingTransport, sentinel

HI = [{"role": "user", "content": "Hi"}]


def env_var(provider: str) -> str:
    name = get_provider(provider).api_key_env
    assert name
    return name


# --- every class, built with the key given one way or the other -------------------------------------

Builder = Callable[[dict[str, Any], CountingTransport], Any]


def _core(provider: str) -> Builder:
    return lambda key, counter: ChatClient(provider, TARGETS[provider].model, **key, **counter.client_transports)


def _lc(provider: str) -> Builder:
    return lambda key, counter: TARGETS[provider].lc(**key, **counter.transports)


def _li(provider: str) -> Builder:
    return lambda key, counter: TARGETS[provider].li(**key, **counter.transports)


def _lc_string(key: dict[str, Any], counter: CountingTransport) -> Any:
    return Hosted(model="Baichuan4-Air", provider="baichuan", **key, **counter.transports)


#: (id, provider whose env var holds the key, builder)
CLASSES: list[tuple[str, str, Builder]] = [
    *[(f"ChatClient-{p}", p, _core(p)) for p in PROVIDERS],
    *[(f"langchain-{p}", p, _lc(p)) for p in PROVIDERS],
    ("langchain-Hosted", "baichuan", _lc_string),
    *[(f"llamaindex-{p}", p, _li(p)) for p in PROVIDERS],
]
LC_CLASSES = [case for case in CLASSES if case[0].startswith("langchain-")]
LI_CLASSES = [case for case in CLASSES if case[0].startswith("llamaindex-")]


@pytest.fixture(params=["argument", "env"])
def key_source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def secret() -> str:
    return sentinel()


def build(
    builder: Builder,
    *,
    provider: str,
    secret: str,
    source: str,
    monkeypatch: pytest.MonkeyPatch,
    counter: CountingTransport | None = None,
) -> Any:
    """The instance with the key from ``source``; the env var holds the key only in the "env" case."""
    transport = counter or CountingTransport()
    if source == "env":
        monkeypatch.setenv(env_var(provider), secret)
        instance = builder({}, transport)
    else:
        instance = builder({"api_key": secret}, transport)
    client = instance if isinstance(instance, ChatClient) else _client_of(instance)
    assert client.api_key is not None
    assert client.api_key.get_secret_value() == secret, "the sentinel really is the key in use"
    return instance


def _client_of(instance: Any) -> ChatClient:
    client = instance.client
    return client() if callable(client) else client


def assert_clean(secret: str, *texts: object) -> None:
    for text in texts:
        rendered = text if isinstance(text, str) else json.dumps(text, default=repr)
        assert secret not in rendered, f"the key leaked into: {rendered[:400]}"


# --- repr, str, dumps, tracing and serialization -----------------------------------------------------


class TestRepresentations:
    @pytest.mark.parametrize(("name", "provider", "builder"), CLASSES, ids=[c[0] for c in CLASSES])
    def test_repr_and_str(
        self,
        *,
        name: str,
        provider: str,
        builder: Builder,
        secret: str,
        key_source: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        instance = build(builder, provider=provider, secret=secret, source=key_source, monkeypatch=monkeypatch)
        texts: list[object] = [repr(instance), str(instance), f"{instance!r:>10}"]
        if hasattr(instance, "model_dump"):
            texts += [
                repr(instance.model_dump()),
                instance.model_dump_json(exclude={"http_transport", "async_http_transport"}),
            ]
        texts.append(repr(_client_of(instance) if not isinstance(instance, ChatClient) else instance))
        assert_clean(secret, *texts)

    @pytest.mark.parametrize(("name", "provider", "builder"), LC_CLASSES, ids=[c[0] for c in LC_CLASSES])
    def test_langchain_dumps_refers_to_the_env_var(
        self,
        *,
        name: str,
        provider: str,
        builder: Builder,
        secret: str,
        key_source: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        instance = build(builder, provider=provider, secret=secret, source=key_source, monkeypatch=monkeypatch)
        serialized = dumps(instance, pretty=True)
        assert_clean(secret, serialized, dumpd(instance))
        assert json.loads(serialized)["kwargs"]["api_key"] == {"lc": 1, "type": "secret", "id": [env_var(provider)]}

    @pytest.mark.parametrize(("name", "provider", "builder"), LC_CLASSES, ids=[c[0] for c in LC_CLASSES])
    def test_langchain_tracing_parameters(
        self,
        *,
        name: str,
        provider: str,
        builder: Builder,
        secret: str,
        key_source: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        counter = CountingTransport()
        instance = build(
            builder, provider=provider, secret=secret, source=key_source, monkeypatch=monkeypatch, counter=counter
        )
        capture = Capture()
        config = {"callbacks": [capture]}
        instance.invoke("Hi", config=config)
        list(instance.stream("Hi", config=config))
        asyncio.run(instance.ainvoke("Hi", config=config))
        assert counter.count == 3
        assert len(capture.starts) == 3
        for start in capture.starts:
            assert start["invocation_params"], "the callback saw invocation params"
            assert start["serialized"]["kwargs"]["api_key"]["type"] == "secret"
        ls_params = instance._get_ls_params()
        assert ls_params["ls_provider"] == get_provider(provider).vendor
        assert_clean(secret, capture.starts, ls_params, instance._identifying_params)

    @pytest.mark.parametrize(("name", "provider", "builder"), LI_CLASSES, ids=[c[0] for c in LI_CLASSES])
    def test_llamaindex_serialization_and_instrumentation(
        self,
        *,
        name: str,
        provider: str,
        builder: Builder,
        secret: str,
        key_source: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        counter = CountingTransport()
        instance = build(
            builder, provider=provider, secret=secret, source=key_source, monkeypatch=monkeypatch, counter=counter
        )
        callbacks = LICapture()
        instance.callback_manager = CallbackManager([callbacks])
        events: list[BaseEvent] = []
        with dispatcher_events(events):
            messages = [ChatMessage(role=MessageRole.USER, content="Hi")]
            instance.chat(messages)
            list(instance.stream_chat(messages))
            instance.complete("Hi")
            asyncio.run(instance.achat(messages))
        assert counter.count == 4
        starts = [event for event in events if event.class_name() == "LLMChatStartEvent"]
        assert len(starts) == 4  # complete() goes through chat()
        for event in starts:
            assert event.model_dict["model_name"] == TARGETS[provider].model
        assert callbacks.payloads, "the legacy callback manager saw the calls"
        assert_clean(
            secret,
            instance.to_json(),
            instance.to_dict(),
            instance.dict(),
            instance.to_payload(),
            [event.model_dump() for event in events],
            [event.model_dict for event in starts],
            callbacks.payloads,
        )


class Capture(BaseCallbackHandler):
    """What LangChain hands a tracer when a model run starts."""

    def __init__(self) -> None:
        self.starts: list[dict[str, Any]] = []

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], *, run_id: UUID, **kwargs: Any
    ) -> None:
        self.starts.append({"serialized": serialized, **kwargs, "messages": [[m.content for m in messages[0]]]})

    def on_llm_start(self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, **kwargs: Any) -> None:
        self.starts.append({"serialized": serialized, **kwargs, "prompts": prompts})


class LICapture(LIBaseCallbackHandler):
    """LlamaIndex's legacy callback payloads (``EventPayload.SERIALIZED`` carries the model dict)."""

    def __init__(self) -> None:
        super().__init__(event_starts_to_ignore=[], event_ends_to_ignore=[])
        self.payloads: list[Any] = []

    def on_event_start(
        self, event_type: Any, payload: Any = None, event_id: str = "", parent_id: str = "", **kw: Any
    ) -> str:
        self.payloads.append(repr(payload))
        return event_id

    def on_event_end(self, event_type: Any, payload: Any = None, event_id: str = "", **kwargs: Any) -> None:
        self.payloads.append(repr(payload))

    def start_trace(self, trace_id: str | None = None) -> None:
        return

    def end_trace(self, trace_id: str | None = None, trace_map: Any = None) -> None:
        return


class dispatcher_events:  # noqa: N801 - used as a context manager
    def __init__(self, events: list[BaseEvent]) -> None:
        outer = events

        class Collect(BaseEventHandler):
            def handle(self, event: BaseEvent, **kwargs: Any) -> None:
                outer.append(event)

        self._handler = Collect()

    def __enter__(self) -> None:
        get_dispatcher().add_event_handler(self._handler)

    def __exit__(self, *exc: object) -> None:
        get_dispatcher().event_handlers.remove(self._handler)


# --- provider errors that echo the key --------------------------------------------------------------


def echoing_transport(answer: Callable[[str], httpx.Response]) -> Callable[[str], dict[str, Any]]:
    def make(secret: str) -> dict[str, Any]:
        def handle(request: httpx.Request) -> httpx.Response:
            assert request.headers["authorization"] == f"Bearer {secret}"
            return answer(secret)

        async def ahandle(request: httpx.Request) -> httpx.Response:
            return handle(request)

        return {"sync": httpx.MockTransport(handle), "async": httpx.MockTransport(ahandle)}

    return make


ECHOES = {
    "401-body": echoing_transport(
        lambda s: httpx.Response(401, json={"error": {"message": f"Incorrect API key provided: {s}", "param": s}})
    ),
    "401-text": echoing_transport(lambda s: httpx.Response(401, text=f"<html><p>Bearer {s} rejected</p></html>")),
    "malformed-200": echoing_transport(lambda s: httpx.Response(200, text=f"Unauthorized: Bearer {s}")),
    "200-no-choices": echoing_transport(lambda s: httpx.Response(200, json={"detail": f"key {s} unknown"})),
    "stream-error-event": echoing_transport(
        lambda s: httpx.Response(
            200,
            content=sse([chunk({"content": "Hel"}), {"error": {"message": f"key {s} revoked", "code": 401}}]),
            headers={"content-type": "text/event-stream"},
        )
    ),
    "stream-malformed-event": echoing_transport(
        lambda s: httpx.Response(
            200, content=f"data: {{not json {s}\n\n".encode(), headers={"content-type": "text/event-stream"}
        )
    ),
}


def _collect_errors(calls: dict[str, Callable[[], Any]]) -> list[tuple[str, BaseException]]:
    """Run each call (async ones in one event loop: a pooled async client belongs to one loop) and
    return the typed error each raised."""
    found: list[tuple[str, BaseException]] = []

    def record(way: str, outcome: BaseException | None) -> None:
        if not isinstance(outcome, HostedLLMError):
            raise AssertionError(f"{way}: no typed error but {outcome!r}") from outcome
        found.append((way, outcome))

    async def run_async() -> None:
        for way, call in calls.items():
            if inspect.iscoroutinefunction(call):
                try:
                    await call()
                except Exception as exc:
                    record(way, exc)
                else:
                    record(way, None)

    for way, call in calls.items():
        if not inspect.iscoroutinefunction(call):
            try:
                call()
            except Exception as exc:
                record(way, exc)
            else:
                record(way, None)
    asyncio.run(run_async())
    return found


def core_calls(client: ChatClient) -> dict[str, Callable[[], Any]]:
    async def acreate() -> Any:
        return await client.acreate(client.build_request(HI))

    async def astream() -> list[Any]:
        return [c async for c in client.astream(client.build_request(HI, stream=True))]

    return {
        "create": lambda: client.create(client.build_request(HI)),
        "stream": lambda: list(client.stream(client.build_request(HI, stream=True))),
        "acreate": acreate,
        "astream": astream,
    }


def lc_calls(chat: Any) -> dict[str, Callable[[], Any]]:
    async def ainvoke() -> Any:
        return await chat.ainvoke("Hi")

    async def astream() -> list[Any]:
        return [c async for c in chat.astream("Hi")]

    return {
        "invoke": lambda: chat.invoke("Hi"),
        "stream": lambda: list(chat.stream("Hi")),
        "ainvoke": ainvoke,
        "astream": astream,
    }


def li_calls(llm: Any) -> dict[str, Callable[[], Any]]:
    messages = [ChatMessage(role=MessageRole.USER, content="Hi")]

    async def achat() -> Any:
        return await llm.achat(messages)

    async def astream() -> list[Any]:
        return [c async for c in await llm.astream_chat(messages)]

    return {
        "chat": lambda: llm.chat(messages),
        "stream_chat": lambda: list(llm.stream_chat(messages)),
        "achat": achat,
        "astream_chat": astream,
    }


def assert_error_clean(secret: str, error: BaseException) -> None:
    formatted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    chain = []
    link: BaseException | None = error
    while link is not None:
        chain += [str(link), repr(link), repr(link.args), repr(vars(link))]
        # What a traceback shows (and error reporters walk): the cause, or the context unless suppressed.
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    assert_clean(secret, formatted, *chain)
    if isinstance(error, APIError):
        assert error.provider in str(error)


class TestErrors:
    @pytest.mark.parametrize("echo", sorted(ECHOES))
    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_core(
        self, provider: str, echo: str, secret: str, key_source: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        transports = ECHOES[echo](secret)
        key = {"api_key": secret} if key_source == "argument" else {}
        if key_source == "env":
            monkeypatch.setenv(env_var(provider), secret)
        client = ChatClient(
            provider,
            TARGETS[provider].model,
            **key,
            max_retries=0,
            transport=transports["sync"],
            async_transport=transports["async"],
        )
        errors = _collect_errors(core_calls(client))
        assert len(errors) == 4
        for _, error in errors:
            assert_error_clean(secret, error)

    @pytest.mark.parametrize("echo", sorted(ECHOES))
    @pytest.mark.parametrize("adapter", ["langchain", "llamaindex"])
    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_adapters(
        self, *, provider: str, adapter: str, echo: str, secret: str, key_source: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        transports = ECHOES[echo](secret)
        key = {"api_key": secret} if key_source == "argument" else {}
        if key_source == "env":
            monkeypatch.setenv(env_var(provider), secret)
        wiring = {"http_transport": transports["sync"], "async_http_transport": transports["async"], "max_retries": 0}
        target = TARGETS[provider]
        calls = lc_calls(target.lc(**key, **wiring)) if adapter == "langchain" else li_calls(target.li(**key, **wiring))
        errors = _collect_errors(calls)
        assert len(errors) == 4
        for _, error in errors:
            assert_error_clean(secret, error)

    def test_the_401_is_typed_and_says_what_to_do(self, secret: str) -> None:
        transports = ECHOES["401-body"](secret)
        client = ChatClient("novita", TARGETS["novita"].model, api_key=secret, transport=transports["sync"])
        with pytest.raises(AuthenticationError) as caught:
            client.create(client.build_request(HI))
        assert "[novita] HTTP 401" in str(caught.value)
        assert "****" in str(caught.value), "the echoed key is masked, not dropped"
        assert "Check NOVITA_API_KEY" in str(caught.value)
        malformed = ECHOES["malformed-200"](secret)["sync"]
        client = ChatClient("novita", TARGETS["novita"].model, api_key=secret, transport=malformed)
        with pytest.raises(MalformedResponseError) as caught_malformed:
            client.create(client.build_request(HI))
        assert "the answer is not JSON: 'Unauthorized: Bearer ****'" in str(caught_malformed.value)

    def test_a_request_id_header_echoing_the_key(self, secret: str) -> None:
        fake = FakeProvider().json({"error": {"message": "bad key"}}, 401, {"x-request-id": f"req {secret}"})
        client = ChatClient("novita", TARGETS["novita"].model, api_key=secret, **fake.client_transports)
        with pytest.raises(AuthenticationError) as caught:
            client.create(client.build_request(HI))
        assert_error_clean(secret, caught.value)

    @pytest.mark.parametrize("escape", ["slash", "unicode"])
    def test_a_json_escaped_echo(self, escape: str) -> None:
        secret = sentinel().replace("-", "/", 1) if escape == "slash" else sentinel()
        escaped = secret.replace("/", "\\/") if escape == "slash" else "".join(f"\\u{ord(c):04x}" for c in secret)
        body = ('{"error": {"message": "Incorrect API key provided: %s"}}' % escaped).encode()  # noqa: UP031
        error = error_from_response(get_provider("novita"), 401, {}, body, secrets=[secret])
        assert_error_clean(secret, error)


# --- logs --------------------------------------------------------------------------------------------


LOGGERS = ("hostedllm", "httpx", "httpcore")


def _records_clean(secret: str, records: list[logging.LogRecord]) -> None:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in records:
        assert_clean(secret, formatter.format(record), repr(record.args), repr(record.__dict__.get("exc_text")))


class TestLogs:
    def test_mock_transport(self, secret: str, caplog: pytest.LogCaptureFixture) -> None:
        for name in LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)
        caplog.set_level(logging.DEBUG)
        fake = (
            FakeProvider()
            .json({"error": {"message": f"slow down {secret}"}}, 429, {"retry-after-ms": "1"})
            .json(completion("Hi"))
            .json({"error": {"message": f"bad key {secret}"}}, 401)
        )
        client = ChatClient("novita", TARGETS["novita"].model, api_key=secret, **fake.client_transports)
        client.create(client.build_request(HI))
        with pytest.raises(AuthenticationError):
            client.create(client.build_request(HI))
        counter = CountingTransport()
        chat = TARGETS["nim"].lc(api_key=secret, **counter.transports)
        chat.invoke("Hi")
        list(chat.stream("Hi"))
        llm = TARGETS["baichuan"].li(api_key=secret, **counter.transports)
        llm.complete("Hi")
        assert any(r.name == "hostedllm" and "retrying" in r.getMessage() for r in caplog.records)
        assert any(r.name == "hostedllm" and r.getMessage().startswith("POST ") for r in caplog.records)
        _records_clean(secret, caplog.records)

    def test_a_real_connection(self, secret: str, caplog: pytest.LogCaptureFixture) -> None:
        """Over a loopback socket, so httpx's and httpcore's own DEBUG logging runs too."""
        for name in LOGGERS:
            caplog.set_level(logging.DEBUG, logger=name)
        caplog.set_level(logging.DEBUG)

        def respond(seen: Seen) -> tuple[int, dict[str, str], bytes]:
            if seen.path.endswith("/fail/chat/completions"):
                return 401, {"Content-Type": "application/json"}, json.dumps({"error": {"message": secret}}).encode()
            return json_answer(seen)

        with loopback(respond) as server:
            chat = TARGETS["novita"].lc(api_key=secret, base_url=server.url())
            chat.invoke("Hi")
            list(chat.stream("Hi"))
            asyncio.run(chat.ainvoke("Hi"))
            failing = TARGETS["novita"].li(api_key=secret, api_base=server.url("/fail"))
            with pytest.raises(AuthenticationError):
                failing.chat([ChatMessage(role=MessageRole.USER, content="Hi")])
        assert {seen.headers["authorization"] for seen in server.seen} == {f"Bearer {secret}"}
        names = {record.name.split(".")[0] for record in caplog.records}
        assert {"hostedllm", "httpx", "httpcore"} <= names
        _records_clean(secret, caplog.records)


# --- cassettes ---------------------------------------------------------------------------------------


class TestCassettes:
    def test_a_recorded_cassette_has_no_key(self, secret: str, tmp_path: Path, vcr_config: dict[str, Any]) -> None:
        """Recorded by vcrpy with the project's ``vcr_config`` (its ``filter_headers``) against a loopback server."""
        cassette = tmp_path / "secrets.yaml"
        config = {**vcr_config, "record_mode": "all"}
        with loopback() as server, project_vcr().use_cassette(str(cassette), **config) as tape:
            client = ChatClient("novita", TARGETS["novita"].model, api_key=secret, base_url=server.url())
            client.create(client.build_request(HI))
            list(client.stream(client.build_request(HI, stream=True)))
            TARGETS["nim"].lc(api_key=secret, base_url=server.url()).invoke("Hi")
            TARGETS["baichuan"].li(api_key=secret, api_base=server.url()).complete("Hi")
            assert len(tape.requests) == 4
        assert len(server.seen) == 4, "the calls really went out (and were recorded)"
        assert all(seen.headers["authorization"] == f"Bearer {secret}" for seen in server.seen)
        text = cassette.read_text()
        assert "authorization:\n      - REDACTED" in text, "the Authorization header was recorded, filtered"
        assert secret not in text
        assert secret.removeprefix("sk-SENTINEL-") not in text


# --- no fallback to another provider's key ----------------------------------------------------------

KEYED = [name for name in PROVIDERS if get_provider(name).api_key_required]


class TestNoFallback:
    @pytest.mark.parametrize("provider", KEYED)
    def test_only_the_providers_own_variable(self, provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
        others = sentinel()
        own = env_var(provider)
        monkeypatch.setenv("OPENAI_API_KEY", others)
        for spec in SPECS.values():
            if spec.api_key_env:
                monkeypatch.setenv(spec.api_key_env, others)
        monkeypatch.delenv(own)
        counter = CountingTransport()
        target = TARGETS[provider]
        attempts: dict[str, Callable[[], Any]] = {
            "core": lambda: ChatClient(provider, target.model, **counter.client_transports),
            "langchain": lambda: target.lc(**counter.transports),
            "llamaindex": lambda: target.li(**counter.transports),
            "langchain-Hosted": lambda: Hosted(model=target.model, provider=provider, **counter.transports),
        }
        for name, attempt in attempts.items():
            with pytest.raises(ConfigurationError) as caught:
                attempt()
            message = str(caught.value)
            assert f"set {own} or pass api_key=" in message, name
            assert_clean(others, message)
        assert counter.count == 0

    def test_novita_with_openai_and_nvidia_keys_set(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-" + sentinel())
        monkeypatch.setenv("NVIDIA_API_KEY", "nvapi-" + sentinel())
        monkeypatch.delenv("NOVITA_API_KEY")
        with pytest.raises(ConfigurationError, match="NOVITA_API_KEY"):
            TARGETS["novita"].lc()
        with pytest.raises(ConfigurationError, match="NOVITA_API_KEY"):
            TARGETS["novita"].li()

    def test_the_gateway_never_takes_the_baichuan_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BAICHUAN_API_KEY", sentinel())
        monkeypatch.delenv("THETURBO_API_KEY")
        with pytest.raises(ConfigurationError, match="THETURBO_API_KEY"):
            TARGETS["theturbo"].lc()
        with pytest.raises(ConfigurationError, match="THETURBO_API_KEY"):
            TARGETS["theturbo"].li()

    def test_local_sends_no_key_rather_than_another_providers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        others = sentinel()
        monkeypatch.setenv("OPENAI_API_KEY", others)
        monkeypatch.delenv("HOSTEDLLM_LOCAL_API_KEY")
        counter = CountingTransport()
        TARGETS["local"].lc(**counter.transports).invoke("Hi")
        TARGETS["local"].li(**counter.transports).complete("Hi")
        assert counter.count == 2
        assert all("authorization" not in request.headers for request in counter.sent)


# --- plain http to a remote host --------------------------------------------------------------------

REMOTE_HTTP = [
    "http://api.example.com/v1",
    "http://127.0.0.1.nip.io/v1",
    "http://localhost.example.com/v1",
    "http://0.0.0.0:8080/v1",
    "http://10.0.0.5:8000/v1",
    "HTTP://API.EXAMPLE.COM/v1",
]
INSECURE_FIX = ["plain http to a non-loopback host", "unencrypted", "Use https", "allow_insecure_http=True"]


def _with_base_url(case: tuple[str, str, Builder], url: str | None, **extra: Any) -> Callable[[], Any]:
    name, _, builder = case
    field = "api_base" if name.startswith("llamaindex-") else "base_url"
    counter = CountingTransport()

    def make() -> Any:
        return builder({field: url, **extra} if url else dict(extra), counter)

    return make


class TestInsecureHTTP:
    @pytest.mark.parametrize("url", REMOTE_HTTP)
    @pytest.mark.parametrize("case", CLASSES, ids=[c[0] for c in CLASSES])
    def test_refused_unless_allowed(self, case: tuple[str, str, Builder], url: str) -> None:
        with pytest.raises(ConfigurationError) as caught:
            _with_base_url(case, url)()
        for fragment in INSECURE_FIX:
            assert fragment in str(caught.value)
        allowed = _with_base_url(case, url, allow_insecure_http=True)()
        client = allowed if isinstance(allowed, ChatClient) else _client_of(allowed)
        assert client.base_url == url.rstrip("/")

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_refused_from_the_env_var(self, provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(get_provider(provider).base_url_env, "http://proxy.example.com/v1")
        for attempt in (TARGETS[provider].lc, TARGETS[provider].li):
            with pytest.raises(ConfigurationError, match="allow_insecure_http=True"):
                attempt()

    @pytest.mark.parametrize("url", ["http://127.0.0.1:9/v1", "http://localhost:9/v1", "http://[::1]:9/v1"])
    @pytest.mark.parametrize("case", CLASSES, ids=[c[0] for c in CLASSES])
    def test_loopback_is_fine(self, case: tuple[str, str, Builder], url: str) -> None:
        instance = _with_base_url(case, url)()
        client = instance if isinstance(instance, ChatClient) else _client_of(instance)
        assert client.base_url == url


# --- keys and headers that cannot be sent as they are ---------------------------------------------

#: What a copied key can carry by mistake: (what, how the key is spoiled).
SPOILED_KEYS: list[tuple[str, Callable[[str], str]]] = [
    ("trailing-newline", lambda key: key + "\n"),
    ("trailing-crlf", lambda key: key + "\r\n"),
    ("inner-newline", lambda key: key[:10] + "\n" + key[10:]),
    ("nul", lambda key: key[:10] + "\0" + key[10:]),
    ("leading-space", lambda key: " " + key),
    ("trailing-space", lambda key: key + " "),
    ("latin-1", lambda key: key + "\u00e9"),
    ("beyond-latin-1", lambda key: key + "\u20ac"),
    ("tab", lambda key: key[:10] + "\t" + key[10:]),
]


class TestMalformedKeys:
    """A key that cannot travel in a header is refused at construction, naming the flaw, never the key,
    and nothing is sent (it used to be echoed by the HTTP library after three "network" retries)."""

    @pytest.mark.parametrize(("flaw", "spoil"), SPOILED_KEYS, ids=[flaw for flaw, _ in SPOILED_KEYS])
    @pytest.mark.parametrize("case", CLASSES, ids=[c[0] for c in CLASSES])
    def test_refused_at_construction(
        self,
        case: tuple[str, str, Builder],
        flaw: str,
        spoil: Callable[[str], str],
        *,
        key_source: str,
        secret: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        _, provider, builder = case
        spoiled = spoil(secret)
        if key_source == "env" and "\0" in spoiled:
            pytest.skip("an environment variable cannot hold a NUL")
        counter = CountingTransport()
        given = {"api_key": spoiled}
        if key_source == "env":
            monkeypatch.setenv(env_var(provider), spoiled)
            given = {}
        with pytest.raises(ConfigurationError) as caught:
            builder(given, counter)
        message = str(caught.value)
        assert_clean(secret, message, repr(caught.value), "".join(traceback.format_exception(caught.value)))
        assert "keys are printable ASCII" in message
        assert env_var(provider) in message
        assert counter.count == 0

    @pytest.mark.parametrize(
        "headers",
        [
            {"X-Tenant": "a\r\nX-Injected: 1"},
            {"X-Tenant": "a\0b"},
            {"X-Tenant": " padded"},
            {"X-Tenant": "caf\u00e9"},
            {"X Tenant": "ok"},
            {"X-Tenant:": "ok"},
        ],
        ids=["crlf", "nul", "leading-space", "non-ascii", "space-in-name", "colon-in-name"],
    )
    @pytest.mark.parametrize("case", CLASSES, ids=[c[0] for c in CLASSES])
    def test_default_headers(self, case: tuple[str, str, Builder], headers: dict[str, str], secret: str) -> None:
        _, _, builder = case
        counter = CountingTransport()
        with pytest.raises(ConfigurationError, match="default_headers") as caught:
            builder({"api_key": secret, "default_headers": headers}, counter)
        value = next(iter(headers.values()))
        if value != "ok":
            assert value not in str(caught.value), "a header value is never shown (it may be a credential)"
        assert counter.count == 0

    def test_a_good_key_and_headers_go_through(self, secret: str) -> None:
        counter = CountingTransport()
        TARGETS["nim"].lc(api_key=secret, default_headers={"X-Tenant": "a b\tc"}, **counter.transports).invoke("Hi")
        (request,) = counter.sent
        assert request.headers["authorization"] == f"Bearer {secret}"
        assert request.headers["x-tenant"] == "a b\tc"


# --- credentials in the base URL --------------------------------------------------------------------

CREDENTIAL_URLS = [
    "http://user:{secret}@127.0.0.1:9/v1",
    "https://user:{secret}@llm.example.com/v1",
    "https://{secret}@llm.example.com/v1",
    "http://127.0.0.1@evil.example/v1",
]


class TestCredentialsInBaseURL:
    """One behaviour, sync and async alike: a user or password in the base URL is refused, never shown."""

    @pytest.mark.parametrize("template", CREDENTIAL_URLS)
    @pytest.mark.parametrize("case", CLASSES, ids=[c[0] for c in CLASSES])
    def test_refused_and_not_shown(self, case: tuple[str, str, Builder], template: str, secret: str) -> None:
        url = template.format(secret=secret)
        with pytest.raises(ConfigurationError) as caught:
            _with_base_url(case, url, allow_insecure_http=True)()
        message = str(caught.value)
        assert "carries a user name or password" in message
        assert "***@" in message
        assert_clean(secret, message)
        assert "user:" not in message

    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_refused_from_the_env_var(self, provider: str, secret: str, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(get_provider(provider).base_url_env, f"https://user:{secret}@llm.example.com/v1")
        for attempt in (TARGETS[provider].lc, TARGETS[provider].li):
            with pytest.raises(ConfigurationError, match="user name or password") as caught:
                attempt(api_key="sk-test")
            assert_clean(secret, str(caught.value))


# --- redirects ---------------------------------------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[LoopbackServer]:
    """The other origin: it must never see a request."""
    with loopback() as server:
        yield server


def redirecting(status: int, target: LoopbackServer) -> Callable[[Seen], tuple[int, dict[str, str], bytes]]:
    def respond(seen: Seen) -> tuple[int, dict[str, str], bytes]:
        return status, {"Location": target.url("/v1/chat/completions"), "Content-Type": "text/plain"}, b"moved"

    return respond


class TestRedirects:
    @pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
    def test_the_key_does_not_follow_a_redirect(self, status: int, elsewhere: LoopbackServer, secret: str) -> None:
        with loopback(redirecting(status, elsewhere)) as origin:
            client = ChatClient("novita", TARGETS["novita"].model, api_key=secret, base_url=origin.url())
            chat = TARGETS["nim"].lc(api_key=secret, base_url=origin.url())
            llm = TARGETS["baichuan"].li(api_key=secret, api_base=origin.url())
            calls = {
                **{f"core-{way}": call for way, call in core_calls(client).items()},
                **{f"langchain-{way}": call for way, call in lc_calls(chat).items()},
                **{f"llamaindex-{way}": call for way, call in li_calls(llm).items()},
            }
            errors = _collect_errors(calls)
        assert len(errors) == len(calls) == 12
        for way, error in errors:
            assert type(error) is APIError, way
            assert error.status_code == status
            assert "redirect" in str(error)
            assert elsewhere.url() in str(error), "the message names where it was sent"
            assert "Set base_url to the endpoint's final address" in str(error)
            assert_error_clean(secret, error)
        assert len(origin.seen) == 12, "one request per call: a redirect is neither followed nor retried"
        assert all(seen.headers["authorization"] == f"Bearer {secret}" for seen in origin.seen)
        assert elsewhere.seen == [], "the other origin saw no request at all"


# --- TLS -----------------------------------------------------------------------------------------------


def _verifies(http_client: httpx.Client | httpx.AsyncClient) -> ssl.SSLContext:
    transport = http_client._transport
    # httpx's own transport keeps it in its pool; the async one (aiohttp underneath) on itself.
    context = transport.ssl_context if isinstance(transport, AiohttpTransport) else transport._pool._ssl_context  # type: ignore[union-attr]
    assert isinstance(context, ssl.SSLContext)
    return context


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server context with a throwaway self-signed certificate for 127.0.0.1."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a throwaway certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class TestTLS:
    def test_verification_is_on_by_default(self) -> None:
        client = ChatClient("novita", TARGETS["novita"].model)
        assert client._http._verify is True
        for http_client in (client._http.client, client._http.aclient):
            context = _verifies(http_client)
            assert context.verify_mode == ssl.CERT_REQUIRED
            assert context.check_hostname is True

    @pytest.mark.parametrize("adapter", ["langchain", "llamaindex"])
    @pytest.mark.parametrize("provider", PROVIDERS)
    def test_the_adapters_verify_and_offer_no_switch(self, provider: str, adapter: str) -> None:
        target = TARGETS[provider]
        make = target.lc if adapter == "langchain" else target.li
        for extra in ({}, {"verify": False}):
            try:
                instance = make(base_url="https://llm.example.com/v1", **extra)
            except HostedLLMError:
                continue  # refusing an unknown verify=False is fine too
            context = _verifies(_client_of(instance)._http.client)
            assert context.verify_mode == ssl.CERT_REQUIRED, f"{extra} turned verification off"
            assert context.check_hostname is True

    def test_turning_it_off_is_explicit(self) -> None:
        client = ChatClient("novita", TARGETS["novita"].model, verify=False)
        assert _verifies(client._http.client).verify_mode == ssl.CERT_NONE

    def test_an_untrusted_certificate_is_refused(self, self_signed: ssl.SSLContext, secret: str) -> None:
        with loopback(tls=self_signed) as server:
            assert server.origin.startswith("https://")
            client = ChatClient("novita", TARGETS["novita"].model, api_key=secret, base_url=server.url(), max_retries=0)
            with pytest.raises(APIConnectionError) as caught:
                client.create(client.build_request(HI))
            chat = TARGETS["nim"].lc(api_key=secret, base_url=server.url(), max_retries=0)
            with pytest.raises(APIConnectionError):
                chat.invoke("Hi")
            with pytest.raises(APIConnectionError) as caught_async:
                asyncio.run(chat.ainvoke("Hi"))  # the async transport (aiohttp underneath) verifies too
            assert server.seen == [], "no request was sent over the untrusted connection"
            trusting = ChatClient(
                "novita", TARGETS["novita"].model, api_key=secret, base_url=server.url(), verify=False
            )
            assert trusting.create(trusting.build_request(HI))["choices"][0]["message"]["content"] == "Hi"
            answer = asyncio.run(trusting.acreate(trusting.build_request(HI)))
            assert answer["choices"][0]["message"]["content"] == "Hi"
            assert len(server.seen) == 2
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught.value)
        assert "CERTIFICATE_VERIFY_FAILED" in str(caught_async.value)
        assert_error_clean(secret, caught_async.value)
        assert_error_clean(secret, caught.value)


def test_every_class_is_covered() -> None:
    assert len([c for c in CLASSES if c[0].startswith("ChatClient")]) == 5
    assert len(LC_CLASSES) == 6
    assert len(LI_CLASSES) == 5
