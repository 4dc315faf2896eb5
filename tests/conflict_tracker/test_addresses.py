"""The client's address (conflict_tracker/addresses.py): X-Forwarded-For is read only behind trusted proxies."""

import pytest
from django.test import RequestFactory

from conflict_tracker.addresses import client_address


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "expected"),
    [
        # No proxy trusted: the header is the client's own say, never read.
        (0, "192.0.2.1", "10.0.0.9"),
        (0, None, "10.0.0.9"),
        # Behind one proxy, the address it appended: the right-most.
        (1, "192.0.2.1, 198.51.100.4", "198.51.100.4"),
        (1, "198.51.100.4", "198.51.100.4"),
        # Behind two, the one the outer proxy appended, whatever the client wrote before it.
        (2, "192.0.2.1, 198.51.100.4, 10.0.0.3", "198.51.100.4"),
        # A proxy that forwarded no header: the proxy's own address.
        (1, None, "10.0.0.9"),
        # Not an address (a proxy count set where no proxy writes the header): the connection's.
        (1, "<script>", "10.0.0.9"),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_the_address_is_the_one_the_trusted_proxies_saw(settings, num_proxies, forwarded_for, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies}
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", **headers)

    assert client_address(request) == expected
