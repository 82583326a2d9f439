"""Texts of claiming on the fleet page (pending, approved, rejected and revoked nodes,
and what the administrator decides), in Kazakh and Russian; merged into
``hub.console.i18n.MESSAGES``."""

from __future__ import annotations

FLEET_MESSAGES: dict[str, dict[str, str]] = {
    "fleet.approval": {"kk": "Рұқсат", "ru": "Допуск"},
    "fleet.approval.pending": {"kk": "Растауды күтуде", "ru": "Ожидает подтверждения"},
    "fleet.approval.approved": {"kk": "Расталған", "ru": "Подтверждено"},
    "fleet.approval.rejected": {"kk": "Қабылданбаған", "ru": "Отклонено"},
    "fleet.approval.revoked": {"kk": "Рұқсаты қайтарылған", "ru": "Допуск отозван"},
    "fleet.pending_hint": {
        "kk": "Жаңа құрылғылар алғаш қосылғанда растауды күтеді: әкімші растағанша "
              "олардың сұраулары орындалмайды.",
        "ru": "Новые устройства при первом подключении ожидают подтверждения: пока "
              "администратор не подтвердит, их запросы не выполняются."},
    "fleet.pending_count": {"kk": "Растауды күтуде", "ru": "Ожидают подтверждения"},
    "fleet.decide.approved": {"kk": "Растау", "ru": "Подтвердить"},
    "fleet.decide.rejected": {"kk": "Қабылдамау", "ru": "Отклонить"},
    "fleet.decide.revoked": {"kk": "Рұқсатты қайтару", "ru": "Отозвать допуск"},
    "fleet.decided.approved": {"kk": "{node} құрылғысы расталды.",
                               "ru": "Устройство {node} подтверждено."},
    "fleet.decided.rejected": {"kk": "{node} құрылғысы қабылданбады және брокерден "
                                     "ажыратылды.",
                               "ru": "Устройство {node} отклонено и отключено от брокера."},
    "fleet.decided.revoked": {"kk": "{node} құрылғысының рұқсаты қайтарылды және ол "
                                    "брокерден ажыратылды.",
                              "ru": "Допуск устройства {node} отозван, оно отключено от "
                                    "брокера."},
    "fleet.cut_off_failed": {
        "kk": "{node} құрылғысын брокерден ажырату мүмкін болмады: оның сұраулары "
              "қабылданбайды, бірақ брокер құпиясөзін қолмен жойыңыз "
              "(kezek-provision revoke).",
        "ru": "Не удалось отключить устройство {node} от брокера: его запросы не "
              "принимаются, но удалите его пароль на брокере вручную "
              "(kezek-provision revoke)."},
    "fleet.decision_refused": {"kk": "Бұл шешім мүмкін емес: {reason}",
                               "ru": "Такое решение невозможно: {reason}"},
}
