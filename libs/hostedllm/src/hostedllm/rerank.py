"""``RerankClient``: passages ordered by their relevance to a query, by one provider's reranker.

The provider's :class:`~hostedllm.providers.spec.RerankSpec` says where (NVIDIA: one hosted URL per
model, ``/ranking`` on a self-hosted NIM; Novita: its ``/rerank``), in which shape, and how many
passages a request takes. Longer lists are split; the scores are mapped back by ``index``, merged,
sorted best first and cut to ``top_n`` here (NVIDIA's ``/ranking`` takes no ``top_n``).

>>> client = RerankClient("nim", "nvidia/llama-nemotron-rerank-1b-v2", api_key="test")
>>> client.base_url + client.path
'https://ai.api.nvidia.com/v1/retrieval/nvidia/llama-nemotron-rerank-1b-v2/reranking'
>>> client.build_request("RAG?", ["Retrieval."])["passages"]
[{'text': 'Retrieval.'}]

Parameters:
    provider, model: as for ``ChatClient``; an id the catalog lacks is taken as a reranker.
    base_url: a self-hosted server (NIM: its ``/ranking``); default: the provider's reranking service.
    top_n: how many passages to keep (default: all), per call too.
    truncate: where the provider takes it (NVIDIA: ``"NONE"`` or ``"END"``).
    batch_size, max_concurrency: passages per request (at most the provider's limit) and requests in flight.
    The rest as for ``ChatClient``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import httpx
from pydantic import SecretStr

from hostedllm.catalog import Catalog, default_catalog, warn_if_inactive
from hostedllm.endpoint import Endpoint
from hostedllm.errors import MalformedResponseError, RequestValidationError, UnsupportedParameterError
from hostedllm.provider_errors import error_from_payload, redact
from hostedllm.providers import ProviderSpec, RerankSpec, get_provider
from hostedllm.retrieval import (
    added_tokens,
    asend_batches,
    checked_batch_size,
    listed_texts,
    model_of_kind,
    send_batches,
)
from hostedllm.tokens import Tokens
from hostedllm.transport import RetryPolicy, Timeouts
from hostedllm.transport.deadline import Deadline
from hostedllm.transport.ratelimit import Limiter, RateLimit


@dataclass(frozen=True, slots=True)
class Ranked:
    """One passage's place: its position in the list given, and the provider's score (higher: more relevant)."""

    index: int
    score: float


class Reranked(NamedTuple):
    """The passages best first (at most ``top_n``), and the tokens the requests used."""

    ranking: list[Ranked]
    tokens: Tokens | None


class _Batch(NamedTuple):
    body: bytes
    offset: int
    size: int


class RerankClient:
    """Rerank passages for a query with one provider model, batched, with retries and typed errors."""

    def __init__(
        self,
        provider: str | ProviderSpec,
        model: str,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        top_n: int | None = None,
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
        if self.spec.rerank is None:
            raise RequestValidationError(f"{self.spec.display_name} has no reranking endpoint that hostedllm knows.")
        self.rerank: RerankSpec = self.spec.rerank
        self.catalog = catalog or default_catalog()
        entry = self.catalog.resolve(self.spec.name, model, allow_unknown=allow_unknown_model, strict=strict_catalog)
        self.model = model_of_kind(entry, "rerank")
        warn_if_inactive(self.model)
        self.top_n = _checked_top_n(top_n)
        self.truncate = self._checked_truncate(truncate)
        self.batch_size = checked_batch_size(batch_size, self.rerank.max_batch, self.spec.display_name, "passages")
        if max_concurrency < 1:
            raise RequestValidationError(f"max_concurrency={max_concurrency} must be 1 or more.")
        self.max_concurrency = max_concurrency
        own = base_url or os.environ.get(self.spec.base_url_env)  # a server of the user's own
        self.path = self.rerank.path_for(self.model.id, self_hosted=bool(own))
        endpoint = Endpoint.open(
            self.spec,
            self.model.id,
            api_key=api_key,
            base_url=own or self.rerank.base_url or self.spec.base_url,
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
        return f"RerankClient(provider={self.spec.name!r}, model={self.model.id!r}, base_url={self.base_url!r})"

    def build_request(self, query: str, passages: Sequence[str], *, top_n: int | None = None) -> dict[str, Any]:
        """One request's body (no batching; ``top_n`` is sent where the provider takes it)."""
        body: dict[str, Any] = {"model": self.model.id}
        if self.rerank.shape == "nvidia":
            body.update(query={"text": query}, passages=[{"text": passage} for passage in passages])
        else:
            body.update(query=query, documents=list(passages))
            if top_n is not None:
                body["top_n"] = min(top_n, len(passages))
        if self.truncate is not None:
            body["truncate"] = self.truncate
        return body

    def rank(self, query: str, passages: Sequence[str], *, top_n: int | None = None) -> Reranked:
        """The passages' places, best first, at most ``top_n`` (default: the client's, else all)."""
        keep = self._keep(top_n)
        batches = self._batches(query, passages, keep)
        return _merged(send_batches(batches, self._send, self.retry_policy, self.timeouts.total), keep)

    async def arank(self, query: str, passages: Sequence[str], *, top_n: int | None = None) -> Reranked:
        """:meth:`rank` on the async path, with at most ``max_concurrency`` requests in flight."""
        keep = self._keep(top_n)
        batches = self._batches(query, passages, keep)
        results = await asend_batches(
            batches,
            self._asend,
            self.retry_policy,
            total=self.timeouts.total,
            max_concurrency=self.max_concurrency,
            provider=self.spec.name,
        )
        return _merged(results, keep)

    def close(self) -> None:
        self._http.close()

    async def aclose(self) -> None:
        await self._http.aclose()

    def _keep(self, top_n: int | None) -> int | None:
        return _checked_top_n(top_n) if top_n is not None else self.top_n

    def _batches(self, query: str, passages: Sequence[str], keep: int | None) -> list[_Batch]:
        if not isinstance(query, str) or not query.strip():
            raise RequestValidationError("query is empty; pass the text to rank the passages against.")
        listed = listed_texts(passages, "passages")
        size = self.batch_size
        return [
            _Batch(json.dumps(self.build_request(query, listed[start : start + size], top_n=keep)).encode(), start, n)
            for start in range(0, len(listed), size)
            for n in (len(listed[start : start + size]),)
        ]

    def _send(self, batch: _Batch, deadline: Deadline | None) -> Reranked:
        return self._parse(self._http.post(self.path, batch.body, deadline), batch)

    async def _asend(self, batch: _Batch) -> Reranked:
        return self._parse(await self._http.apost(self.path, batch.body), batch)

    def _parse(self, content: bytes, batch: _Batch) -> Reranked:
        """One answer's places, as positions in the whole list given."""
        try:
            data: Any = json.loads(content)
        except ValueError:
            snippet = redact(content.decode("utf-8", "replace"), self._secrets)[:80]
            raise self._malformed(f"the answer is not JSON: {snippet!r}") from None
        if isinstance(data, dict) and "error" in data and "rankings" not in data and "results" not in data:
            raise error_from_payload(self.spec, data, model=self.model.id, secrets=self._secrets)
        key, score_key = ("rankings", "logit") if self.rerank.shape == "nvidia" else ("results", "relevance_score")
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise self._malformed(f"the answer has no '{key}' list")
        ranking: list[Ranked] = []
        seen: set[int] = set()
        for position, item in enumerate(items):
            index = item.get("index") if isinstance(item, dict) else None
            score = item.get(score_key) if isinstance(item, dict) else None
            if type(index) is not int or not 0 <= index < batch.size or index in seen:
                raise self._malformed(f"{key}[{position}].index is not a new position below {batch.size}")
            if type(score) is not float and type(score) is not int:
                raise self._malformed(f"{key}[{position}].{score_key} is not a number")
            seen.add(index)
            ranking.append(Ranked(batch.offset + index, float(score)))
        return Reranked(ranking, Tokens.from_usage(data.get("usage")))

    def _checked_truncate(self, truncate: str | None) -> str | None:
        if truncate is None:
            return None
        if not self.rerank.truncate:
            raise UnsupportedParameterError(
                f"{self.spec.display_name}'s reranking does not take truncate; shorten the passages.", param="truncate"
            )
        if truncate not in self.rerank.truncate:
            raise RequestValidationError(
                f"truncate={truncate!r} is not one of {', '.join(map(repr, self.rerank.truncate))}."
            )
        return truncate

    def _malformed(self, message: str) -> MalformedResponseError:
        return MalformedResponseError(
            message, provider=self.spec.name, status_code=200, hint="Check that the base URL serves reranking."
        )


def _checked_top_n(top_n: int | None) -> int | None:
    if top_n is not None and (isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1):
        raise RequestValidationError(f"top_n={top_n!r} must be a positive integer (or None for all passages).")
    return top_n


def _merged(results: Sequence[Reranked], keep: int | None) -> Reranked:
    """Every batch's places, best first (ties: the earlier passage first), cut to ``keep``."""
    ranking = sorted((place for result in results for place in result.ranking), key=lambda r: (-r.score, r.index))
    tokens = added_tokens([result.tokens for result in results])
    return Reranked(ranking[:keep] if keep is not None else ranking, tokens)
