"""The platforms' public keys, fetched from their JWKS URLs and cached in the process.

A launch must not wait on the LMS for every learner, so a key set is kept for
``CACHE_SECONDS``; an id_token signed with a kid the cached set lacks, or that the cached
key does not verify (the platform rotated its key), refetches at once, but at most every
``REFETCH_SECONDS`` per URL, so a stream of forgeries cannot turn the tool into a load
generator against the platform.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import jwt

CACHE_SECONDS = 300.0
REFETCH_SECONDS = 1.0
FETCH_TIMEOUT = 5.0


class KeySetUnavailable(RuntimeError):
    """The platform's JWKS URL did not give a key set."""


class PlatformKeys:
    def __init__(self) -> None:
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def _fetch(self, url: str) -> dict[str, Any]:
        try:
            response = httpx.get(url, timeout=FETCH_TIMEOUT, follow_redirects=False)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise KeySetUnavailable(
                f"the platform's JWKS ({url}) is unavailable: {error}"
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list):
            raise KeySetUnavailable(f"the platform's JWKS ({url}) is not a key set")
        with self._lock:
            self._cache[url] = (time.monotonic(), body)
        return body

    def key_set(self, url: str, token: str) -> tuple[dict[str, Any], bool]:
        """The key set of ``url`` that should hold the key ``token`` was signed with, and
        whether it was fetched just now."""
        with self._lock:
            cached = self._cache.get(url)
        now = time.monotonic()
        if cached is None or now - cached[0] > CACHE_SECONDS:
            return self._fetch(url), True
        fetched_at, body = cached
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return body, False  # validation refuses it with the reason
        known = {k.get("kid") for k in body["keys"] if isinstance(k, dict)}
        if kid and kid not in known and now - fetched_at > REFETCH_SECONDS:
            return self._fetch(url), True
        return body, False

    def refreshed(self, url: str) -> dict[str, Any] | None:
        """The key set fetched again, unless it was fetched within ``REFETCH_SECONDS``."""
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None and time.monotonic() - cached[0] <= REFETCH_SECONDS:
            return None
        return self._fetch(url)
