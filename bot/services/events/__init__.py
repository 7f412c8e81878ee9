"""Events (hackathons, ask-the-expert sessions, meetups): validation, RSVPs and scheduled notices.

No discord here: the cog creates the native Discord event and posts messages; this package
decides what is valid, what is stored and what is due. Every input is validated before any
write, so a refused request changes nothing. Import the module that holds the code:

* ``rules``: limits and parsing (times in the server's zone, durations, reminders, topics);
* ``records``: drafts, inserting and reading events, counts, recipients;
* ``rsvps``: answers with a waitlist, edits, cancelling, the events' settings;
* ``notices``: what is due when (reminders, questions, the weekly agenda), each claimed once.

Times are stored in UTC. Members type them in the server's time zone; a local time that
does not exist (the hour skipped when clocks go forward) is refused, one that happens twice
(when clocks go back) means its first occurrence.

Exactly once: every scheduled message of an event (its announcement, each reminder, the
questions for the experts) is an ``EventNotice`` row, unique per event and kind, inserted
before the message is sent. A second attempt finds the row and sends nothing.
"""
