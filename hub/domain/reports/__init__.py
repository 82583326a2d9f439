"""Reports of the center's work (002 §38, 004 §40): what happened in a service
day or a quarter, computed from plain facts with no database or web imports.

``periods`` names the day or quarter reported on, ``stats`` summarises
durations (mean, median, 90th percentile), ``queue`` the electronic queue's
visitors and times, ``reception`` personal reception bookings, their outcomes
and the instructions of protocols; ``report`` puts them together.
"""
