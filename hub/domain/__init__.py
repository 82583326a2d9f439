"""The rules of the reception center as plain Python.

Nothing in this package imports FastAPI, SQLAlchemy or MQTT: the queue order,
number ranges, the working calendar, estimates and staffing alerts can be read
and tested on their own.
"""
