"""The errors hostedllm raises, and the warnings it gives.

Two families of errors:

* :class:`RequestValidationError` (also a ``ValueError``): bad input found *before* any request
  is sent, such as an out-of-range parameter or an unknown model.
* :class:`APIError`: what a provider answered (or failed to answer), normalised from its error
  envelope into one typed class per cause, with a message that names the provider, the HTTP
  status, the request id and what to do.

Warnings (each given once per model, and what it is about): :class:`ModelStatusWarning` (a deprecated
or retired model), :class:`UnknownModelWarning` (an id the catalog lacks), :class:`UnverifiedCapabilityWarning`
(a capability with no evidence, tried), :class:`ToolChoiceWarning` (a tool call that cannot be forced) and
:class:`ThinkingWarning` (``thinking=False`` asked of a model that always thinks); :class:`ThinkingBudgetWarning`
(an answer cut off by ``max_tokens`` before the model stopped thinking).

>>> from hostedllm.errors import RateLimitError
>>> str(RateLimitError("Too Many Requests", provider="nim", status_code=429, hint="Slow down."))
'[nim] HTTP 429: Too Many Requests. Slow down.'
"""

from __future__ import annotations

from collections.abc import Sequence


class HostedLLMError(Exception):
    """Base class of every error raised by hostedllm."""

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only constructor arguments: rebuild from the state, not by calling __init__.
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))


def _rebuild(cls: type[HostedLLMError], args: tuple[object, ...], state: dict[str, object]) -> HostedLLMError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class ConfigurationError(HostedLLMError, ValueError):
    """A client cannot be set up: a missing key, an unsafe base URL, an unknown provider."""


class RequestValidationError(HostedLLMError, ValueError):
    """A request was refused before it was sent."""


class UnknownModelError(RequestValidationError):
    """The model id is not in the catalog for this provider."""

    def __init__(self, message: str, *, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.suggestions = tuple(suggestions)


class UnsupportedParameterError(RequestValidationError):
    """The provider (or this model) does not take the parameter."""

    def __init__(self, message: str, *, param: str) -> None:
        super().__init__(message)
        self.param = param


class ParameterRangeError(RequestValidationError):
    """A parameter value is outside the range the provider accepts."""

    def __init__(self, message: str, *, param: str) -> None:
        super().__init__(message)
        self.param = param


class UnsupportedCapabilityError(RequestValidationError):
    """The model cannot do what was asked (tools, a tool_choice, a JSON mode, a role)."""


class InvalidMessagesError(RequestValidationError):
    """The message list is empty, malformed, or uses roles the provider refuses."""


class APIError(HostedLLMError):
    """A provider call failed. Subclasses say why; ``retryable`` says whether retrying can help."""

    retryable = False
    #: How many requests were made before giving up (set by the retry layer).
    attempts = 1

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status_code: int | None = None,
        request_id: str | None = None,
        code: str | None = None,
        param: str | None = None,
        hint: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = message
        self.provider = provider
        self.status_code = status_code
        self.request_id = request_id
        self.code = code
        self.param = param
        self.hint = hint
        #: The wait the provider asked for (``Retry-After``), on any status; the retry layer honours it.
        self.retry_after = retry_after
        super().__init__(self._render())

    def __str__(self) -> str:
        return self._render()  # the retry layer sets ``attempts`` (and may sharpen ``hint``) after __init__

    def _render(self) -> str:
        status = f" HTTP {self.status_code}" if self.status_code is not None else ""
        text = f"[{self.provider}]{status}: {self.message.rstrip('.')}."
        if self.request_id:
            text += f" (request id {self.request_id})"
        if self.attempts > 1:
            text += f" Gave up after {self.attempts} attempts."
        if self.hint:
            text += f" {self.hint}"
        return text


class AuthenticationError(APIError):
    """The key is missing, malformed or revoked (HTTP 401, or NVIDIA's 403 "Authorization failed")."""


class PermissionDeniedError(APIError):
    """The key is valid but may not use this model or endpoint (HTTP 403)."""


class QuotaExhaustedError(APIError):
    """The account has no balance or quota left. Never retried."""


class RateLimitError(APIError):
    """Too many requests (HTTP 429). Retried with backoff, honouring ``Retry-After`` (as every retried error)."""

    retryable = True


class BadRequestError(APIError):
    """The provider rejected the request (HTTP 400/422); ``param`` names the culprit when known."""


class ContextLengthExceededError(BadRequestError):
    """The prompt plus ``max_tokens`` does not fit the model's context window."""


class ModelNotFoundError(APIError):
    """The model is unknown to the provider or unavailable to this account (HTTP 404)."""


class ModelRetiredError(APIError):
    """The provider has retired the model (HTTP 410 Gone)."""


class ServerError(APIError):
    """The provider failed (HTTP 5xx, 408, 409). Retried with backoff."""

    retryable = True


class APIConnectionError(APIError):
    """The provider could not be reached, or the connection broke. Retried with backoff."""

    retryable = True


class APITimeoutError(APIError):
    """No answer (or no next stream chunk) within the configured timeout."""


class DeadlineExceededError(APITimeoutError):
    """The call's total deadline (``Timeouts(total=...)``) passed before it finished. Never retried."""


class MalformedResponseError(APIError):
    """The provider answered with something that is not a chat-completions response."""


class StreamInterruptedError(APIError):
    """A stream broke off before the provider finished; the answer would be incomplete."""


class ModelStatusWarning(UserWarning):
    """A model in use is deprecated or retired."""


class UnknownModelWarning(UserWarning):
    """A model id the catalog does not list is used; it is sent as given, with provider defaults."""


class UnverifiedCapabilityWarning(UserWarning):
    """A request uses a capability the catalog has no evidence about; it is sent anyway."""


class ToolChoiceWarning(UserWarning):
    """A tool call was required but the model cannot be forced to make one; it is asked with ``auto``."""


class ThinkingWarning(UserWarning):
    """``thinking=False`` was asked of a model that always thinks; it is sent without a switch."""


class ThinkingBudgetWarning(UserWarning):
    """A reasoning model spent its whole output budget thinking (``finish_reason`` ``length``): no answer."""
