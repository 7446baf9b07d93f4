"""The error normaliser: four envelopes in, one typed error out, with a useful message and no key."""

from __future__ import annotations

import json
import pickle
from collections.abc import Mapping
from typing import Any

import pytest

from hostedllm import errors
from hostedllm.provider_errors import (
    MAX_MESSAGE_CHARS,
    ErrorDetails,
    error_from_payload,
    error_from_response,
    parse_error_body,
)
from hostedllm.providers import get_provider

SECRET = "sk-live-SENTINEL123"
HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
REQUEST_ID_HEADERS = {
    "baichuan": ("X-BC-Request-Id", "8f1f3b0ba3c6a1f5d7e2c9a4b6e8d0f1"),
    "nim": ("NVCF-REQID", "3c4e2f10-7a7b-4c1e-9d7f-0b1c2d3e4f5a"),
    "novita": ("X-Request-Id", "req-novita-42"),
    "theturbo": ("X-Request-Id", "req-turbo-42"),
}

# --- helpers ------------------------------------------------------------------------------------


def as_bytes(body: bytes | str | Mapping[str, Any]) -> bytes:
    if isinstance(body, bytes):
        return body
    return (body if isinstance(body, str) else json.dumps(body)).encode()


def roundtrip(error: errors.APIError) -> errors.APIError:
    """The error after a pickle round trip (as when it crosses a process boundary)."""
    return pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes


def error_for(
    provider: str,
    status: int,
    body: bytes | str | Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
    **options: Any,
) -> errors.APIError:
    """The error ``provider`` answering ``status`` with ``body`` (sent as bytes, as on the wire) becomes."""
    return error_from_response(get_provider(provider), status, headers or {}, as_bytes(body), **options)


def openai_error(
    message: str, *, type_: str = "invalid_request_error", code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": code, "param": param}}


NIM_AUTH_FAILED = {"status": 403, "title": "Forbidden", "detail": "Authorization failed"}
NIM_GONE = {
    "type": "about:blank",
    "title": "Gone",
    "status": 410,
    "detail": "The model 'z-ai/glm4.7' has reached its end of life on 2025-09-24T00:00:00Z and is no longer available.",
}
NIM_NOT_FOUND = {"status": 404, "title": "Not Found", "detail": "Function 'abc': Not found for account 'x'"}
NOVITA_BALANCE = {"code": 403, "reason": "NOT_ENOUGH_BALANCE", "message": "Not enough balance", "metadata": {}}
BAICHUAN_QUOTA = {
    "error": {
        "code": "insufficient_quota",
        "message": "Insufficient account balance, please recharge",
        "type": "insufficient_quota",
    }
}
BAICHUAN_RATE = {
    "error": {"code": "rate_limit_exceeded", "message": "Rate limit reached for requests", "type": "rate_limit_error"}
}
CONTEXT_400 = openai_error(
    "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.",
    code="context_length_exceeded",
    param="messages",
)


# --- parsing the four envelopes ------------------------------------------------------------------


class TestParseErrorBody:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            pytest.param(
                openai_error("Invalid value", code="invalid_value", param="temperature"),
                ErrorDetails("Invalid value", "invalid_value", "temperature"),
                id="openai",
            ),
            pytest.param(
                {"error": {"message": "Bad", "type": "invalid_request_error"}},
                ErrorDetails("Bad", "invalid_request_error"),
                id="openai-type-as-code",
            ),
            pytest.param(
                {"error": "Unauthorized", "code": 401}, ErrorDetails("Unauthorized", "401"), id="error-string"
            ),
            pytest.param(NIM_AUTH_FAILED, ErrorDetails("Forbidden: Authorization failed"), id="problem-json"),
            pytest.param(NIM_GONE, ErrorDetails("Gone: " + NIM_GONE["detail"]), id="problem-about-blank"),
            pytest.param(
                {"type": "urn:nvcf:quota", "title": "Too Many Requests", "status": 429},
                ErrorDetails("Too Many Requests", "urn:nvcf:quota"),
                id="problem-typed",
            ),
            pytest.param(
                NOVITA_BALANCE,
                ErrorDetails("NOT_ENOUGH_BALANCE: Not enough balance", "NOT_ENOUGH_BALANCE"),
                id="novita",
            ),
            pytest.param({"code": 500, "message": "internal"}, ErrorDetails("internal", "500"), id="code-message"),
            pytest.param("404 page not found", ErrorDetails("404 page not found"), id="plain-text"),
            pytest.param(HTML_502, ErrorDetails("502 Bad Gateway 502 Bad Gateway"), id="html"),
            pytest.param("", ErrorDetails("no error details in the response body"), id="empty"),
            pytest.param(
                'data: {"error": {"message": "boom", "code": 500}}', ErrorDetails("boom", "500"), id="sse-data-prefix"
            ),
        ],
    )
    def test_envelopes(self, body: str | dict[str, Any], expected: ErrorDetails) -> None:
        assert parse_error_body(as_bytes(body)) == expected

    def test_bytes_str_and_mapping_read_the_same(self) -> None:
        body = openai_error("Invalid value", code="invalid_value", param="top_p")
        assert parse_error_body(body) == parse_error_body(json.dumps(body)) == parse_error_body(as_bytes(body))

    def test_undecodable_bytes_do_not_raise(self) -> None:
        assert "Bad" in parse_error_body(b"\xff\xfe Bad Gateway").message

    def test_whitespace_is_collapsed(self) -> None:
        assert parse_error_body("  line one\n\n\tline   two  ").message == "line one line two"


