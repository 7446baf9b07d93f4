"""The vcrpy settings that keep every provider's key out of cassettes.

>>> config = vcr_config_for_providers()
>>> config["filter_headers"][0], config["match_on"]
(('authorization', 'REDACTED'), ('method', 'scheme', 'host', 'port', 'path', 'body'))
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from hostedllm.testing.scrub import REDACTED, key_headers, scrub_request, scrub_response

#: Not the query string, which may carry a timestamp or a signature that changes every run.
MATCH_ON = ("method", "scheme", "host", "port", "path", "body")


def vcr_config_for_providers(*, extra_env: Sequence[str] = ()) -> dict[str, Any]:
    """Settings for ``vcr.VCR(**...)`` or pytest-recording's ``vcr_config``.

    Every provider's key header (from the provider specs) is replaced with ``REDACTED``, so are
    key query parameters, key fields of a JSON body, and the value of every provider's key
    variable (plus ``extra_env``, e.g. ``["OPENAI_API_KEY"]``) wherever it appears, in the
    response too; compressed answers are stored decoded; requests match on method, URL without
    the query, and body. ``record_mode`` is left to the caller (pytest-recording's command line).
    """
    return {
        "filter_headers": [(name, REDACTED) for name in key_headers()],
        "before_record_request": functools.partial(scrub_request, extra_env=tuple(extra_env)),
        "before_record_response": functools.partial(scrub_response, extra_env=tuple(extra_env)),
        "decode_compressed_response": True,
        "match_on": MATCH_ON,
    }
