"""The broker: reachable, its TLS certificate trusted, with `--login` the node's
credentials accepted."""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Any

from firmware.common.settings import NodeSettings
from provisioning.doctor.findings import Finding, Options, fault, ok, warning


def check_broker(settings: NodeSettings, options: Options) -> Finding:
    address = settings.broker
    try:
        raw = socket.create_connection((address.host, address.port), timeout=options.timeout)
    except OSError as error:
        return fault("broker", f"Брокерге қосылу мүмкін емес ({address.host}:{address.port})",
                     f"Брокер недоступен ({address.host}:{address.port})", str(error))
    try:
        if address.tls:
            context = ssl.create_default_context(
                cafile=str(settings.ca_file) if settings.ca_file else None)
            try:
                with context.wrap_socket(raw, server_hostname=address.host) as tls:
                    version = tls.version()
            except ssl.SSLCertVerificationError as error:
                return fault("broker", "Брокердің TLS сертификатына сенім жоқ",
                             "Сертификат TLS брокера не доверенный", error.verify_message)
            except (ssl.SSLError, OSError) as error:
                return fault("broker", "Брокермен TLS байланысы орнамады",
                             "Не удалось установить TLS-соединение с брокером", str(error))
        else:
            version = "без TLS"
    finally:
        raw.close()
    if options.login:
        refused = _login(settings, options.timeout)
        if refused is not None:
            return fault("broker", "Брокер құрылғыны қабылдамады (құпиясөз қате немесе "
                                   "құрылғы бұғатталған)",
                         "Брокер не принял устройство (неверный пароль или устройство "
                         "отозвано)", refused)
    tls_note = str(version) if address.tls else "plain MQTT (no TLS)"
    if not address.tls:
        return warning("broker", "Брокер қолжетімді, бірақ TLS жоқ",
                       "Брокер доступен, но без TLS", tls_note)
    return ok("broker", "Брокер қолжетімді, TLS сенімді",
              "Брокер доступен, TLS доверенный", str(tls_note))


def _login(settings: NodeSettings, timeout: float) -> str | None:
    """None when the broker accepts the node's credentials, else its answer."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    answer: dict[str, Any] = {}
    done = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=settings.node_id,
                         clean_session=False, protocol=mqtt.MQTTv311)
    password = settings.password
    client.username_pw_set(settings.broker_username,
                           password.get_secret_value() if password else None)
    if settings.broker.tls:
        client.tls_set(ca_certs=str(settings.ca_file) if settings.ca_file else None,
                       certfile=str(settings.cert_file) if settings.cert_file else None,
                       keyfile=str(settings.key_file) if settings.key_file else None)

    def connected(_c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        answer["reason"] = reason
        done.set()

    client.on_connect = connected
    client.on_connect_fail = lambda _c, _u: done.set()
    client.on_disconnect = lambda *_args: done.set()
    try:
        client.connect(settings.broker.host, settings.broker.port, keepalive=10)
        client.loop_start()
        done.wait(timeout)
    except OSError as error:
        return str(error)
    finally:
        client.disconnect()
        client.loop_stop()
    reason = answer.get("reason")
    if reason is None:
        return "no answer from the broker"
    return None if not reason.is_failure else str(reason)
