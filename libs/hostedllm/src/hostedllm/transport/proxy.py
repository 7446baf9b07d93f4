"""Which proxy a request goes through: one reading of the environment for the sync and async paths.

``HTTPS_PROXY``, ``HTTP_PROXY`` (by the URL's scheme) and ``ALL_PROXY`` (for any scheme without its
own), in either case, name the proxy; ``NO_PROXY`` lists hosts reached directly (``*`` for all).
The environment is read through the standard library (``urllib.request.getproxies_environment``
and ``proxy_bypass``, as requests does), and the answer goes to httpx's sync client and
to the aiohttp transport alike, so both paths take the same route.

>>> import os
>>> os.environ["ALL_PROXY"] = "proxy.internal:3128"
>>> environment_proxy("https://api.example.com/v1")
'http://proxy.internal:3128'
>>> del os.environ["ALL_PROXY"]
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit


def environment_proxy(url: str) -> str | None:
    """The proxy URL the environment sets for ``url`` (``None``: connect directly)."""
    proxies = urllib.request.getproxies_environment()  # lower-cased keys: "https", "all", "no", ...
    parts = urlsplit(url)
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or (proxies.get("no") and urllib.request.proxy_bypass(parts.netloc)):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"