# --- classification -------------------------------------------------------------------------------


class TestClassification:
    @pytest.mark.parametrize(
        ("provider", "status", "body", "error_type"),
        [
            pytest.param("nim", 403, NIM_AUTH_FAILED, errors.AuthenticationError, id="nim-403-auth-failed"),
            pytest.param(
                "nim",
                403,
                {"status": 403, "title": "Forbidden", "detail": "Not entitled"},
                errors.PermissionDeniedError,
                id="nim-403-other",
            ),
            pytest.param(
                "novita",
                403,
                {"error": {"message": "Authorization failed"}},
                errors.PermissionDeniedError,
                id="novita-403-not-nim-marker",
            ),
            pytest.param("nim", 410, NIM_GONE, errors.ModelRetiredError, id="nim-410"),
            pytest.param("nim", 404, NIM_NOT_FOUND, errors.ModelNotFoundError, id="nim-404"),
            pytest.param("novita", 403, NOVITA_BALANCE, errors.QuotaExhaustedError, id="novita-balance"),
            pytest.param("baichuan", 429, BAICHUAN_QUOTA, errors.QuotaExhaustedError, id="baichuan-quota"),
            pytest.param("baichuan", 429, BAICHUAN_RATE, errors.RateLimitError, id="baichuan-rate"),
            pytest.param("local", 404, "404 page not found", errors.ModelNotFoundError, id="plain-404"),
            pytest.param("nim", 502, HTML_502, errors.ServerError, id="html-502"),
            pytest.param("novita", 400, CONTEXT_400, errors.ContextLengthExceededError, id="context-400"),
            pytest.param(
                "local",
                400,
                {
                    "error": {
                        "message": "the request exceeds the available context size, try increasing the context window"
                    }
                },
                errors.ContextLengthExceededError,
                id="context-llamacpp",
            ),
            pytest.param("novita", 400, openai_error("bad value", param="top_k"), errors.BadRequestError, id="400"),
            pytest.param("novita", 422, openai_error("unprocessable"), errors.BadRequestError, id="422"),
            pytest.param(
                "baichuan",
                401,
                {
                    "error": {
                        "code": "invalid_api_key",
                        "message": "Incorrect API key provided",
                        "type": "invalid_authentication",
                    }
                },
                errors.AuthenticationError,
                id="401",
            ),
            pytest.param("novita", 500, openai_error("internal", type_="server_error"), errors.ServerError, id="500"),
            pytest.param("nim", 503, "Service Unavailable", errors.ServerError, id="503"),
            pytest.param("novita", 408, "Request Timeout", errors.ServerError, id="408"),
            pytest.param("novita", 409, "Conflict", errors.ServerError, id="409"),
        ],
    )
    def test_error_type(
        self, provider: str, status: int, body: str | dict[str, Any], error_type: type[errors.APIError]
    ) -> None:
        error = error_for(provider, status, body)
        assert type(error) is error_type
        assert error.status_code == status
        assert error.provider == provider

    @pytest.mark.parametrize(
        ("error_type", "retryable"),
        [
            (errors.RateLimitError, True),
            (errors.ServerError, True),
            (errors.APIConnectionError, True),
            (errors.QuotaExhaustedError, False),
            (errors.AuthenticationError, False),
            (errors.PermissionDeniedError, False),
            (errors.BadRequestError, False),
            (errors.ContextLengthExceededError, False),
            (errors.ModelNotFoundError, False),
            (errors.ModelRetiredError, False),
            (errors.APITimeoutError, False),
            (errors.StreamInterruptedError, False),
        ],
    )
    def test_retryable(self, error_type: type[errors.APIError], retryable: bool) -> None:
        assert error_type("x", provider="novita").retryable is retryable

    def test_quota_is_not_retryable_although_429(self) -> None:
        error = error_for("baichuan", 429, BAICHUAN_QUOTA, retry_after=1.0)
        assert isinstance(error, errors.QuotaExhaustedError)
        assert not error.retryable
        assert "top up" in str(error)

    def test_novita_balance_is_quota(self) -> None:
        error = error_for("novita", 403, NOVITA_BALANCE)
        assert not error.retryable
        assert error.code == "NOT_ENOUGH_BALANCE"
        assert "Novita AI account is out of balance" in str(error)

    def test_rate_limit_carries_retry_after(self) -> None:
        error = error_for("baichuan", 429, BAICHUAN_RATE, retry_after=2.5)
        assert isinstance(error, errors.RateLimitError)
        assert error.retryable
        assert error.retry_after == 2.5
        assert error_for("baichuan", 429, BAICHUAN_RATE).retry_after is None

    def test_openai_param_is_surfaced(self) -> None:
        error = error_for(
            "novita", 400, openai_error("Invalid 'top_k': must be >= -1", code="invalid_value", param="top_k")
        )
        assert isinstance(error, errors.BadRequestError)
        assert error.param == "top_k"
        assert error.code == "invalid_value"
        assert "Check the parameter 'top_k'" in str(error)

    def test_nim_bad_key_names_the_env_var(self) -> None:
        error = error_for("nim", 403, NIM_AUTH_FAILED, model="meta/llama-3.3-70b-instruct")
        assert isinstance(error, errors.AuthenticationError)
        assert "NVIDIA_API_KEY" in str(error)
        assert "Authorization failed" in str(error)

    def test_retired_and_not_found_point_to_the_model_list(self) -> None:
        gone = error_for("nim", 410, NIM_GONE, model="z-ai/glm4.7")
        missing = error_for("nim", 404, NIM_NOT_FOUND, model="z-ai/glm4.7")
        assert "end of life" in str(gone)
        assert "'z-ai/glm4.7'" in gone.hint
        assert "Not found for account" in str(missing)
        for error in (gone, missing):
            assert "hostedllm models --provider nim" in str(error)

    def test_html_page_loses_its_tags(self) -> None:
        error = error_for("baichuan", 502, HTML_502)
        assert isinstance(error, errors.ServerError)
        assert "<" not in str(error)
        assert ">" not in str(error)
        assert "502 Bad Gateway" in error.message

    def test_plain_text_is_the_message(self) -> None:
        error = error_for("local", 404, "404 page not found\n")
        assert error.message == "404 page not found"


