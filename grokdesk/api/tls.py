"""Which certificates a connection trusts. Verification is always on: there is no switch.

Trust is the union of three stores, so that whatever works elsewhere on the machine
works here too:

1. httpx's default: the Mozilla bundle from certifi (or ``SSL_CERT_FILE`` /
   ``SSL_CERT_DIR`` when set), which works on a machine with no usable system store;
2. the operating system's store, where a company's IT usually installs its CA;
3. the user's CA bundle (``[network] ca_bundle``), for TLS inspection whose CA is
   not installed system-wide.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

from grokdesk.api.errors import NetworkSettingsError

log = logging.getLogger("grokdesk.api")


def trust_context(ca_bundle: str | Path | None = None) -> ssl.SSLContext:
    """A verifying SSL context trusting the default stores plus ``ca_bundle`` (a PEM file).

    Raises NetworkSettingsError when the bundle is missing or holds no certificate:
    a bundle the user chose and that silently does nothing would only turn into a
    puzzling "certificate not trusted" later.
    """
    import httpx  # here: checking a bundle (check_bundle) needs none of it

    context = httpx.create_ssl_context()
    try:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    except (OSError, ssl.SSLError) as exc:
        log.debug("system certificate store not loaded: %s", exc)
    if ca_bundle:
        _load_bundle(context, Path(ca_bundle).expanduser())
    if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
        raise AssertionError("certificate verification must stay on")
    return context


def check_bundle(ca_bundle: str | Path) -> None:
    """Raise the NetworkSettingsError :func:`trust_context` would for ``ca_bundle``, loading
    it alone: not the default stores, a fifth of a second."""
    _load_bundle(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), Path(ca_bundle).expanduser())


def _load_bundle(context: ssl.SSLContext, path: Path) -> None:
    if not path.is_file():
        raise NetworkSettingsError(f"The CA bundle {path} does not exist or is not a file")
    try:
        context.load_verify_locations(cafile=str(path))
    except ssl.SSLError:
        raise NetworkSettingsError(
            f"The CA bundle {path} holds no usable certificate (a PEM file is needed)"
        ) from None
    except OSError as exc:
        raise NetworkSettingsError(
            f"The CA bundle {path} could not be read ({exc.strerror or exc})"
        ) from None
