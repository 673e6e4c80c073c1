"""A real OpenID Connect provider for the SSO tests: panva's oidc-provider on Node.js
(tests/sso/oidc_provider, installed by `make test`), started and stopped per use on a free
port. Its signing key is made here, so a test can sign a token with the provider's own key
(an expired one) or with another (a forged one)."""

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import require
from tests.prodserver import free_port

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "aktionskort-test"
CLIENT_SECRET = "test-only-client-secret-not-used-anywhere-else"
KID = "test-key-1"


def _b64(number: int) -> str:
    return (
        base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big"))
        .rstrip(b"=")
        .decode()
    )


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_jwk(key, kid=KID) -> dict:
    numbers = key.private_numbers()
    public = numbers.public_numbers
    return {
        "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
        "n": _b64(public.n), "e": _b64(public.e), "d": _b64(numbers.d),
        "p": _b64(numbers.p), "q": _b64(numbers.q), "dp": _b64(numbers.dmp1),
        "dq": _b64(numbers.dmq1), "qi": _b64(numbers.iqmp),
    }  # fmt: skip


def pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def node_binary() -> str | None:
    return shutil.which("node") or ("/usr/bin/node" if os.path.exists("/usr/bin/node") else None)


class OIDCProvider:
    """``node provider.js`` in its own process group; accounts in a JSON file it rereads."""

    def __init__(self, workdir: Path, *, redirect_uris, port=None):
        self.port = port or free_port()
        self.workdir = Path(workdir)
        self.redirect_uris = list(redirect_uris)
        self.key = rsa_key()
        self.jwks_file = self.workdir / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": [private_jwk(self.key)]}))
        self.accounts_file = self.workdir / "accounts.json"
        self.accounts: dict[str, dict] = {}
        self._save_accounts()
        self.log_path = self.workdir / "provider.log"
        self.process = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def account_set(self, login: str, **claims) -> None:
        self.accounts[login] = claims
        self._save_accounts()

    def _save_accounts(self):
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.accounts))
        tmp.replace(self.accounts_file)

    def start(self, timeout=20) -> "OIDCProvider":
        node = node_binary()
        env = {
            **os.environ,
            "PORT": str(self.port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "REDIRECT_URI": " ".join(self.redirect_uris),
            "JWKS_FILE": str(self.jwks_file),
            "ACCOUNTS_FILE": str(self.accounts_file),
        }
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            [node, "provider.js"], cwd=PROVIDER_DIR, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"oidc-provider exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.discovery_url, timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"oidc-provider did not answer:\n{self.log()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """Killed, not asked to stop: the provider "goes down" as in an outage."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


def provider_required():
    require(node_binary() is not None, "Node.js (node) is not installed")
    require(
        (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(),
        "oidc-provider is not installed: run `make test` (npm ci in tests/sso/oidc_provider)",
    )


class HangingServer:
    """Accepts connections and never answers: a provider behind a black hole."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(64)
        self.held = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            with contextlib.suppress(OSError):
                connection, _ = self.sock.accept()
                self.held.append(connection)

    def close(self):
        self.stopped.set()
        self.thread.join(2)
        for connection in self.held:
            connection.close()
        self.sock.close()


@pytest.fixture
def hanging_server():
    server = HangingServer()
    yield server
    server.close()


@pytest.fixture
def oidc_provider(tmp_path):
    """The provider for the Django test client (redirect URI http://testserver/…)."""
    provider_required()
    provider = OIDCProvider(tmp_path, redirect_uris=["http://testserver/sso/oidc/callback/"])
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_settings(settings, oidc_provider):
    settings.OIDC_DISCOVERY_URL = oidc_provider.discovery_url
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.SSO_ROLE_MAP = ROLE_MAP
    return settings


ROLE_MAP = {
    "grp-krise-koordinator": "Koordinator",
    "grp-borgerservice": "Medarbejder",
    "grp-aktionskort-redaktoer": "Redaktør",
}
