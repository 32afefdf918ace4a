"""Preferences ▸ Network: explicit proxy and its credentials, CA bundle, timeouts.

Everything typed here is checked with the same functions the clients use
(``parse_proxy_url``, ``trust_context``), so a proxy or a bundle that would fail
at the first request fails here instead, with the reason next to the field. The
proxy password is held only until Save hands it to the keyring; the field is masked
and never filled from a stored password.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from grokdesk.api.errors import NetworkSettingsError
from grokdesk.api.proxies import ProxyURLError, parse_proxy_url
from grokdesk.api.tls import trust_context
from grokdesk.chat.network import ProxyCredentials
from grokdesk.config import NetworkPreferences

PEM_FILTERS = "Certificates (*.pem *.crt *.cer);;All files (*)"


@dataclass(frozen=True, slots=True)
class ProxyLogin:
    """Proxy credentials typed in the dialog, for the keyring (not for the settings)."""

    proxy_url: str
    user: str
    password: str


class NetworkPage(QWidget):
    """The Network tab; :meth:`problems` validates, :meth:`result` gives the preferences."""

    def __init__(self, network: NetworkPreferences, credentials: ProxyCredentials | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._network = network
        self.proxy = QLineEdit(network.proxy, self)
        self.proxy.setPlaceholderText("Empty: the system's settings (HTTPS_PROXY, …); "
                                      "or http://host:3128, socks5://host:1080")
        self.proxy_error = _error_label(self)
        self.proxy_user = QLineEdit(self)
        self.proxy_user.setPlaceholderText("Only if the proxy asks for a login")
        self.proxy_password = QLineEdit(self)
        self.proxy_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.proxy_password.setPlaceholderText("Stored in the system keyring, never shown")
        self.credentials_state = QLabel(self)
        self.credentials_state.setEnabled(False)
        self.no_proxy = QLineEdit(network.no_proxy, self)
        self.no_proxy.setPlaceholderText("Hosts that skip the proxy: example.com, 10.0.0.0/8")
        self.ca_bundle = QLineEdit(network.ca_bundle, self)
        self.ca_bundle.setPlaceholderText("Optional PEM file of extra certificates to trust")
        self.browse = QPushButton("Choose…", self)
        self.browse.clicked.connect(self.choose_ca_bundle)
        self.ca_error = _error_label(self)
        self.connect_timeout = _seconds(network.connect_timeout, 1.0, 120.0, self)
        self.read_timeout = _seconds(network.read_timeout, 5.0, 3600.0, self)

        if credentials is not None and network.proxy:
            stored = credentials.lookup(network.proxy)
            if stored is not None:
                self.proxy_user.setText(stored[0])
                self.credentials_state.setText("A password is stored in the system keyring; "
                                               "type a new one to replace it.")
        self.proxy.editingFinished.connect(self._check_proxy)
        self.ca_bundle.editingFinished.connect(self._check_ca_bundle)

        bundle_row = QHBoxLayout()
        bundle_row.addWidget(self.ca_bundle, 1)
        bundle_row.addWidget(self.browse)
        form = QFormLayout(self)
        form.addRow("Proxy", self.proxy)
        form.addRow("", self.proxy_error)
        form.addRow("Proxy user", self.proxy_user)
        form.addRow("Proxy password", self.proxy_password)
        form.addRow("", self.credentials_state)
        form.addRow("No proxy for", self.no_proxy)
        form.addRow("CA bundle", bundle_row)
        form.addRow("", self.ca_error)
        form.addRow("Connect timeout", self.connect_timeout)
        form.addRow("Read timeout", self.read_timeout)

    # ---------------------------------------------------------------- checks

    def choose_ca_bundle(self) -> None:
        """A file chooser, opened without blocking; the choice is checked at once."""
        dialog = QFileDialog(self, "Choose a CA bundle", self.ca_bundle.text(), PEM_FILTERS)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self._ca_bundle_chosen)
        dialog.open()

    def _ca_bundle_chosen(self, path: str) -> None:
        self.ca_bundle.setText(path)
        self._check_ca_bundle()

    def _check_proxy(self) -> str | None:
        problem = self.proxy_problem()
        _show(self.proxy_error, problem)
        return problem

    def _check_ca_bundle(self) -> str | None:
        problem = self.ca_bundle_problem()
        _show(self.ca_error, problem)
        return problem

    def proxy_problem(self) -> str | None:
        text = self.proxy.text().strip()
        if not text:
            if self.proxy_user.text().strip() or self.proxy_password.text():
                return "A proxy user or password needs a proxy URL"
            return None
        try:
            _address, had_credentials = parse_proxy_url(text)
        except ProxyURLError as exc:
            return str(exc)
        if had_credentials:
            return ("Put the user name and password in the fields below, not in the URL "
                    "(they are kept in the keyring)")
        user = self.proxy_user.text().strip()
        if ":" in user:
            return "The proxy user name must not contain ':'"
        if self.proxy_password.text() and not user:
            return "A proxy password needs a user name"
        return None

    def ca_bundle_problem(self) -> str | None:
        path = self.ca_bundle.text().strip()
        if not path:
            return None
        try:
            trust_context(path)
        except NetworkSettingsError as exc:
            return exc.message
        return None

    def problems(self) -> list[str]:
        """Every problem, also shown next to its field; empty when Save may go ahead."""
        return [p for p in (self._check_proxy(), self._check_ca_bundle()) if p]

    # ---------------------------------------------------------------- results

    def result(self) -> NetworkPreferences:
        proxy = self.proxy.text().strip()
        if proxy:
            proxy = parse_proxy_url(proxy)[0].url
        return dataclasses.replace(
            self._network,
            proxy=proxy,
            no_proxy=self.no_proxy.text().strip(),
            ca_bundle=self.ca_bundle.text().strip(),
            connect_timeout=round(self.connect_timeout.value(), 1),
            read_timeout=round(self.read_timeout.value(), 1),
        )

    def login(self) -> ProxyLogin | None:
        """The credentials to store, when a password was typed (never read back)."""
        proxy = self.proxy.text().strip()
        password = self.proxy_password.text()
        user = self.proxy_user.text().strip()
        if not proxy or not password or not user:
            return None
        return ProxyLogin(parse_proxy_url(proxy)[0].url, user, password)


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setStyleSheet("color: #d93025;")
    label.hide()
    return label


def _show(label: QLabel, problem: str | None) -> None:
    label.setText(problem or "")
    label.setVisible(problem is not None)


def _seconds(value: float, low: float, high: float, parent: QWidget) -> QDoubleSpinBox:
    box = QDoubleSpinBox(parent)
    box.setRange(low, high)
    box.setDecimals(1)
    box.setSuffix(" s")
    box.setValue(value)
    return box
