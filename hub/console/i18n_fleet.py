"""Texts of the fleet page in Kazakh and Russian: claiming (pending, approved, rejected
and revoked nodes, and what the administrator decides) and each node's clock against
the hub's; what each node is (the hub's record, changed by an administrator) against
what it declares; floods refused; merged into ``hub.console.i18n.MESSAGES``. The words
of node faults (`clock_skew`, `printer_missing`…) come from contract/node_faults.py."""

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
    # The node's clock against the hub's (Telemetry.clock_skew_s) -------------------
    "fleet.clock": {"kk": "Сағат айырмасы", "ru": "Расхождение часов"},
    "fleet.clock_hint": {
        "kk": "Құрылғы сағаты мен орталық сервер уақытының айырмасы: «+» — құрылғы алда, "
              "«−» — артта. Құрылғылар кезекке қатысты уақытты орталық серверден алады; "
              "5 с-тан асса — назар аударыңыз, 60 с-тан асса — NTP-ны тексеріңіз.",
        "ru": "Разница часов устройства и времени центрального сервера: «+» — устройство "
              "спешит, «−» — отстаёт. Время для очереди устройства берут у центрального "
              "сервера; больше 5 с — внимание, больше 60 с — проверьте NTP."},
    "fleet.clock.unknown": {"kk": "белгісіз", "ru": "неизвестно"},
    "fleet.clock.seconds": {"kk": "{n} с", "ru": "{n} с"},
    "fleet.clock.minutes": {"kk": "{n} мин", "ru": "{n} мин"},
    "fleet.clock.hours": {"kk": "{h} сағ {m} мин", "ru": "{h} ч {m} мин"},
    "fleet.clock.days": {"kk": "{n} күн", "ru": "{n} дн."},
    "fleet.driver.clock": {"kk": "Сағат", "ru": "Часы"},
    # What a node is: the hub's record against its declaration (issue 17).
    "fleet.role_one.ticket_terminal": {"kk": "Талон беру терминалы", "ru": "Терминал талонов"},
    "fleet.role_one.display": {"kk": "Электрондық табло", "ru": "Электронное табло"},
    "fleet.role_one.call_button": {"kk": "Шақыру пульті", "ru": "Пульт вызова"},
    "fleet.identity_mismatch": {
        "kk": "Құрылғы өзін тіркелгенінен басқаша атайды: оның барлық сұраулары "
              "қабылданбайды.",
        "ru": "Устройство называет себя не тем, кем оно зарегистрировано: все его "
              "запросы отклоняются."},
    "fleet.declares": {"kk": "Өзі туралы айтатыны", "ru": "Заявляет о себе"},
    "fleet.mismatch.role": {"kk": "рөлі", "ru": "роль"},
    "fleet.mismatch.desk": {"kk": "жұмыс орны", "ru": "рабочее место"},
    "fleet.mismatch.zones": {"kk": "аймақтары", "ru": "зоны"},
    "fleet.no_record": {"kk": "Тіркеу жазбасы әлі жоқ: растағанда құрылғы өзі туралы "
                              "айтқаны жазылады.",
                        "ru": "Записи о регистрации ещё нет: при подтверждении будет "
                              "записано то, что устройство заявляет о себе."},
    "fleet.record.change": {"kk": "Тіркеу жазбасын өзгерту", "ru": "Изменить запись"},
    "fleet.record.role": {"kk": "Рөлі", "ru": "Роль"},
    "fleet.record.desk": {"kk": "Жұмыс орны", "ru": "Рабочее место"},
    "fleet.record.no_desk": {"kk": "жоқ", "ru": "нет"},
    "fleet.record.zones": {"kk": "Аймақтар", "ru": "Зоны"},
    "fleet.record.save": {"kk": "Сақтау", "ru": "Сохранить"},
    # The broker's ACL is generated per role by provisioning: a new role here is not a
    # new permission at the broker until the node is provisioned again.
    "fleet.record.role_note": {
        "kk": "Рөлі өзгерсе, құрылғыны қайта баптаңыз (kezek-provision): брокер әр рөлге "
              "тек өз хабарламаларын жіберуге рұқсат етеді.",
        "ru": "При смене роли подготовьте устройство заново (kezek-provision): брокер "
              "разрешает каждой роли отправлять только её сообщения."},
    "fleet.record.saved": {"kk": "{node} құрылғысының тіркеу жазбасы өзгертілді.",
                           "ru": "Запись устройства {node} изменена."},
    "fleet.record.refused": {"kk": "Тіркеу жазбасы өзгертілмеді: {reason}",
                             "ru": "Запись не изменена: {reason}"},
    # Alerts: floods refused, declarations that differ from the record.
    "fleet.alerts": {"kk": "Ескертулер (соңғы тәулік)", "ru": "Предупреждения (за сутки)"},
    "fleet.alert.node.rate_limited": {
        "kk": "Сұраулар тым жиі келді: шектеу іске қосылды, артық сұраулар қабылданбады",
        "ru": "Слишком частые запросы: сработало ограничение, лишние запросы отклонены"},
    "fleet.alert.node.identity_mismatch": {
        "kk": "Құрылғы өзін тіркелгенінен басқаша атады",
        "ru": "Устройство назвало себя не тем, кем зарегистрировано"},
    "fleet.alert.node.mqtt_protocol_refused": {
        "kk": "Құрылғы MQTT-тің басқа нұсқасымен қосылды: сұраулары 3.1.1 нұсқасымен "
              "қайта қосылғанша қабылданбайды",
        "ru": "Устройство подключилось по другой версии MQTT: его запросы не принимаются, "
              "пока оно не подключится по 3.1.1"},
    "fleet.alert.node.connection_taken_over": {
        "kk": "Осы құрылғының деректерімен екінші қосылым ашылды: біріншісі жабылды",
        "ru": "С данными этого устройства открыто второе подключение: первое закрыто"},
    "fleet.alert.count": {"kk": "{count} рет", "ru": "{count} раз"},
    "fleet.alert.times": {"kk": "тәулікте {count} рет", "ru": "{count} раз за сутки"},
    "fleet.alert.limit.tickets": {"kk": "талондар", "ru": "талоны"},
    "fleet.alert.limit.leased": {"kk": "офлайн нөмірлер блоктары",
                                 "ru": "блоки номеров для офлайн-печати"},
    "fleet.alert.limit.presses": {"kk": "батырма басулары", "ru": "нажатия кнопок"},
}
