"""``EmbeddingsClient``: vectors for texts from one provider's embedding model, sync and async.

The same shape as :class:`~hostedllm.client.ChatClient`: the catalog entry (kind ``embedding``),
the provider's :class:`~hostedllm.providers.spec.EmbeddingSpec` (path, batch limit, parameters),
one retry layer, typed errors. A list longer than the provider takes in one request is split into
batches, sent in order (async: at most ``max_concurrency`` at once) and put back in order. Bad input
is refused before anything is sent: a single string where a list belongs (a peer embedded every
character), an empty text, a parameter the provider does not take, a text clearly over the model's
window without ``truncate``.

>>> client = EmbeddingsClient("nim", "nvidia/nv-embedqa-e5-v5", api_key="test")
>>> client.build_request(["What is RAG?"], input_type="query")
{'model': 'nvidia/nv-embedqa-e5-v5', 'input': ['What is RAG?'], 'input_type': 'query'}

Parameters:
    provider, model: as for ``ChatClient``; an id the catalog lacks is taken as an embedding model.
    input_type: not here but per call (``"query"`` / ``"passage"``), sent where the provider takes it.
    dimensions, truncate: sent with every request, where the provider takes them.
    batch_size: texts per request (at most the provider's limit, which is the default).
    max_concurrency: batches in flight at once on the async path.
    The rest (key, base URL, timeouts, retries, transports, ``capabilities`` aside) as for ``ChatClient``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

import httpx
from pydantic import SecretStr

from hostedllm.catalog import Catalog, Cost, default_catalog, estimate_cost, warn_if_inactive
from hostedllm.endpoint import Endpoint
from hostedllm.errors import MalformedResponseError, RequestValidationError, UnsupportedParameterError
from hostedllm.provider_errors import error_from_payload, redact
from hostedllm.providers import EmbeddingSpec, ProviderSpec, get_provider
from hostedllm.retrieval import (
    added_tokens,
    asend_batches,
    checked_batch_size,
    listed_texts,
    model_of_kind,
    send_batches,
)
from hostedllm.token_estimate import estimate_tokens
from hostedllm.tokens import Tokens
from hostedllm.transport import RetryPolicy, Timeouts
from hostedllm.transport.deadline import Deadline
from hostedllm.transport.ratelimit import Limiter, RateLimit

InputType = Literal["query", "passage"]
INPUT_TYPES: tuple[InputType, ...] = ("query", "passage")
#: A text is refused as too long only when its estimate is this far over the window (the estimate
#: is within about 25 % on short texts, ``hostedllm.token_estimate``); below it the provider decides.
OVER_WINDOW = 1.5


class Embedded(NamedTuple):
    """The vectors, in the order of the texts, and the tokens all the requests used."""

    vectors: list[list[float]]
    tokens: Tokens | None


class _Batch(NamedTuple):
    body: bytes
    size: int


class EmbeddingsClient:
    """Embeddings from one provider model, with pooled connections, batching and retries."""

    def __init__(
        self,
        provider: str | ProviderSpec,
        model: str,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        dimensions: int | None = None,
        truncate: str | None = None,
        batch_size: int | None = None,
        max_concurrency: int = 4,
        timeout: float | Timeouts | httpx.Timeout | None = None,
        max_retries: int = 2,
        retry_policy: RetryPolicy | None = None,
        allow_unknown_model: bool = False,
        strict_catalog: bool | None = None,
        allow_insecure_http: bool = False,
        default_headers: Mapping[str, str] | None = None,
        catalog: Catalog | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        verify: bool = True,
        rate_limit: RateLimit | Limiter | None = None,
    ) -> None:
        self.spec = get_provider(provider)
        self.embedding = _embedding_spec(self.spec)
        self.catalog = catalog or default_catalog()
        self.model = model_of_kind(
            self.catalog.resolve(self.spec.name, model, allow_unknown=allow_unknown_model, strict=strict_catalog),
            "embedding",
        )
        warn_if_inactive(self.model)
        self.dimensions = self._checked_dimensions(dimensions)
        self.truncate = self._checked_truncate(truncate)
        self.batch_size = checked_batch_size(batch_size, self.embedding.max_batch, self.spec.display_name, "texts")
        if max_concurrency < 1:
            raise RequestValidationError(f"max_concurrency={max_concurrency} must be 1 or more.")
        self.max_concurrency = max_concurrency
        endpoint = Endpoint.open(
            self.spec,
            self.model.id,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            allow_insecure_http=allow_insecure_http,
            default_headers=default_headers,
            transport=transport,
            async_transport=async_transport,
            verify=verify,
            rate_limit=rate_limit,
        )
        self.api_key, self.base_url, self.timeouts = endpoint.api_key, endpoint.base_url, endpoint.timeouts
        self.retry_policy = endpoint.retry_policy
        self._secrets, self._http = endpoint.secrets, endpoint.http

    def __repr__(self) -> str:
        return f"EmbeddingsClient(provider={self.spec.name!r}, model={self.model.id!r}, base_url={self.base_url!r})"

    def build_request(self, texts: Sequence[str], *, input_type: InputType | None = None) -> dict[str, Any]:
        """One request's body for ``texts`` (checked; no batching)."""
        body: dict[str, Any] = {"model": self.model.id, "input": list(texts)}
        if input_type is not None:
            if input_type not in INPUT_TYPES:
                raise RequestValidationError(
                    f"input_type={input_type!r} is not one of {', '.join(map(repr, INPUT_TYPES))}: "
                    "'query' for a search query, 'passage' for a document to be searched."
                )
            if self.embedding.input_type:  # providers without it embed queries and passages alike
                body["input_type"] = input_type
        if self.truncate is not None:
            body["truncate"] = self.truncate
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        return body

    def embed(self, texts: Sequence[str], *, input_type: InputType | None = None) -> Embedded:
        """Vectors for ``texts``, in order (one request per batch)."""
        batches = self._batches(texts, input_type)
        return _joined(send_batches(batches, self._send, self.retry_policy, self.timeouts.total))

    async def aembed(self, texts: Sequence[str], *, input_type: InputType | None = None) -> Embedded:
        """:meth:`embed` on the async path, with at most ``max_concurrency`` batches in flight."""
        batches = self._batches(texts, input_type)
        results = await asend_batches(
            batches,
            self._asend,
            self.retry_policy,
            total=self.timeouts.total,
            max_concurrency=self.max_concurrency,
            provider=self.spec.name,
        )
        return _joined(results)

    def estimate_cost(self, tokens: Tokens | None) -> Cost | None:
        """The cost of ``tokens`` at the catalog price (``None`` if it has none)."""
        return estimate_cost(self.model, tokens)

    def close(self) -> None:
        self._http.close()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _batches(self, texts: Sequence[str], input_type: InputType | None) -> list[_Batch]:
        checked = self._checked_texts(texts)
        size = self.batch_size
        return [
            _Batch(json.dumps(self.build_request(part, input_type=input_type)).encode(), len(part))
            for part in (checked[start : start + size] for start in range(0, len(checked), size))
        ]

    def _send(self, batch: _Batch, deadline: Deadline | None) -> Embedded:
        return self._settled(batch, self._parse(self._http.post(self.embedding.path, batch.body, deadline), batch.size))

    async def _asend(self, batch: _Batch) -> Embedded:
        return self._settled(batch, self._parse(await self._http.apost(self.embedding.path, batch.body), batch.size))

    def _settled(self, batch: _Batch, embedded: Embedded) -> Embedded:
        """``embedded``, after telling the rate limiter the tokens its request used."""
        if embedded.tokens is not None:
            self._http.settle(batch.body, embedded.tokens.total or embedded.tokens.input)
        return embedded

    def _parse(self, content: bytes, sent: int) -> Embedded:
        """The vectors of one answer, sorted by ``index``, one per text sent."""
        try:
            data: Any = json.loads(content)
        except ValueError:
            snippet = redact(content.decode("utf-8", "replace"), self._secrets)[:80]
            raise self._malformed(f"the answer is not JSON: {snippet!r}") from None
        if isinstance(data, dict) and "error" in data and "data" not in data:
            raise error_from_payload(self.spec, data, model=self.model.id, secrets=self._secrets)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) != sent:
            got = len(items) if isinstance(items, list) else "no"
            raise self._malformed(f"the answer has {got} vectors for {sent} texts")
        vectors: list[list[float] | None] = [None] * sent
        for position, item in enumerate(items):
            index = item.get("index", position) if isinstance(item, dict) else None
            vector = item.get("embedding") if isinstance(item, dict) else None
            if type(index) is not int or not 0 <= index < sent or vectors[index] is not None:
                raise self._malformed(f"data[{position}].index is not a new position below {sent}")
            if not isinstance(vector, list) or not all(type(x) is float or type(x) is int for x in vector):
                raise self._malformed(f"data[{position}].embedding is not a list of numbers")
            vectors[index] = _unit(vector) if self.embedding.normalize else vector
        return Embedded([v for v in vectors if v is not None], Tokens.from_usage(data.get("usage")))

    def _checked_texts(self, texts: Sequence[str]) -> list[str]:
        listed = listed_texts(texts, "texts")
        window = self.model.context_window
        if not window or self.truncate not in (None, "NONE"):
            return listed
        for position, text in enumerate(listed):
            if len(text) > window:  # cheap: a token is at least one character
                estimate = estimate_tokens(text)
                if estimate > window * OVER_WINDOW:
                    fix = " or pass truncate='END'" if "END" in self.embedding.truncate else ""
                    raise RequestValidationError(
                        f"texts[{position}] is about {estimate:,} tokens, over {self.model.id}'s window of "
                        f"{window:,} by about {estimate - window:,}: split it{fix}."
                    )
        return listed

    def _checked_dimensions(self, dimensions: int | None) -> int | None:
        if dimensions is None:
            return None
        if not self.embedding.dimensions:
            raise UnsupportedParameterError(
                f"{self.spec.display_name} does not take dimensions; leave it out (vectors have the model's length).",
                param="dimensions",
            )
        if isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1:
            raise RequestValidationError(f"dimensions={dimensions!r} must be a positive integer.")
        most = self.model.dimensions
        if most is not None and dimensions > most:
            raise RequestValidationError(
                f"dimensions={dimensions} is more than {self.model.id} returns ({most}); pass {most} or fewer."
            )
        return dimensions

    def _checked_truncate(self, truncate: str | None) -> str | None:
        if truncate is None:
            return None
        if not self.embedding.truncate:
            raise UnsupportedParameterError(
                f"{self.spec.display_name} does not take truncate; shorten the texts instead.", param="truncate"
            )
        if truncate not in self.embedding.truncate:
            raise RequestValidationError(
                f"truncate={truncate!r} is not one of {', '.join(map(repr, self.embedding.truncate))}."
            )
        return truncate

    def _malformed(self, message: str) -> MalformedResponseError:
        return MalformedResponseError(
            message, provider=self.spec.name, status_code=200, hint="Check that the base URL serves embeddings."
        )


def _embedding_spec(spec: ProviderSpec) -> EmbeddingSpec:
    if spec.embeddings is None:
        raise RequestValidationError(f"{spec.display_name} has no embeddings endpoint that hostedllm knows.")
    return spec.embeddings


def _joined(results: Sequence[Embedded]) -> Embedded:
    """The batches' vectors in order, and their tokens added up (``None`` where a batch reported none)."""
    if len(results) == 1:
        return results[0]
    vectors = [vector for result in results for vector in result.vectors]
    return Embedded(vectors, added_tokens([result.tokens for result in results]))


def _unit(vector: list[float]) -> list[float]:
    """``vector`` scaled to length 1 (a zero vector as it is)."""
    length = math.hypot(*vector)
    return [x / length for x in vector] if length else vector
