"""`hostedllm chat`: streaming, the interactive session, usage and cost, errors and exit codes.

Every request goes to the public :class:`hostedllm.testing.fake.FakeProvider` (a ``ChatClient`` subclass
injects its transport), never a network.
"""

from __future__ import annotations

import builtins
import io
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

import hostedllm.client
from hostedllm import cli
from hostedllm.cli import session
from hostedllm.cli.spinner import CLEAR_LINE, Spinner
from hostedllm.client import ChatClient
from hostedllm.testing.fake import FakeProvider, chunk, sse, usage_chunk
from hostedllm.tokens import Tokens

NOVITA_MODEL = "qwen/qwen-2.5-72b-instruct"  # $0.38 / $0.40 per 1M tokens in the catalog


def answer(*pieces: str, usage: tuple[int, int] | None = None, finish: str = "stop") -> bytes:
    """A streamed answer with exactly this usage event (or none) and finish reason."""
    events = [chunk({"content": piece}) for piece in pieces] + [chunk({}, finish)]
    if usage is not None:
        events.append(usage_chunk(*usage))
    return sse(events)


def live(body: Iterator[bytes]) -> httpx.Response:
    """A streamed answer read from ``body`` only as the client asks for more (it may raise midway)."""
    return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})


def urls(fake: FakeProvider) -> list[str]:
    return [str(request.url) for request in fake.sent]


def messages(fake: FakeProvider) -> list[list[dict[str, Any]]]:
    return [request["messages"] for request in fake.requests]


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeProvider:
    fake = FakeProvider()

    class MockedClient(ChatClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **{**fake.client_transports, **kwargs})

    monkeypatch.setattr(hostedllm.client, "ChatClient", MockedClient)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # no real background server is found
    return fake


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def scripted_input(monkeypatch: pytest.MonkeyPatch, lines: Iterable[str | type[BaseException]]) -> list[str]:
    """Make stdin a terminal and feed ``input()`` these lines (an exception type is raised instead)."""
    pending = list(lines)
    prompts: list[str] = []

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        if not pending:
            raise EOFError
        line = pending.pop(0)
        if isinstance(line, type):
            raise line
        return line

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr(builtins, "input", fake_input)
    return prompts


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- one prompt --------------------------------------------------------------------------------


