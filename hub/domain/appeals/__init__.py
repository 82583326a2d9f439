"""The appeals register and what hangs on it (issue 8): appeals of 000 §3 and
their registration (000 §10, 002 §34), control of their consideration
(002 §33, §35), consultations of the consultation zone (000 §12), the
satisfaction call list (002 §36, 004 §38), personal data (000 §2) and
attachments. Plain Python: no web, MQTT or database here."""