class TestErrorFromPayload:
    @pytest.mark.parametrize(
        ("provider", "payload", "status", "error_type"),
        [
            ("nim", {"error": {"message": "slow down", "code": 429}}, 429, errors.RateLimitError),
            (
                "nim",
                {"error": {"message": "context length exceeded", "code": 400}},
                400,
                errors.ContextLengthExceededError,
            ),
            ("nim", {"status": 503, "title": "Unavailable", "detail": "x"}, 503, errors.ServerError),
            ("novita", NOVITA_BALANCE, 403, errors.QuotaExhaustedError),
            ("novita", {"error": {"message": "boom", "code": "internal_error"}}, 500, errors.ServerError),
            ("novita", {"error": {"message": "odd", "code": 200}}, 500, errors.ServerError),
            ("baichuan", BAICHUAN_QUOTA, 500, errors.QuotaExhaustedError),
        ],
        ids=["int-code", "context", "problem-status", "novita", "string-code", "non-error-code", "quota-no-status"],
    )
    def test_status_and_type(
        self, provider: str, payload: dict[str, Any], status: int, error_type: type[errors.APIError]
    ) -> None:
        error = error_from_payload(get_provider(provider), payload)
        assert type(error) is error_type
        assert error.status_code == status


# --- the message ----------------------------------------------------------------------------------


class TestMessage:
    @pytest.mark.parametrize("provider", sorted(REQUEST_ID_HEADERS))
    @pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 429, 500, 503])
    def test_names_provider_status_request_id_and_a_hint(self, provider: str, status: int) -> None:
        header, request_id = REQUEST_ID_HEADERS[provider]
        error = error_for(provider, status, openai_error("something went wrong"), {header: request_id})
        text = str(error)
        assert text.startswith(f"[{provider}] HTTP {status}: something went wrong.")
        assert f"(request id {request_id})" in text
        assert error.request_id == request_id
        assert error.hint
        assert text.endswith(error.hint)

    def test_request_id_header_is_matched_case_insensitively(self) -> None:
        error = error_for("nim", 500, "x", {"nvcf-reqid": "abc-123"})
        assert error.request_id == "abc-123"
        assert "(request id abc-123)" in str(error)

    def test_another_providers_request_id_header_is_not_used(self) -> None:
        error = error_for("novita", 500, "x", {"X-BC-Request-Id": "bc-1"})
        assert error.request_id is None
        assert "request id" not in str(error)

    def test_no_request_id_header_means_no_request_id(self) -> None:
        error = error_for("baichuan", 500, "x")
        assert error.request_id is None
        assert "request id" not in str(error)

    @pytest.mark.parametrize(
        "body",
        [
            openai_error("x" * 5000),
            {"status": 400, "title": "Bad Request", "detail": "y " * 3000},
            {"code": 400, "reason": "INVALID", "message": "z" * 5000},
            "<html><body>" + "<p>w</p>" * 2000 + "</body></html>",
            "v" * 5000,
        ],
        ids=["openai", "problem-json", "novita", "html", "text"],
    )
    def test_long_bodies_are_truncated(self, body: str | dict[str, Any]) -> None:
        error = error_for("novita", 400, body)
        assert len(error.message) <= MAX_MESSAGE_CHARS
        assert error.message.endswith("…")
        assert len(str(error)) < MAX_MESSAGE_CHARS + 300


