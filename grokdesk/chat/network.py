"""Network settings put to use: clients built with the proxy and trust the user chose,
proxy credentials in the keyring, and the warning before a key goes out unencrypted.

Both faces build their clients here (the chat service, and the window's "test
connection"), so a proxy or a CA bundle set in Preferences applies everywhere.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from grokdesk import __version__
from grokdesk.api.errors import NetworkSettingsError
from grokdesk.api.proxies import ProxySettings, ProxyURLError, parse_proxy_url
from grokdesk.api.route import environment_is_usable, proxy_for
from grokdesk.config import NetworkPreferences, Profile
from grokdesk.errors import register_secret

if TYPE_CHECKING:
    from grokdesk.api.client import ChatClient
    from grokdesk.secrets import KeyStore

log = logging.getLogger(__name__)

PROXY_ACCOUNT_PREFIX = "proxy:"


class ProxyCredentials:
    """The proxy's user name and password, in the keyring beside the API keys.

    One entry per proxy host, account ``proxy:<host>``, secret ``user:password``
    (a user name cannot contain ``:`` in HTTP Basic auth either). When there is no
    keyring, credentials can be held in memory for this run.
    """

    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys
        self._session: dict[str, tuple[str, str]] = {}

    @staticmethod
    def account(proxy_url: str) -> str:
        """The keyring account for the proxy at ``proxy_url``."""
        try:
            address, _ = parse_proxy_url(proxy_url)
        except ProxyURLError as exc:
            raise NetworkSettingsError(str(exc)) from None
        return f"{PROXY_ACCOUNT_PREFIX}{address.host}"

    def lookup(self, proxy_url: str) -> tuple[str, str] | None:
        """The stored ``(user, password)`` for this proxy, or None."""
        from grokdesk.secrets import KeyringUnavailableError

        account = self.account(proxy_url)
        try:
            # Not KeyStore.lookup: that one is for API keys and may answer
            # GROKDESK_API_KEY, which would hand the API key to the proxy.
            stored = self._keys._call("get_password", account)
        except KeyringUnavailableError:
            stored = None
        if stored and ":" in stored:
            user, password = stored.split(":", 1)
            register_secret(password)
            return user, password
        return self._session.get(account)

    def store(self, proxy_url: str, user: str, password: str) -> None:
        """Keep the credentials in the keyring (KeyringUnavailableError when there is none)."""
        self._keys.store(self.account(proxy_url), _joined(user, password))

    def remember_for_session(self, proxy_url: str, user: str, password: str) -> None:
        """Hold the credentials in memory only, when the keyring cannot."""
        _joined(user, password)
        self._session[self.account(proxy_url)] = (user, password)

    def delete(self, proxy_url: str) -> bool:
        """Forget the credentials; returns whether the keyring had them."""
        account = self.account(proxy_url)
        self._session.pop(account, None)
        return self._keys.delete(account)


def _joined(user: str, password: str) -> str:
    if not user or ":" in user:
        raise ValueError("The proxy user name must not be empty or contain ':'")
    register_secret(password)
    return f"{user}:{password}"


def proxy_settings(network: NetworkPreferences, auth: tuple[str, str] | None = None
                   ) -> ProxySettings | None:
    """The explicit proxy of ``network`` with its credentials, or None for the system's."""
    if not network.proxy:
        return None
    try:
        address, _ = parse_proxy_url(network.proxy)
    except ProxyURLError as exc:
        raise NetworkSettingsError(str(exc)) from None
    return ProxySettings(address.url, auth, network.no_proxy)


def build_client(base_url: str, api_key: str | None, network: NetworkPreferences, *,
                 proxy_auth: tuple[str, str] | None = None, **overrides: Any) -> ChatClient:
    """A client for ``base_url`` honouring the timeouts, proxy and CA bundle of ``network``.

    ``overrides`` go to :class:`ChatClient` as they are (shorter timeouts for a
    connection test, say). The caller closes the client. Raises NetworkSettingsError
    for a proxy (set here or in the environment) or CA bundle that cannot be used.
    """
    from grokdesk.api.client import ChatClient
    from grokdesk.api.tls import trust_context

    _check_environment(network)
    options: dict[str, Any] = {
        "user_agent": f"grokdesk/{__version__}",
        "connect_timeout": network.connect_timeout,
        "read_timeout": network.read_timeout,
        "max_retries": network.max_retries,
        "proxy": proxy_settings(network, proxy_auth),
        "verify": trust_context(network.ca_bundle or None),
    }
    options.update(overrides)
    return ChatClient(base_url, api_key, **options)


def check_settings(network: NetworkPreferences) -> None:
    """Raise the NetworkSettingsError :func:`build_client` would for ``network``, without
    building a client: no httpx, no system trust store, so a Send can check on the spot."""
    from grokdesk.api.tls import check_bundle

    _check_environment(network)
    proxy_settings(network)
    if network.ca_bundle:
        check_bundle(network.ca_bundle)


def _check_environment(network: NetworkPreferences) -> None:
    if not network.proxy and not environment_is_usable():
        raise NetworkSettingsError(
            "The proxy environment variables (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY "
            "or their lower-case forms) hold a value that cannot be used; correct or unset "
            "them, or set a proxy in the network settings")


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine: 127.0.0.0/8, ::1 or a ``localhost`` name."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def proxy_route(base_url: str, network: NetworkPreferences) -> str | None:
    """The proxy requests to ``base_url`` take with ``network`` (the app's own proxy, or
    the environment's when there is none), or None when they go directly."""
    try:
        explicit = proxy_settings(network)
    except NetworkSettingsError:
        return None  # no client can be built, so nothing is sent
    return proxy_for(base_url, explicit)


def insecure_transport_warning(profile: Profile, network: NetworkPreferences | None = None,
                               *, sends_key: bool = True) -> str | None:
    """A warning when ``profile`` sends its key and the conversation unencrypted.

    None for ``https://`` and for plain ``http://`` straight to this machine (a local
    model server). Plain ``http://`` to another host, or to this machine through a
    proxy (``network``'s own, or the environment's as the client would use it), can be
    read and changed on the way. ``sends_key`` says whether a key goes with the requests.
    """
    try:
        parts = urlsplit(profile.base_url.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    if parts.scheme.lower() != "http" or not host:
        return None
    what = "the API key and the conversation" if sends_key else "the conversation"
    if not is_loopback_host(host):
        return (f"{profile.label} uses plain http:// to {host}: {what} would travel "
                "unencrypted, readable and changeable on the way; use an https:// "
                "base URL unless you trust every network in between")
    network = network or NetworkPreferences()
    proxy = proxy_route(profile.base_url, network)
    if proxy is None:
        return None
    exempt = ("the proxy's \"No proxy for\" list ([network] no_proxy)" if network.proxy
              else "the NO_PROXY environment variable")
    return (f"{profile.label} uses plain http:// to {host} through the proxy {proxy}: "
            f"{what} would travel to the proxy unencrypted, readable and changeable there; "
            f"add {host} to {exempt} to connect directly")
