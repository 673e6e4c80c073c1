"""A real SAML 2.0 identity provider for the tests: pysaml2's ``Server`` behind a small HTTP
server on loopback, with throwaway keys made at test time and Debian's xmlsec1 signing.

It serves its metadata at ``/metadata`` (the SP fetches it as it would KOMBIT's) and its
single sign-on service at ``/sso/redirect`` (HTTP-Redirect binding in, HTTP-POST out, as
Context Handler does). ``mode`` makes it answer wrongly on purpose: ``unsigned``,
``wrong_audience``, ``wrong_recipient`` (an expired answer is a good one posted late). The
answer is the IdP's auto-posting HTML form; ``form_fields`` reads the SAMLResponse out of it
for the test client.
"""

import base64
import datetime as dt
import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig, SPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

XMLSEC = "/usr/bin/xmlsec1"
ASSERTION_MINUTES = 5
PASSWORD_CONTEXT = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def keypair(directory: Path, name: str) -> tuple[str, str]:
    """A self-signed RSA certificate and its key, as PEM files in ``directory``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test-{name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / f"{name}.key", directory / f"{name}.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_file), str(cert_file)


def sp_metadata_file(sp_config: dict, directory: Path) -> str:
    """The SP's metadata as our app would serve it, for the IdP to trust."""
    config = {k: v for k, v in sp_config.items() if k != "metadata"}
    conf = SPConfig()
    conf.load(config)
    path = directory / "sp-metadata.xml"
    path.write_text(str(entity_descriptor(conf)))
    return str(path)


def _idp_config(base: str, key_file, cert_file, sp_metadata, lifetime_minutes) -> dict:
    return {
        "entityid": f"{base}/metadata",
        "xmlsec_binary": XMLSEC,
        "key_file": key_file,
        "cert_file": cert_file,
        "metadata": {"local": [sp_metadata]},
        "service": {
            "idp": {
                "name": "Test-IdP",
                "endpoints": {
                    "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]
                },
                "policy": {
                    "default": {
                        "lifetime": {"minutes": lifetime_minutes},
                        "attribute_restrictions": None,
                        "name_form": NAME_FORMAT_URI,
                    }
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            }
        },
    }


class SamlIdP:
    def __init__(self, directory: Path):
        self.directory = directory
        self.key_file, self.cert_file = keypair(directory, "idp")
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.idp = self
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.metadata_url = f"{self.base}/metadata"
        self.mode = "ok"
        self.identity: dict = {}
        self.user_id = "00000000-test-0000-0000-000000000001"
        self.requests_seen: list = []

    def trust_sp(self, sp_metadata: str):
        """Load the SP's metadata; the IdP answers only SPs it knows, like Context Handler."""
        args = (self.base, self.key_file, self.cert_file, sp_metadata)
        self.server = Server(config=IdPConfig().load(_idp_config(*args, ASSERTION_MINUTES)))
        (self.directory / "idp-metadata.xml").write_text(str(entity_descriptor(self.server.config)))

    def start(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def respond(self, query: dict) -> str:
        """The auto-posting form with the Response to the AuthnRequest in ``query``."""
        request = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = request.message
        self.requests_seen.append(message)
        server = self.server
        acs = message.assertion_consumer_service_url
        sp = message.issuer.text
        response = server.create_authn_response(
            self.identity,
            in_response_to=message.id,
            destination="http://testserver/other/acs/" if self.mode == "wrong_recipient" else acs,
            sp_entity_id="https://other.example/sp" if self.mode == "wrong_audience" else sp,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=self.user_id),
            authn={"class_ref": PASSWORD_CONTEXT},
            sign_assertion=self.mode != "unsigned",
            sign_response=False,
        )
        info = server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            acs,
            query.get("RelayState", [""])[0],
            response=True,
        )
        return info["data"]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        idp = self.server.idp
        url = urlsplit(self.path)
        if url.path == "/metadata":
            body, kind = (idp.directory / "idp-metadata.xml").read_bytes(), "text/xml"
        elif url.path == "/sso/redirect":
            body, kind = idp.respond(parse_qs(url.query)).encode(), "text/html; charset=utf-8"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def form_fields(page: str) -> dict:
    """The hidden fields of the IdP's auto-posting form."""
    fields = re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in fields}


def privilege_list(*roles: str, scope="urn:dk:gov:saml:cvrNumberIdentifier:00000000") -> str:
    """OIOSAML's basic privilege profile, base64, as Context Handler sends the roles."""
    items = "".join(f"<Privilege>{r}</Privilege>" for r in roles)
    xml = (
        '<bpp:PrivilegeList xmlns:bpp="http://digst.dk/oiosaml/basic_privilege_profile">'
        f'<PrivilegeGroup Scope="{scope}">{items}</PrivilegeGroup></bpp:PrivilegeList>'
    )
    return base64.b64encode(xml.encode()).decode()


def idp_trusting_the_app(directory: Path, site: str) -> tuple[SamlIdP, dict]:
    """A started IdP that trusts the app at ``site`` as its SP, and the settings that make
    the app that SP (with a key pair of its own in ``directory``)."""
    from django.test import override_settings

    from sso.saml import sp_config_dict

    sp_key, sp_cert = keypair(directory, "sp")
    idp = SamlIdP(directory)
    values = {
        "SITE_URL": site,
        "SAML_SP_ENTITY_ID": f"{site}/sso/saml/metadata/",
        "SAML_SP_KEY_FILE": sp_key,
        "SAML_SP_CERT_FILE": sp_cert,
        "SAML_IDP_METADATA_URL": idp.metadata_url,
    }
    with override_settings(**values):
        idp.trust_sp(sp_metadata_file(sp_config_dict(), directory))
    idp.start()
    return idp, values
