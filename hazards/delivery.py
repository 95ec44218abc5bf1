"""Telling people outside the app: e-mail to each notified user, and the school's group
robots (WeChat Work and DingTalk) in their own JSON message formats.

Each message is a row of the outbox (hazards.outbox), written with the step that causes it;
the functions here send one row. A failure raises; the outbox sets the row's next attempt.
Both carry the row's key (the `Idempotency-Key` header, `idempotency_key` in the JSON body,
the e-mail's Message-ID), so a receiver can drop the copy a retry may send.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Action, Delivery, HazardEvent, WebhookChannel, WebhookKind

IDEMPOTENCY_HEADER = "Idempotency-Key"

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


def send_email(row: Delivery) -> None:
    """One e-mail; its Message-ID is the row's key, so a resent copy is the same message."""
    event = _load(row.event_id)
    title, body = message(event)
    EmailMessage(
        f"[{event.hazard.school.name}] {title}",
        body,
        None,
        [row.target],
        headers={"Message-ID": f"<{row.key}@gridsafety>", IDEMPOTENCY_HEADER: str(row.key)},
    ).send()


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


def send_webhook(row: Delivery) -> None:
    """One post to one robot; raises DeliveryError when it does not take the message."""
    channel = row.channel
    title, body = message(_load(row.event_id))
    data = {**payload(channel.kind, title, body), "idempotency_key": str(row.key)}
    request = urllib.request.Request(
        signed_url(channel),
        data=json.dumps(data, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", IDEMPOTENCY_HEADER: str(row.key)},
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
