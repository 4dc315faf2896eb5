"""The client's address, read one way for everything that counts per address: the API throttles and the login
lockout (django-axes, through AXES_CLIENT_IP_CALLABLE)."""

import ipaddress

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; behind NUM_PROXIES trusted proxies (REST_FRAMEWORK["NUM_PROXIES"]), the address the outermost
    of them received the request from, which it appended to X-Forwarded-For: the NUM_PROXIES-th entry from the
    right (DRF's reading of the setting). Entries left of it are whatever the client sent, so rotating them changes
    nothing; with NUM_PROXIES=0 the header is not read at all. Something there that is no address (a proxy count
    set where no proxy writes the header) falls back to REMOTE_ADDR."""
    address = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.META.get("REMOTE_ADDR")
