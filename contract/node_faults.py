"""What can be wrong with a node in the field, one machine word each, with the line a
person reads in Kazakh and Russian.

A node reports the word as a driver's `detail` in its status and telemetry; the hub's
fleet page shows the text; `kezek-node-doctor` prints the same text. One vocabulary, so
the installer at the Pi and the administrator at the console read the same words.
Words are machine words (`Code`): lower case, digits and `_`."""

from __future__ import annotations

from contract.mqtt import DriverState, Text

NODE_FAULTS: dict[str, Text] = {
    # GPIO -----------------------------------------------------------------------------
    "pin_factory_native": Text(
        kk="GPIO gpiozero-ның тәжірибелік қосалқы драйверімен (native) жұмыс істейді: 6.6+ "
           "ядросында және Pi 5-те түймелер істемейді (python3-lgpio орнатыңыз)",
        ru="GPIO работает через запасной экспериментальный драйвер gpiozero (native): на "
           "ядре 6.6+ и на Pi 5 кнопки не работают (установите python3-lgpio)"),
    "pin_factory_mock": Text(
        kk="GPIO жалған (mock): түймелер мен шамдар жұмыс істемейді",
        ru="GPIO фиктивный (mock): кнопки и лампы не работают"),
    "pin_factory_failed": Text(
        kk="GPIO драйвері жүктелмеді", ru="Не загрузился драйвер GPIO"),
    # Printer --------------------------------------------------------------------------
    "printer_permission": Text(
        kk="Қызмет пайдаланушысы принтерді аша алмайды (udev ережесін тексеріңіз)",
        ru="Пользователь службы не может открыть принтер (проверьте правило udev)"),
    "printer_missing": Text(
        kk="Принтер табылмады (USB кабелін тексеріңіз)",
        ru="Принтер не найден (проверьте кабель USB)"),
    # Audio ----------------------------------------------------------------------------
    "audio_device_missing": Text(
        kk="Дыбыс құрылғысы табылмады", ru="Звуковое устройство не найдено"),
    "audio_busy": Text(
        kk="Дыбыс құрылғысын басқа бағдарлама ұстап тұр",
        ru="Звуковое устройство занято другой программой"),
    "audio_failed": Text(
        kk="Дыбыс ойнатылмады", ru="Звук не воспроизводится"),
    "audio_player_missing": Text(
        kk="Дыбыс ойнатқыш бағдарлама жоқ (aplay үшін alsa-utils, pw-cat үшін pipewire-bin "
           "орнатыңыз)",
        ru="Нет программы воспроизведения (установите alsa-utils для aplay или pipewire-bin "
           "для pw-cat)"),
    "audio_no_session": Text(
        kk="PipeWire сеансы жоқ: түйін жұмыс үстелі пайдаланушысының атынан іске қосылуы "
           "керек (XDG_RUNTIME_DIR)",
        ru="Нет сеанса PipeWire: узел должен работать от имени пользователя рабочего стола "
           "(XDG_RUNTIME_DIR)"),
    "audio_format": Text(
        kk="Дыбыс құрылғысы бұл пішімді қабылдамайды: Pi HDMI үшін default:CARD=vc4hdmi0 "
           "көрсетіңіз (hw: немесе plughw: емес)",
        ru="Звуковое устройство не принимает этот формат: для HDMI на Pi укажите "
           "default:CARD=vc4hdmi0 (не hw: и не plughw:)"),
    "audio_permission": Text(
        kk="Қызмет пайдаланушысы дыбыс құрылғысын аша алмайды (audio тобына қосыңыз)",
        ru="Пользователь службы не может открыть звуковое устройство (добавьте его в группу "
           "audio)"),
    # Voice ----------------------------------------------------------------------------
    "voice_missing": Text(
        kk="Дауыс файлы жоқ", ru="Нет файла голоса"),
    "voice_checksum": Text(
        kk="Дауыс файлы бүлінген (sha256 сәйкес емес)",
        ru="Файл голоса повреждён (sha256 не совпадает)"),
    "voice_too_slow": Text(
        kk="Жоғары сапалы дауыс бұл құрылғы үшін тым баяу",
        ru="Голос высокого качества слишком медленный для этого устройства"),
    "os_32bit": Text(
        kk="Дауыс үшін 64 биттік жүйе керек (piper-tts пен onnxruntime 32 битте жоқ)",
        ru="Для голоса нужна 64-битная система (piper-tts и onnxruntime нет для 32 бит)"),
    "voice_load_failed": Text(
        kk="Дауыс файлы жүктелмеді (бүлінген немесе Piper дауысы емес)",
        ru="Файл голоса не загружается (повреждён или не голос Piper)"),
    # Clock ----------------------------------------------------------------------------
    "clock_skew": Text(
        kk="Құрылғы сағаты орталық сервердің уақытынан алшақ: NTP тексеріңіз",
        ru="Часы устройства расходятся со временем центрального сервера: проверьте NTP"),
    "clock_unknown": Text(
        kk="Орталық сервердің уақыты әлі белгісіз",
        ru="Время центрального сервера ещё не известно"),
}


# The clock's driver (`clock` in status and telemetry) and how far a node's clock may be
# from the hub's: the node, the doctor and the fleet page judge by the same numbers.
CLOCK_DRIVER = "clock"
CLOCK_WARNING_SECONDS = 5.0
CLOCK_FAULT_SECONDS = 60.0  # TLS, schedules and audit times go wrong well before this


def clock_level(skew: float) -> DriverState:
    """How a clock `skew` seconds off the hub's is judged: ok, warning from
    `CLOCK_WARNING_SECONDS`, fault from `CLOCK_FAULT_SECONDS` (either direction)."""
    size = abs(skew)
    if size >= CLOCK_FAULT_SECONDS:
        return DriverState.FAULT
    if size >= CLOCK_WARNING_SECONDS:
        return DriverState.WARNING
    return DriverState.OK


def fault_text(word: str) -> Text | None:
    """The text of a known word; None for a word this vocabulary does not have."""
    return NODE_FAULTS.get(word)
