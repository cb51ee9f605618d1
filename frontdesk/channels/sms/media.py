"""Downloading an MMS file, ``sms-media:<message SID>/<media SID>``, from Twilio's Media resource.

``GET {api_base_url}/2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}/Media/{MediaSid}``
with HTTP Basic auth (account SID and auth token; required when the account
enforces "HTTP Auth on Media URLs") answers with a redirect to the file on
Twilio's media store. Our client never follows redirects, so this module does,
at most ``MAX_REDIRECTS`` times and only to Twilio's documented media hosts
(https://help.twilio.com/articles/223183748):

- ``*.twiliocdn.com`` over https (``mms.twiliocdn.com`` for authenticated media);
- ``s3-external-1.amazonaws.com`` over https, only under ``/media.twiliocdn.com/``
  (Twilio's bucket for media stored before authentication was enforced);
- the channel's own API host (``config["api_base_url"]``), where tests and edge locations answer.

The credentials go to the API host only, never to a media host: the
redirect target is a short-lived signed URL of its own.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from frontdesk.channels.base import FetchedMedia, MediaUnavailable
from frontdesk.channels.hosts import is_provider_url
from frontdesk.channels.models import Channel
from frontdesk.channels.sms.adapter import MEDIA_REFERENCE
from frontdesk.channels.sms.setup import account_url, basic_auth
from frontdesk.core.http_client import HttpClient, Response

MAX_REDIRECTS = 2
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
REFERENCE = re.compile(r"^(?P<message>(?:MM|SM)[0-9a-zA-Z]{32})/(?P<media>ME[0-9a-zA-Z]{32})$")
MEDIA_CDN_SUFFIX = ".twiliocdn.com"
LEGACY_MEDIA_HOST = "s3-external-1.amazonaws.com"
LEGACY_MEDIA_PREFIX = "/media.twiliocdn.com/"


def media_host_allowed(url: str, api_url: str) -> bool:
    """Whether a redirect to ``url`` stays on Twilio's media hosts (or the channel's API host)."""
    if is_provider_url(url, api_url, suffixes=(MEDIA_CDN_SUFFIX,)):
        return True
    # Twilio's older media bucket: only under its own path on the shared S3 host.
    return is_provider_url(url, api_url, hosts={LEGACY_MEDIA_HOST}) and urlsplit(url).path.startswith(
        LEGACY_MEDIA_PREFIX
    )


def fetch_media(channel: Channel, ref: str, client: HttpClient) -> FetchedMedia:
    """The file behind ``ref``; raises ``MediaUnavailable`` when Twilio will not give it (yet)."""
    match = REFERENCE.match(ref.removeprefix(MEDIA_REFERENCE))
    if not ref.startswith(MEDIA_REFERENCE) or match is None:
        raise MediaUnavailable("not a Twilio media reference")
    authorization = basic_auth(channel)
    if authorization is None:
        raise MediaUnavailable("the channel has no account SID or auth token")
    api_url = f"{account_url(channel)}/Messages/{match['message']}/Media/{match['media']}"
    url = api_url
    response = client.get(url, headers={"Authorization": authorization})
    for _ in range(MAX_REDIRECTS):
        if response.status_code not in REDIRECT_STATUSES:
            break
        location = response.headers.get("location", "").strip()
        if not location:
            raise MediaUnavailable(f"Twilio answered {response.status_code} without a Location")
        url = urljoin(url, location)
        if not media_host_allowed(url, api_url):
            host = urlsplit(url).netloc
            raise MediaUnavailable(f"Twilio redirected to a host that is not a Twilio media host ({host})")
        same_host = urlsplit(url).netloc == urlsplit(api_url).netloc
        response = client.get(url, headers={"Authorization": authorization} if same_host else {})
    return _file(response)


def _file(response: Response) -> FetchedMedia:
    if response.status_code in REDIRECT_STATUSES:
        raise MediaUnavailable(f"Twilio redirected more than {MAX_REDIRECTS} times")
    if response.status_code in (401, 403):
        raise MediaUnavailable(f"Twilio refused the channel's credentials for the file ({response.status_code})")
    if not response.is_success:
        retryable = response.status_code == 429 or response.status_code >= 500
        raise MediaUnavailable(f"Twilio said {response.status_code}", retryable=retryable)
    return FetchedMedia(content=response.content, content_type=response.headers.get("content-type", ""))
