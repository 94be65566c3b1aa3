"""Sign-in under attack: the client's address behind proxies, and growing delays after failures.

Failed sign-ins (a wrong password, a wrong authenticator code) slow down the address they come
from, and that address's further tries at the same account; never the account itself, so
whoever knows a resident's e-mail address cannot keep the resident out from elsewhere.

Each scope of ``settings.PBUDGET_SIGNIN_BACKOFF`` lets ``free`` failures through, then makes
the next try wait ``first`` seconds, twice as long after each further failure, at most ``most``
seconds; ``forget`` seconds without a try start the count again. A try is counted as a
failure when it starts, so that tries sent in parallel cannot slip past the delay, and is
given back when it succeeds.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PER_ADDRESS = "per_address"
PER_ACCOUNT_AND_ADDRESS = "per_account_and_address"

LOCK_SECONDS = 5
LOCK_WAIT_SECONDS = 1.0


def client_address(request: HttpRequest) -> str:
    """Return the client's IP address as sign-in limits count it.

    The address comes from allauth's adapter, which reads it through the trusted proxies
    (``PBUDGET_TRUSTED_PROXIES`` or ``PBUDGET_CLIENT_IP_HEADER``); an IPv6 client counts as
    its network (``/64``), as allauth's own rate limits do. Use this function wherever
    pbudget limits something per address.
    """
    from allauth import app_settings as allauth_settings
    from allauth.account.adapter import get_adapter

    address = get_adapter(request).get_client_ip(request)
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        prefix = allauth_settings.RATE_LIMIT_IPV6_PREFIX
        return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
    return str(ip)


@dataclass(frozen=True)
class Backoff:
    """How one scope slows failed tries down (see the module docstring)."""

    free: int
    first: float
    most: float
    forget: float

    def wait(self, failures: int) -> float:
        """Seconds the next try waits after the last of ``failures`` failures."""
        if failures < self.free:
            return 0.0
        return min(self.first * 2 ** min(failures - self.free, 40), self.most)


def backoff(scope: str) -> Backoff:
    """The configured backoff of ``scope``."""
    return Backoff(**settings.PBUDGET_SIGNIN_BACKOFF[scope])


def _cache_key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()
    return f"signin:{scope}:{digest}"


@contextmanager
def _locked(key: str) -> Iterator[bool]:
    """Hold the cache lock of ``key`` (True), or give up after a second (False)."""
    lock = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not cache.add(lock, 1, timeout=LOCK_SECONDS):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(0.01)
    try:
        yield True
    finally:
        cache.delete(lock)


@dataclass
class SigninAttempt:
    """A try counted in advance as a failure; ``succeeded()`` gives it back."""

    address_key: str
    account_key: str

    def succeeded(self) -> None:
        """Forget the account's failures from this address; give the address its try back."""
        cache.delete(self.account_key)
        with _locked(self.address_key) as locked:
            state = cache.get(self.address_key) if locked else None
            if state:
                failures, last = state
                cache.set(
                    self.address_key,
                    (max(failures - 1, 0), last),
                    timeout=backoff(PER_ADDRESS).forget,
                )


def _account_key(kind: str, account: str, address: str) -> str:
    return _cache_key(PER_ACCOUNT_AND_ADDRESS, f"{kind}\0{account.lower()}\0{address}")


def signin_forget(request: HttpRequest, *, kind: str, account: str) -> None:
    """Forget the failed ``kind`` of tries at ``account`` from this client (not from others)."""
    cache.delete(_account_key(kind, account, client_address(request)))


def signin_attempt(request: HttpRequest, *, kind: str, account: str) -> SigninAttempt | None:
    """Count a ``kind`` of sign-in try ("password", "mfa") at ``account`` from this client.

    Return None, counting nothing, while the client's address or its tries at this account
    must still wait.
    """
    address = client_address(request)
    scopes = {
        PER_ADDRESS: _cache_key(PER_ADDRESS, address),
        PER_ACCOUNT_AND_ADDRESS: _account_key(kind, account, address),
    }
    now = time.time()
    with ExitStack() as stack:
        for key in scopes.values():
            if not stack.enter_context(_locked(key)):
                return None  # a burst of parallel tries: refuse rather than wait
        states = {}
        for scope, key in scopes.items():
            failures, last = cache.get(key) or (0, 0.0)
            states[scope] = (failures, last) if now - last < backoff(scope).forget else (0, 0.0)
        for scope, (failures, last) in states.items():
            if now < last + backoff(scope).wait(failures):
                return None
        for scope, (failures, _last) in states.items():
            rule = backoff(scope)
            timeout = max(rule.forget, rule.wait(failures + 1))
            cache.set(scopes[scope], (failures + 1, now), timeout=timeout)
    return SigninAttempt(
        address_key=scopes[PER_ADDRESS], account_key=scopes[PER_ACCOUNT_AND_ADDRESS]
    )
