"""Personal reception with officials (002, 004, 001; 000 §13): the booking
request's procedure as plain Python.

Modules, one job each:

* ``iin`` — the individual identification number and its check digit;
* ``applicants`` — the applicant, a legal representative, the phone number
  and the channels a request arrives by;
* ``grounds`` — grounds on which no booking is made;
* ``profiles`` — every term of the procedure as data, one profile per regulation;
* ``deadlines`` — the deadlines of a request on the working calendar;
* ``schedule`` — officials' reception hours, slots and placement in order of arrival;
* ``requests`` — the booking request's state machine and its next deadline;
* ``errors`` — the errors of this package.
"""