# --- the key never appears -----------------------------------------------------------------------


class TestSecrets:
    @pytest.mark.parametrize(
        ("provider", "status", "body"),
        [
            ("novita", 401, openai_error(f"Incorrect API key provided: {SECRET}.", code="invalid_api_key")),
            ("nim", 403, {"status": 403, "title": "Forbidden", "detail": f"Authorization failed for {SECRET}"}),
            ("novita", 403, {"code": 403, "reason": "INVALID_KEY", "message": f"key {SECRET} is invalid"}),
            ("baichuan", 401, {"error": f"bad key {SECRET}", "code": 401}),
            ("local", 401, f"401 Unauthorized: Bearer {SECRET}"),
            ("theturbo", 502, f"<html><body><pre>Authorization: Bearer {SECRET}</pre></body></html>"),
            ("novita", 400, openai_error(f"{SECRET} {SECRET} twice")),
        ],
        ids=["openai", "problem-json", "novita", "error-string", "text", "html", "twice"],
    )
    def test_the_key_echoed_in_a_body_never_appears(self, provider: str, status: int, body: Any) -> None:
        error = error_for(provider, status, body, secrets=(SECRET,))
        restored = roundtrip(error)
        for err in (error, restored):
            assert SECRET not in str(err)
            assert SECRET not in repr(err)
            assert all(SECRET not in str(arg) for arg in err.args)
            assert SECRET not in err.message
        assert "****" in error.message

    def test_an_empty_secret_changes_nothing(self) -> None:
        error = error_for("novita", 400, openai_error("plain message"), secrets=("",))
        assert error.message == "plain message"

    def test_a_key_cut_by_truncation_does_not_leak_in_part(self) -> None:
        message = "x" * (MAX_MESSAGE_CHARS - 20) + f" key {SECRET} rejected"
        error = error_for("novita", 401, openai_error(message), secrets=(SECRET,))
        assert len(error.message) <= MAX_MESSAGE_CHARS
        assert SECRET[:10] not in str(error)


# --- pickling ---------------------------------------------------------------------------------------


def _with_attempts(error: errors.APIError, attempts: int) -> errors.APIError:
    error.attempts = attempts
    return error


PICKLE_CASES = [
    pytest.param(
        lambda: error_for("baichuan", 429, BAICHUAN_RATE, {"X-BC-Request-Id": "bc-1"}, retry_after=2.5), id="rate-limit"
    ),
    pytest.param(
        lambda: error_for("novita", 400, openai_error("bad", code="invalid_value", param="top_k")), id="bad-request"
    ),
    pytest.param(
        lambda: error_for("nim", 403, NIM_AUTH_FAILED, {"NVCF-REQID": "n-1"}, model="some/model"), id="authentication"
    ),
    pytest.param(lambda: _with_attempts(error_for("nim", 503, "Service Unavailable"), 3), id="server-after-3"),
    pytest.param(lambda: errors.StreamInterruptedError("cut", provider="novita", hint="retry"), id="interrupted"),
]


class TestPickle:
    @pytest.mark.parametrize("make", PICKLE_CASES)
    def test_round_trip_keeps_type_message_and_attributes(self, make: Any) -> None:
        error = make()
        restored = roundtrip(error)
        assert type(restored) is type(error)
        assert str(restored) == str(error)
        assert restored.args == error.args
        for name in (
            "message",
            "provider",
            "status_code",
            "request_id",
            "code",
            "param",
            "hint",
            "attempts",
            "retryable",
        ):
            assert getattr(restored, name) == getattr(error, name), name

    def test_retry_after_and_attempts_survive(self) -> None:
        error = _with_attempts(error_for("baichuan", 429, BAICHUAN_RATE, retry_after=2.5), 3)
        restored = roundtrip(error)
        assert isinstance(restored, errors.RateLimitError)
        assert restored.retry_after == 2.5
        assert restored.attempts == 3
        assert restored.request_id is None
