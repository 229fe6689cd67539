"""Email over SMTP: one multipart message per delivery, the creative's image inline.

The message is ``multipart/alternative`` (plain text and HTML); when the payload names an image
(``image_url``, fetched over HTTP, or ``image_base64``) the HTML part becomes ``multipart/related`` with the
image attached inline and referenced by ``cid:``. The Message-ID is derived from the idempotency key, so a
receiving system can recognise a resend. smtplib runs in a worker thread to keep the event loop free.
"""

from __future__ import annotations

import asyncio
import base64
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, cast

import httpx

from loom.forwarding.v1 import forwarding_pb2 as pb
from services.forwarding.senders import Outbound, SendResult, secret

DEFAULT_TIMEOUT_S = 30.0


def build_message(item: Outbound, from_address: str, reply_to: str, image: bytes | None) -> EmailMessage:
    """The email for one delivery (payload keys: to, subject, text, html)."""
    p: dict[str, Any] = item.payload
    msg = EmailMessage()
    msg["From"] = from_address
    msg["To"] = str(p.get("to", ""))
    msg["Subject"] = str(p.get("subject", ""))
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Message-ID"] = f"<{item.idempotency_key.replace(' ', '_')}@loom>"
    text = str(p.get("text") or p.get("body") or "")
    msg.set_content(text)
    html = str(p.get("html") or f"<p>{text}</p>")
    if image is None:
        msg.add_alternative(html, subtype="html")
        return msg
    cid = make_msgid(domain="loom")
    msg.add_alternative(f'{html}<img src="cid:{cid[1:-1]}" alt="">', subtype="html")
    parts = cast(list[EmailMessage], msg.get_payload())
    html_part = parts[1]  # the alternative just added
    html_part.add_related(image, maintype="image", subtype=str(p.get("image_type", "png")), cid=cid)
    return msg


class SmtpSender:
    """Sends each delivery as one email through an SMTP server (STARTTLS and login when configured)."""

    max_batch = 1

    def __init__(self, host: str, port: int, *, from_address: str, reply_to: str = "", starttls: bool = False,
                 username: str = "", password: str = "", timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.host, self.port = host, port
        self.from_address, self.reply_to = from_address, reply_to
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout = timeout
        self.http = httpx.AsyncClient(timeout=timeout)

    async def _image(self, payload: dict[str, Any]) -> bytes | None:
        if payload.get("image_base64"):
            return base64.b64decode(str(payload["image_base64"]))
        if payload.get("image_url"):
            response = await self.http.get(str(payload["image_url"]))
            response.raise_for_status()
            return response.content
        return None

    def _send_blocking(self, messages: list[EmailMessage]) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            for msg in messages:
                smtp.send_message(msg)

    async def send(self, items: Sequence[Outbound]) -> SendResult:
        """Sends the emails; SMTP 4xx and connection failures are retryable, 5xx are permanent."""
        try:
            messages = [build_message(i, self.from_address, self.reply_to, await self._image(i.payload))
                        for i in items]
        except httpx.HTTPStatusError as exc:
            return SendResult(False, exc.response.status_code, f"creative image: {exc}",
                              transient=exc.response.status_code >= 500)
        except (httpx.HTTPError, ValueError) as exc:
            return SendResult(False, 0, f"creative image could not be fetched: {exc!r}")
        try:
            await asyncio.to_thread(self._send_blocking, messages)
        except smtplib.SMTPRecipientsRefused as exc:
            code = min(c for c, _ in exc.recipients.values())
            return SendResult(False, code, f"recipient refused: {exc.recipients}", transient=400 <= code < 500)
        except smtplib.SMTPResponseException as exc:
            return SendResult(False, exc.smtp_code, f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                              transient=400 <= exc.smtp_code < 500)
        except (smtplib.SMTPException, OSError) as exc:
            return SendResult(False, 0, f"SMTP {self.host}:{self.port}: {exc!r}", transient=True)
        return SendResult(True, 250)

    async def close(self) -> None:
        """Closes the image client."""
        await self.http.aclose()


def smtp_sender(config: pb.EmailSmtpConfig) -> SmtpSender:
    """The sender of an SMTP destination."""
    return SmtpSender(config.host, config.port or 25, from_address=config.from_address, reply_to=config.reply_to,
                      starttls=config.starttls, username=config.username,
                      password=secret(config.password_secret_ref),
                      timeout=config.timeout.ToTimedelta().total_seconds() or DEFAULT_TIMEOUT_S)
