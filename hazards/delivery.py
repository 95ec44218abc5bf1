"""Telling people outside the app: e-mail to each notified user, and the school's group
robots (WeChat Work and DingTalk) in their own JSON message formats.

Runs in Celery after the step's transaction commits, never in the request. A failing
channel raises DeliveryError, which its task retries with backoff; it never stops the
e-mails or the other channels.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Action, HazardEvent, WebhookChannel, WebhookKind

log = logging.getLogger(__name__)

# Events worth a message in the school's safety group chat.
GROUP_ACTIONS = {Action.REPORT, Action.ESCALATE, Action.VERIFY}


class DeliveryError(Exception):
    pass


def hazard_url(hazard_id: int) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('hazards:detail', args=[hazard_id])}"


def _load(event_id: int) -> HazardEvent:
    return HazardEvent.objects.select_related(
        "hazard__school", "hazard__cell", "hazard__category", "actor__grid_person"
    ).get(pk=event_id)


def message(event: HazardEvent) -> tuple[str, str]:
    """A title and a short markdown body, in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        hazard = event.hazard
        title = f"{event.get_action_display()} · {hazard.number}"
        body = render_to_string(
            "hazards/messages/event.md",
            {"event": event, "hazard": hazard, "url": hazard_url(hazard.pk)},
        ).strip()
    return title, body


def send_emails(event_id: int) -> int:
    """One e-mail per notified user with an address; a failure is logged, not raised."""
    event = _load(event_id)
    title, body = message(event)
    sent = 0
    for notification in event.notifications.select_related("recipient"):
        address = notification.recipient.email
        if not address:
            continue
        try:
            send_mail(f"[{event.hazard.school.name}] {title}", body, None, [address])
            sent += 1
        except Exception:  # one bad address or mail server hiccup must not stop the rest
            log.exception(
                "e-mail for event %s to user %s failed", event_id, notification.recipient_id
            )
    return sent


def group_channels(event_id: int) -> list[int]:
    event = HazardEvent.objects.select_related("hazard").get(pk=event_id)
    if event.action not in GROUP_ACTIONS:
        return []
    return list(
        WebhookChannel.objects.filter(school_id=event.hazard.school_id, is_active=True).values_list(
            "pk", flat=True
        )
    )


def payload(kind: str, title: str, body: str) -> dict:
    if kind == WebhookKind.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n{body}"}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n{body}"}}


def signed_url(channel: WebhookChannel, now_ms: int | None = None) -> str:
    """DingTalk's optional signing: timestamp and HMAC-SHA256 of "timestamp\\nsecret"."""
    if channel.kind != WebhookKind.DINGTALK or not channel.secret:
        return channel.url
    timestamp = str(now_ms if now_ms is not None else int(time.time() * 1000))
    digest = hmac.new(
        channel.secret.encode(), f"{timestamp}\n{channel.secret}".encode(), hashlib.sha256
    ).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in channel.url else "?"
    return f"{channel.url}{joiner}timestamp={timestamp}&sign={sign}"


def send_webhook(channel_id: int, event_id: int) -> None:
    channel = WebhookChannel.objects.get(pk=channel_id)
    title, body = message(_load(event_id))
    data = json.dumps(payload(channel.kind, title, body), ensure_ascii=False).encode()
    request = urllib.request.Request(
        signed_url(channel),
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise DeliveryError(f"{channel}: {error}") from error
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise DeliveryError(f"{channel}: errcode {errcode}")
