"""Webhook addresses that cannot be turned against our own network, and the one POST we make.

A Koordinator types the webhook address, and the worker then POSTs to it from inside the
municipality's network. So an address is only ever used when:

- it is ``https://`` on a host matching ``WEBHOOK_ALLOWED_HOSTS`` (Microsoft's Teams
  Workflows / Power Automate hosts by default), on port 443 unless the entry names a port;
- it has no user name or password, and its host is a name, not an IP address;
- every address the name resolves to is a public unicast address: no loopback, private,
  shared, link-local, multicast, reserved or cloud-metadata address (also not hidden inside
  an IPv4-mapped, 6to4 or NAT64 IPv6 address).

``webhook_post`` resolves once, checks every address, and connects to a checked address
itself, so a second DNS answer (rebinding) can never switch the target after the check;
TLS still sends the host name (SNI) and verifies the certificate against it. No redirect is
followed, time is bounded, and the response body is never read: only the status code
leaves this module, so nothing an internal server says can reach the log or the report.
"""

import dataclasses
import ipaddress
import json
import socket
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

# Cloud metadata and host-agent addresses that are not caught by the ranges below
# (Azure's WireServer is a public address; Oracle's and AWS' IPv6 ones for completeness).
METADATA_ADDRESSES = {
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "168.63.129.16", "192.0.0.192", "100.100.100.200",
              "fd00:ec2::254")
}  # fmt: skip
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


class WebhookRefused(Exception):
    """The address may not be used. ``str(exc)`` is a Danish sentence for the person."""


class WebhookUnreachable(Exception):
    """A temporary problem reaching an allowed address; ``str(exc)`` is short and Danish."""


@dataclasses.dataclass(frozen=True)
class WebhookTarget:
    url: str
    host: str
    port: int
    path: str  # path and query, sent as they are

    @property
    def host_header(self) -> str:
        return self.host if self.port == 443 else f"{self.host}:{self.port}"