def test_one_prompt_streams_the_answer_and_prints_usage_and_cost(
    provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider.stream(answer("Nile, ", "Amazon, ", "Yangtze.", usage=(46, 40)))
    code, out, err = run(capsys, "chat", "Name three rivers.", "--model", NOVITA_MODEL, "--max-tokens", "64")
    assert code == 0
    assert out == "Nile, Amazon, Yangtze.\n"
    assert err.splitlines() == ["[46 in / 40 out tokens, ≈ $0.000033]"]  # 46 × 0.38 + 40 × 0.40 = 33.48 µ$
    assert urls(provider) == ["https://api.novita.ai/v3/openai/chat/completions"], "the provider came from the catalog"
    request = provider.requests[0]
    assert request["messages"] == [{"role": "user", "content": "Name three rivers."}]
    assert request["stream"] is True
    assert request["max_tokens"] == 64


def test_the_answer_reaches_stdout_piece_by_piece(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    seen_before_next: list[str] = []

    def body() -> Iterator[bytes]:
        for piece in ("Hel", "lo ", "there"):
            yield sse([chunk({"content": piece})], done=False)
            seen_before_next.append(stdout.getvalue())  # runs only when the client asks for more
        yield sse([chunk({}, "stop")])

    provider.answers.append(live(body()))
    assert cli.main(["chat", "Hi", "--model", NOVITA_MODEL]) == 0
    assert seen_before_next == ["Hel", "Hello ", "Hello there"], "each piece was printed before the next arrived"
    assert stdout.getvalue() == "Hello there\n"


def test_system_temperature_and_prompt_from_stdin(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Summarise this:\nline one\n"))
    provider.reply("Done.")
    code, out, _ = run(capsys, "chat", "-", "-m", NOVITA_MODEL, "--system", "Be brief.", "-t", "0.2")
    assert code == 0
    assert out == "Done.\n"
    assert provider.requests[0]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Summarise this:\nline one\n"},
    ]
    assert provider.requests[0]["temperature"] == 0.2


def test_cost_unknown_without_a_catalog_price(provider: FakeProvider, capsys: pytest.CaptureFixture[str]) -> None:
    provider.stream(answer("Hi.", usage=(1200, 5)))
    code, _, err = run(capsys, "chat", "Hi", "--model", "meta/llama-3.3-70b-instruct")
    assert code == 0
    assert err.strip() == "[1,200 in / 5 out tokens, cost unknown]"
    assert urls(provider)[0].startswith("https://integrate.api.nvidia.com/v1/")


def test_local_server_without_stream_usage(provider: FakeProvider, capsys: pytest.CaptureFixture[str]) -> None:
    provider.stream(answer("Hello!"))  # no usage event
    code, out, err = run(
        capsys, "chat", "Say hi", "--model", "smollm2-135m-instruct", "--provider", "local",
        "--base-url", "http://127.0.0.1:8765/v1",
    )  # fmt: skip
    assert (code, out) == (0, "Hello!\n")
    assert err.strip() == "[usage not reported by the server, ≈ $0.00]"
    assert urls(provider) == ["http://127.0.0.1:8765/v1/chat/completions"]


def test_an_answer_cut_off_by_max_tokens_says_so(provider: FakeProvider, capsys: pytest.CaptureFixture[str]) -> None:
    provider.stream(answer("The capital", usage=(9, 2), finish="length"))
    _, out, err = run(capsys, "chat", "Capital of France?", "-m", NOVITA_MODEL, "--max-tokens", "2")
    assert out == "The capital\n"
    assert "cut off at the token limit" in err


# --- choosing the provider -------------------------------------------------------------------


def test_provider_qualified_and_ambiguous_models(provider: FakeProvider, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "chat", "Hi", "--model", "Baichuan4")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "hostedllm: error: 'Baichuan4' is served by several providers (baichuan, theturbo); pick one with --provider"
    ]
    provider.reply("你好")
    assert run(capsys, "chat", "Hi", "--model", "Baichuan4", "--provider", "baichuan")[0] == 0
    provider.reply("你好")
    assert run(capsys, "chat", "Hi", "--model", "theturbo:Baichuan4")[0] == 0
    assert urls(provider)[0].startswith("https://api.baichuan-ai.com/v1/")
    assert urls(provider)[1].startswith("https://gateway.theturbo.ai/v1/")


def test_unknown_model_warns_with_suggestions_and_is_sent(
    provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider.reply("Hello!")
    code, out, err = run(capsys, "chat", "Hi", "--model", "qwen-2.5-72b", "--provider", "novita")
    assert (code, out.strip()) == (0, "Hello!")
    assert "hostedllm: warning: 'qwen-2.5-72b' is not in hostedllm's catalog for novita" in err
    assert "'qwen/qwen-2.5-72b-instruct'" in err.split("warning:")[1]
    assert [request["model"] for request in provider.requests] == ["qwen-2.5-72b"]


def test_unknown_model_with_a_strict_catalog_exits_2(
    provider: FakeProvider, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOSTEDLLM_STRICT_CATALOG", "1")
    code, _, err = run(capsys, "chat", "Hi", "--model", "qwen-2.5-72b", "--provider", "novita")
    assert code == 2
    assert len(err.splitlines()) == 1
    assert "unknown model 'qwen-2.5-72b' for novita; did you mean" in err
    assert "'qwen/qwen-2.5-72b-instruct'" in err
    assert "HOSTEDLLM_STRICT_CATALOG" in err
    assert provider.requests == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["chat", "Hi"], "--model is required"),
        (["chat", "Hi", "--local", "--base-url", "http://127.0.0.1:1/v1"], "either --local or --base-url"),
        (["chat", "Hi", "--local", "--provider", "novita"], "drop --provider novita"),
        (["chat", "Hi", "-m", NOVITA_MODEL, "--temperature", "9"], "temperature=9.0 is out of range"),
        (["chat", "  ", "-m", NOVITA_MODEL], "the prompt is empty"),
        (["chat", "Hi", "-m", NOVITA_MODEL, "--max-tokens", "many"], "argument --max-tokens: invalid int value"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(
    provider: FakeProvider, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        code, out, err = run(capsys, *argv)
    except SystemExit as exit_:  # argparse's own errors
        code, (out, err) = int(str(exit_.code)), capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("hostedllm: error: ")
    assert message in err
    assert provider.requests == []


# --- the key ---------------------------------------------------------------------------------


def test_missing_key_names_the_variable_before_any_request(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOVITA_API_KEY")
    code, out, err = run(capsys, "chat", "Hi", "--model", NOVITA_MODEL)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "hostedllm: error: NOVITA_API_KEY is not set; export it (get a key at "
        "https://novita.ai/settings/key-management), or use a local server: --local, or --provider local --base-url URL"
    ]
    assert "Traceback" not in err
    assert provider.requests == []


def test_debug_shows_the_traceback_and_logs_but_never_the_key(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("NOVITA_API_KEY")
    code, _, err = run(capsys, "--debug", "chat", "Hi", "--model", NOVITA_MODEL)
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert err.splitlines()[-1].startswith("hostedllm: error: NOVITA_API_KEY is not set")

    secret = "nk-sentinel-0123456789abcdef"
    monkeypatch.setenv("NOVITA_API_KEY", secret)
    body = {"error": {"message": "Invalid API key", "type": "invalid_request_error"}}
    provider.json(body, 401)
    code, _, err = run(capsys, "chat", "Hi", "--model", NOVITA_MODEL, "--debug")  # --debug after the command too
    assert code == 1
    assert "Traceback (most recent call last)" in err
    assert "hostedllm DEBUG POST https://api.novita.ai/v3/openai/chat/completions" in err
    assert "hostedllm: error: [novita] HTTP 401" in err
    assert secret not in err


def test_provider_errors_are_one_line_without_a_traceback(
    provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"error": {"message": "Invalid API key", "type": "invalid_request_error"}}
    provider.json(body, 401)
    code, out, err = run(capsys, "chat", "Hi", "--model", NOVITA_MODEL)
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert err.startswith("hostedllm: error: [novita] HTTP 401")


def test_unexpected_errors_are_one_line_too(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(session.Session, "ask", broken)
    code, _, err = run(capsys, "chat", "Hi", "--model", NOVITA_MODEL)
    assert code == 1
    assert err.splitlines() == ["hostedllm: error: RuntimeError: disk on fire (run with --debug for the traceback)"]


# --- Ctrl-C ----------------------------------------------------------------------------------


def test_ctrl_c_while_streaming_exits_130(provider: FakeProvider, capsys: pytest.CaptureFixture[str]) -> None:
    def body() -> Iterator[bytes]:
        yield sse([chunk({"content": "Once upon"})], done=False)
        raise KeyboardInterrupt

    provider.answers.append(live(body()))
    code, out, err = run(capsys, "chat", "Tell a story", "--model", NOVITA_MODEL)
    assert code == 130
    assert out == "Once upon\n"
    assert "Traceback" not in err
    assert "hostedllm: error" not in err


# --- the interactive session -----------------------------------------------------------------


def test_session_keeps_the_history(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = scripted_input(monkeypatch, ["My name is Ada.", "", "What is my name?", "/exit"])
    provider.stream(answer("Hello Ada!", usage=(10, 3)))
    provider.stream(answer("Ada.", usage=(20, 2)))
    code, out, err = run(capsys, "chat", "--model", NOVITA_MODEL, "--system", "Be brief.")
    assert code == 0
    assert prompts == ["> "] * 4
    assert out == "Hello Ada!\nAda.\n"
    assert messages(provider)[1] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "My name is Ada."},
        {"role": "assistant", "content": "Hello Ada!"},
        {"role": "user", "content": "What is my name?"},
    ]
    lines = err.splitlines()
    assert lines[0] == f"Chatting with {NOVITA_MODEL} on novita (https://api.novita.ai/v3/openai)."
    assert "/reset clears the history" in lines[1]
    assert lines[2:] == [
        "[10 in / 3 out tokens, ≈ $0.0000050]",  # 3.8 + 1.2 µ$
        "[20 in / 2 out tokens, ≈ $0.0000084]",  # 7.6 + 0.8 µ$
        "[session: 2 answers, 30 in / 5 out tokens, ≈ $0.000013]",  # 11.4 + 2.0 µ$,
    ]


def test_reset_clears_the_history_and_ctrl_d_ends(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_input(monkeypatch, ["First.", "/reset", "Second."])  # then EOFError: Ctrl-D
    provider.reply("One.")
    provider.reply("Two.")
    code, out, err = run(capsys, "chat", "--model", NOVITA_MODEL)
    assert code == 0
    assert messages(provider)[1] == [{"role": "user", "content": "Second."}]
    assert "(history cleared)" in err
    assert out.endswith("Two.\n\n"), "Ctrl-D leaves the shell prompt on a fresh line"


@pytest.mark.parametrize("end", ["/quit", KeyboardInterrupt])
def test_quit_and_ctrl_c_at_the_prompt_end_cleanly(
    provider: FakeProvider,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    end: str | type[BaseException],
) -> None:
    scripted_input(monkeypatch, ["Hi", end, "never read"])
    provider.reply("Hello.")
    code, _, err = run(capsys, "chat", "--model", NOVITA_MODEL)
    assert code == (130 if end is KeyboardInterrupt else 0)
    assert len(provider.requests) == 1
    assert "Traceback" not in err
    assert "error" not in err


def test_ctrl_c_during_an_answer_returns_to_the_prompt(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_input(monkeypatch, ["Tell a long story.", "Just say hi.", "/exit"])

    def interrupted() -> Iterator[bytes]:
        yield sse([chunk({"content": "Once upon a time"})], done=False)
        raise KeyboardInterrupt

    provider.answers.append(live(interrupted()))
    provider.reply("Hi.")
    code, out, err = run(capsys, "chat", "--model", NOVITA_MODEL)
    assert code == 0
    assert out == "Once upon a time\nHi.\n"
    assert "[answer stopped; it is not kept in the history]" in err
    assert messages(provider)[1] == [{"role": "user", "content": "Just say hi."}]


def test_a_provider_error_in_a_session_does_not_end_it(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_input(monkeypatch, ["Hi", "Hi again", "/exit"])
    provider.json({"error": {"message": "bad things", "type": "invalid_request"}}, 400)
    provider.reply("Hello.")
    code, out, err = run(capsys, "chat", "--model", NOVITA_MODEL)
    assert code == 0
    assert out == "Hello.\n"
    assert "hostedllm: error: [novita] HTTP 400: bad things." in err
    assert messages(provider)[1] == [{"role": "user", "content": "Hi again"}], "the failed turn is not kept"


def test_unknown_slash_commands_are_not_sent(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_input(monkeypatch, ["/hlep", "/help", "/exit"])
    code, _, err = run(capsys, "chat", "--model", NOVITA_MODEL)
    assert code == 0
    assert "unknown command /hlep" in err
    assert provider.requests == []


# --- --local ---------------------------------------------------------------------------------


class FakeLocalServer:
    """Stands in for ``hostedllm.local.LocalServer``: records start and stop."""

    instances: ClassVar[list[FakeLocalServer]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.model_id = "smollm2-135m-instruct"
        self.base_url = "http://127.0.0.1:8999/v1"
        self.events: list[str] = []
        FakeLocalServer.instances.append(self)

    def start(self) -> FakeLocalServer:
        self.events.append("start")
        return self

    def stop(self) -> None:
        self.events.append("stop")


def test_local_starts_a_server_for_the_session_and_stops_it(
    provider: FakeProvider, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import hostedllm.local

    FakeLocalServer.instances.clear()
    monkeypatch.setattr(hostedllm.local, "LocalServer", FakeLocalServer)
    provider.reply("Hi!")
    code, out, _ = run(capsys, "chat", "Say hi", "--local")
    assert (code, out) == (0, "Hi!\n")
    assert [server.events for server in FakeLocalServer.instances] == [["start", "stop"]]
    assert urls(provider) == ["http://127.0.0.1:8999/v1/chat/completions"]
    assert provider.requests[0]["model"] == "smollm2-135m-instruct"

    FakeLocalServer.instances.clear()
    code, _, _ = run(capsys, "chat", "Hi", "--local", "--temperature", "7")
    assert code == 2
    assert FakeLocalServer.instances[0].events == ["stop"], "bad input is refused before the server starts"


def test_a_local_server_that_is_not_there_gets_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    class Refused(ChatClient):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, transport=httpx.MockTransport(refuse), max_retries=0, **kwargs)

    monkeypatch.setattr(hostedllm.client, "ChatClient", Refused)
    code, _, err = run(capsys, "chat", "Hi", "--provider", "local")
    assert code == 1
    assert len(err.splitlines()) == 1
    assert "Connection refused" in err
    assert "Start one with `hostedllm local serve`, or use `hostedllm chat --local`." in err


# --- pieces ----------------------------------------------------------------------------------


def test_spinner_draws_on_a_terminal_and_erases_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "1")
    screen = Terminal()
    drawn = threading.Event()
    write = screen.write

    def watched(text: str) -> int:
        if "waiting" in text:
            drawn.set()
        return write(text)

    monkeypatch.setattr(screen, "write", watched)
    spinner = Spinner("waiting", stream=screen, delay=0, interval=0.01).start()
    assert drawn.wait(30), "the spinner drew a frame"
    spinner.stop()
    assert screen.getvalue().endswith(CLEAR_LINE)
    assert "⠋ waiting..." in screen.getvalue()
    spinner.stop()  # twice is fine


def test_spinner_is_silent_off_a_terminal() -> None:
    quiet = io.StringIO()
    with Spinner("waiting", stream=quiet, delay=0, interval=0.01):
        time.sleep(0.05)
    assert quiet.getvalue() == ""


def test_usage_line_shapes() -> None:
    assert session.usage_line(Tokens(input=12, output=40), (0.0000213, "USD")) == (
        "[12 in / 40 out tokens, ≈ $0.000021]"
    )
    # a count the server left out is shown as unknown, not as 0
    assert session.usage_line(Tokens(input=5), (0.5, "CNY")) == "[5 in / ? out tokens, ≈ ¥0.50]"
    assert session.usage_line(Tokens(input=5, output=1), None) == "[5 in / 1 out tokens, cost unknown]"


def test_reasoning_in_think_tags_is_not_printed_as_the_answer(
    provider: FakeProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    provider.reply("<think>2+2", " is 4</th", "ink>The answer is 4.")
    code, out, _ = run(capsys, "chat", "2+2?", "--model", "deepseek/deepseek-v3.2", "--provider", "novita")
    assert (code, out.strip()) == (0, "The answer is 4.")
