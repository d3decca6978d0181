"""The canvass: which registered cameras may have recorded a case, most urgent first.

Purpose-bound: every search and every reveal of an owner's contact names the case it is for
and is written to the audit log. A search records which registrations it returned; an owner's
contact is shown for a case when a search of that case returned the registration or the case
has a footage request for it, otherwise only with a written justification, which is recorded
apart ("owner.reveal_justified") for the supervisor.

- parse.py: the search's parameters, checked (the case, the point, the radius, the window);
- query.py: the spatial SQL, index-backed on SpatiaLite and PostGIS;
- search.py: each camera assessed, ranked and the search audited;
- contact.py: an owner's contact revealed for a case;
- sheet.py: what the printable canvass sheet shows.
"""