def webhook_address_display(url: str) -> str:
    """The address without its path and query: a Workflows URL carries its secret (``sig=``)
    there, and anyone who has it can post to the crisis team's channel."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "webhook"
    if not host:
        return "webhook"
    return f"{parts.scheme}://{host}/…"


def _allowed_entries():
    for entry in settings.WEBHOOK_ALLOWED_HOSTS:
        entry = entry.strip().lower()
        if not entry:
            continue
        pattern, _sep, port = entry.partition(":")
        yield pattern, int(port) if port else 443


def _host_allowed(host: str, port: int) -> bool:
    for pattern, allowed_port in _allowed_entries():
        # "*.logic.azure.com" matches one or more labels before the suffix, never the
        # suffix alone and never "evil-logic.azure.com".
        if pattern.startswith("*."):
            matches = host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
        else:
            matches = host == pattern
        if matches and port == allowed_port:
            return True
    return False


def _embedded_ipv4(ip):
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.ip_address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(ip) -> str | None:
    """Why this resolved address may not be connected to, or None."""
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return address_refusal(embedded)
    if getattr(settings, "WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS", False) is True and any(
        ip in net for net in LOOPBACK
    ):
        # Only the test suite's HTTPS server: this setting is not read from the
        # environment (config/settings.py), so a deployed configuration cannot set it.
        return None
    if ip in METADATA_ADDRESSES:
        return _("en metadata-adresse i skyen")
    if ip.is_loopback:
        return _("denne maskine (loopback)")
    if ip.is_link_local:
        return _("en link-local-adresse")
    if ip.is_multicast:
        return _("en multicast-adresse")
    if ip.is_private or not ip.is_global:
        return _("en intern eller reserveret adresse")
    if ip.is_reserved or ip.is_unspecified:
        return _("en reserveret adresse")
    return None


def webhook_url_check(url: str) -> WebhookTarget:
    """The parts of an allowed address, or ``WebhookRefused`` with the reason in Danish.

    Checks the address as written; ``webhook_resolve`` checks where it leads.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError as exc:
        raise WebhookRefused(_("Webhook-adressen er ikke en gyldig adresse.")) from exc
    if parts.scheme.lower() != "https":
        raise WebhookRefused(_("Webhook-adressen skal begynde med https://."))
    if parts.username is not None or parts.password is not None:
        raise WebhookRefused(_("Webhook-adressen må ikke indeholde brugernavn eller adgangskode."))
    if not host:
        raise WebhookRefused(_("Webhook-adressen mangler et værtsnavn."))
    port = port or 443
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        reason = address_refusal(literal)
        if reason:
            raise WebhookRefused(
                _("Webhook-adressen peger på %(reason)s og afvises.") % {"reason": reason}
            )
        raise WebhookRefused(
            _(
                "Webhook-adressen skal være et værtsnavn fra Teams eller Power Automate,"
                " ikke en IP-adresse."
            )
        )
    if not _host_allowed(host, port):
        where = (
            host if port == 443 else _("%(host)s (port %(port)s)") % {"host": host, "port": port}
        )
        raise WebhookRefused(
            _(
                "Webhook-adressen skal pege på Microsoft Teams/Power Automate; %(host)s er"
                " ikke en tilladt vært. Kopiér adressen fra Teams-arbejdsprocessen (Workflows)."
            )
            % {"host": where}
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return WebhookTarget(url=url.strip(), host=host, port=port, path=path)


def webhook_resolve(target: WebhookTarget) -> list[str]:
    """Every address the host resolves to, all checked; ``WebhookRefused`` if any is not
    allowed (one bad answer makes the whole name suspect), ``WebhookUnreachable`` if the
    name cannot be looked up now."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUnreachable(
            _("navnet %(host)s kan ikke slås op") % {"host": target.host}
        ) from exc
    addresses = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        reason = address_refusal(ip)
        if reason:
            raise WebhookRefused(
                _("Webhook-adressen %(host)s peger på %(reason)s og afvises.")
                % {"host": target.host, "reason": reason}
            )
        if str(ip) not in addresses:
            addresses.append(str(ip))
    if not addresses:
        raise WebhookUnreachable(_("navnet %(host)s har ingen adresse") % {"host": target.host})
    return addresses


def _pool(target: WebhookTarget, address: str) -> urllib3.HTTPSConnectionPool:
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    return urllib3.HTTPSConnectionPool(
        host=address,
        port=target.port,
        # SNI and certificate verification stay on the name, not the address.
        server_hostname=target.host,
        cert_reqs="CERT_REQUIRED",
        ca_certs=settings.WEBHOOK_CA_BUNDLE or certifi.where(),
        timeout=urllib3.Timeout(connect=min(timeout, 5), read=timeout),
        retries=False,
        maxsize=1,
    )


def webhook_post(*, url: str, payload: dict) -> int:
    """POST ``payload`` as JSON to a checked address and return the status code.

    Raises ``WebhookRefused`` (never retry) or ``WebhookUnreachable`` (try later).
    """
    target = webhook_url_check(url)
    addresses = webhook_resolve(target)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    if len(body) > settings.WEBHOOK_MAX_PAYLOAD_BYTES:
        raise WebhookRefused(_("Beskeden er for stor til en Teams-webhook."))
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json; charset=utf-8",
        "Accept": "application/json",
        "User-Agent": "Aktionskort",
    }
    last_error = _("forbindelsen kunne ikke oprettes")
    # Every address was checked above; a later one is tried only if no connection could
    # be made to an earlier one, so the request is never sent twice.
    for address in addresses:
        pool = _pool(target, address)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError):
            last_error = _("forbindelsen kunne ikke oprettes")
            continue
        except urllib3.exceptions.SSLError as exc:
            raise WebhookUnreachable(_("TLS-fejl (certifikatet kunne ikke bekræftes)")) from exc
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise WebhookUnreachable(_("intet svar inden for tidsgrænsen")) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise WebhookUnreachable(
                _("forbindelsesfejl (%(error)s)") % {"error": exc.__class__.__name__}
            ) from exc
        else:
            status = response.status
            # The body is never read: whatever the server says stays there.
            response.close()
            return status
        finally:
            pool.close()
    raise WebhookUnreachable(last_error)
